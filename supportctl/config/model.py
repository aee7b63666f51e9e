"""Typed, frozen config objects: what the rest of supportctl reads.

Built by ``supportctl.config.build`` from a document that already passed validation, so
constructors here trust their input. Config keys map one-to-one onto field names, except
``from``/``to`` (Python keywords), which are ``start``/``end`` here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from supportctl.errors import SecretError
from supportctl.timekit.spec import Duration, HourRange

WeeklyHours = dict[int, tuple[HourRange, ...]]  # weekday (Mon = 0) → ranges


@dataclass(frozen=True)
class Mailbox:
    name: str
    channel: str = "email"
    # IMAP source
    host: str | None = None
    port: int | None = None
    security: str = "tls"  # tls | starttls | none
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    # A ${VAR} password that could not be resolved when the config loaded: raised only
    # when the password is needed, so commands that never log in need no mail secrets.
    password_error: SecretError | None = field(default=None, repr=False, compare=False)
    password_command: str | None = None
    password_file: str | None = None
    ca_file: str | None = None
    verify: bool = True
    timeout: int = 30
    folders: tuple[str, ...] = ("INBOX",)
    sent_folder: str | None = None
    allow_plaintext_password: bool = False
    # local source
    maildir: str | None = None
    mbox: str | None = None
    # behaviour
    addresses: tuple[str, ...] = ()
    fetch: str = "summary"  # summary | full
    batch_size: int = 500
    after_reply: str = "pending"  # open | pending | closed
    thread_window: Duration = Duration(days=14)
    writeback: str = "none"  # none | keywords
    sieve_port: int = 4190

    @property
    def is_local(self) -> bool:
        return self.maildir is not None or self.mbox is not None


@dataclass(frozen=True)
class HolidayOverride:
    """Replace the package's dates of one holiday in one year (Eid follows the moon)."""

    match: str  # substring of the package's English holiday name
    start: date
    end: date
    name: str | None = None
    name_ar: str | None = None


@dataclass(frozen=True)
class HolidaySource:
    country: str
    subdivision: str | None = None
    categories: tuple[str, ...] = ()
    overrides: tuple[HolidayOverride, ...] = ()


@dataclass(frozen=True)
class Closure:
    """Whole local days (``date``) or a span of instants (aware ``datetime``)."""

    name: str
    start: date | datetime
    end: date | datetime
    name_ar: str | None = None


@dataclass(frozen=True)
class SpecialHours:
    """Different weekly hours for a date range (Ramadan's shorter day)."""

    name: str
    start: date
    end: date
    hours: WeeklyHours
    name_ar: str | None = None


@dataclass(frozen=True)
class Calendar:
    name: str
    timezone: str
    hours: WeeklyHours
    holidays: HolidaySource | None = None
    closures: tuple[Closure, ...] = ()
    special_hours: tuple[SpecialHours, ...] = ()


@dataclass(frozen=True)
class Leave:
    start: date
    end: date
    note: str | None = None


@dataclass(frozen=True)
class Agent:
    id: str
    name: str
    email: str | None = None
    calendar: str | None = None
    max_open: int | None = None
    roles: tuple[str, ...] = ()
    leave: tuple[Leave, ...] = ()
    meeting_hours: WeeklyHours | None = None


@dataclass(frozen=True)
class Condition:
    """A rule's ``when``: every given field must match (lists mean any of)."""

    subject: str | None = None  # regular expression
    body: str | None = None  # regular expression over the snippet
    from_address: tuple[str, ...] = ()  # config key ``from``
    from_domain: tuple[str, ...] = ()
    to: tuple[str, ...] = ()
    mailbox: tuple[str, ...] = ()
    channel: tuple[str, ...] = ()
    header: tuple[tuple[str, str], ...] = ()  # (header name, regular expression)
    language: str | None = None  # ar | en
    tag: tuple[str, ...] = ()
    priority: tuple[str, ...] = ()
    older_than: Duration | None = None


@dataclass(frozen=True)
class SlaPolicy:
    name: str
    match: Condition = Condition()
    first_response: Duration | None = None
    resolution: Duration | None = None
    calendar: str | None = None  # None: round the clock


@dataclass(frozen=True)
class TagRule:
    name: str
    tag: str
    when: Condition


@dataclass(frozen=True)
class Route:
    name: str
    when: Condition
    to: tuple[str, ...]  # agent ids, or "@role"


@dataclass(frozen=True)
class Escalation:
    before_breach: Duration
    to: tuple[str, ...] = ("@lead",)


@dataclass(frozen=True)
class AssignRules:
    strategy: str = "manual"  # round_robin | least_open | manual
    only_on_duty: bool = True
    agents: tuple[str, ...] = ()  # empty: the whole team
    fallback: tuple[str, ...] = ()
    reassign_when_away: bool = True
    routes: tuple[Route, ...] = ()
    escalation: Escalation | None = None


@dataclass(frozen=True)
class Rules:
    tags: tuple[TagRule, ...] = ()
    assign: AssignRules = AssignRules()


@dataclass(frozen=True)
class PublishTarget:
    target: str  # stdout | file | sieve
    format: str = "text"  # text | markdown | html | json | ics
    language: str = "en"
    path: str | None = None
    mailbox: str | None = None
    during: str = "closures"  # sieve: closures | always
    channels: tuple[str, ...] = ()  # empty: every SLA policy
    template: str | None = None
    horizon: int = 30
    round_to: Duration = Duration(seconds=900)
    script_name: str = "supportctl"


@dataclass(frozen=True)
class Meetings:
    duration: Duration = Duration(seconds=2700)
    step: Duration = Duration(seconds=900)
    days: int = 14
    edge_margin: Duration = Duration(seconds=3600)


@dataclass(frozen=True)
class Reports:
    timezone: str
    week_start: str = "sun"
    business_time: bool = True


@dataclass(frozen=True)
class Config:
    path: str
    version: int
    timezone: str
    store: str
    language: str
    mailboxes: tuple[Mailbox, ...] = ()
    calendars: dict[str, Calendar] = field(default_factory=dict)
    team: tuple[Agent, ...] = ()
    sla: tuple[SlaPolicy, ...] = ()
    rules: Rules = Rules()
    publish: tuple[PublishTarget, ...] = ()
    meetings: Meetings = Meetings()
    reports: Reports | None = None

    def mailbox(self, name: str) -> Mailbox:
        for mailbox in self.mailboxes:
            if mailbox.name == name:
                return mailbox
        raise KeyError(name)

    def agent(self, agent_id: str) -> Agent:
        for agent in self.team:
            if agent.id == agent_id:
                return agent
        raise KeyError(agent_id)
