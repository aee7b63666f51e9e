"""SLA policies: which one a conversation falls under, its due times and breach state (pure).

Matching. The config's ``sla`` policies are tried in order and the first whose ``match``
fits wins; a policy without ``match`` is the default and fits everything. An SLA ``match``
looks at what a conversation is, not at one message: ``channel``, ``mailbox``,
``priority`` (a list means any of) and ``tag`` (fits when the conversation has any of
the listed tags). The schema allows no other keys there. No policy fits: no SLA, and
every SLA column of the conversation is empty.

Due times. Both clocks start at the conversation's ``created_at`` and run in business time
on the policy's calendar (round the clock when it names none)::

    first_response_due = add_business(calendar, created_at, first_response)
    resolution_due = add_business(calendar, created_at, resolution)

A policy without one of the targets leaves that clock empty. A conversation without a
message from the customer (the team wrote first and nobody answered) owes nobody a reply
and gets no SLA. Clocks do not pause while a conversation is pending on the customer.

Reopening. Resolution is measured from creation, as Zendesk's full resolution time and
Help Scout's resolution time are: a conversation the customer reopens keeps the due time
it had. It is running again (or breached, if that due time has passed) until it is
closed again, and then its new ``resolved_at`` is compared with the same due time. The
first response is the first reply ever, so reopening does not touch it.

Breach state per clock: ``True`` when it was done after its due time, or is not done and
``now`` is past it; ``False`` when done by the due time (exactly at it counts as in
time); ``None`` while it is running (not done, ``now`` not past the due time) and when
the policy has no such target. A running clock is decided later: ``sla refresh`` looks
at it again as time passes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version

import pytz

from supportctl.config.model import Calendar, Config, SlaPolicy
from supportctl.errors import ConfigError, NotFoundError, UsageError
from supportctl.timekit.business import add_business
from supportctl.timekit.calendar import BusinessCalendar, always_open
from supportctl.timekit.spec import Duration

# Part of the fingerprint: bump it when the rules above change, so that stores are
# recomputed whole by the next ``sla refresh``.
RULES_VERSION = 1
DueTimes = tuple[datetime | None, datetime | None]  # first response, resolution
DUE_COLUMNS = (
    "policy",
    "calendar",
    "timezone",
    "at",
    "first_response",
    "first_response_due",
    "resolution",
    "resolution_due",
    "first_response_due_utc",
    "resolution_due_utc",
)


@dataclass(frozen=True)
class SlaSubject:
    """What a policy's ``match`` looks at; ``None`` fits only a match that does not ask."""

    channel: str | None = None
    mailbox: str | None = None
    priority: str = "normal"
    tags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ConversationFacts:
    """What a conversation's SLA is worked out from; instants are aware (UTC)."""

    subject: SlaSubject
    created_at: datetime
    customer_wrote: bool
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None  # of a closed conversation only


@dataclass(frozen=True)
class SlaState:
    """A conversation's SLA columns: its policy, due times (UTC) and breach state."""

    sla_policy: str | None = None
    first_response_due: datetime | None = None
    resolution_due: datetime | None = None
    first_response_breached: bool | None = None
    resolution_breached: bool | None = None


NO_SLA = SlaState()


@dataclass(frozen=True)
class SlaDue:
    """``sla due``'s answer: the due times of one policy for a conversation opened ``at``.

    Local instants are in the policy calendar's zone; the ``*_utc`` ones are ISO strings
    in UTC, for scripts that do not want to parse offsets.
    """

    policy: str
    calendar: str | None
    timezone: str
    at: datetime
    first_response: str | None
    first_response_due: datetime | None
    resolution: str | None
    resolution_due: datetime | None
    first_response_due_utc: str | None
    resolution_due_utc: str | None


class SlaPolicies:
    """The config's SLA policies with each calendar they use built once.

    ``BusinessCalendar`` caches the years it has worked out, so one ``SlaPolicies``
    should serve a whole run (a refresh of every conversation, a sync).

    >>> from supportctl.config.model import Condition
    >>> from supportctl.timekit.spec import Duration
    >>> policies = SlaPolicies(
    ...     (SlaPolicy("chat", Condition(channel=("chat",)), Duration(seconds=300)),
    ...      SlaPolicy("email", first_response=Duration(seconds=8 * 3600))), {}, "UTC")
    >>> policies.match(SlaSubject(channel="chat")).name
    'chat'
    >>> policies.match(SlaSubject(channel="phone")).name
    'email'
    """

    def __init__(
        self,
        policies: tuple[SlaPolicy, ...],
        calendars: Mapping[str, Calendar],
        default_timezone: str,
        channels: Iterable[str] = (),
    ):
        self.policies = policies
        # Channels a conversation can have: the mailboxes' and those policies name.
        self.channels = frozenset(channels).union(*(p.match.channel for p in policies))
        self._default_timezone = default_timezone
        for policy in policies:
            if policy.calendar is not None and policy.calendar not in calendars:
                raise ConfigError(
                    f"SLA policy {policy.name!r} names calendar {policy.calendar!r},"
                    " which is not defined"
                )
        self._calendar_configs = {
            policy.calendar: calendars[policy.calendar]
            for policy in policies
            if policy.calendar is not None
        }
        self._calendars = {
            name: BusinessCalendar.from_config(calendar)
            for name, calendar in self._calendar_configs.items()
        }
        self._due_by_opening: dict[tuple[str, datetime], DueTimes] = {}

    @classmethod
    def from_config(cls, config: Config) -> SlaPolicies:
        """The policies of ``config`` with the calendars they name."""
        channels = (mailbox.channel for mailbox in config.mailboxes)
        return cls(config.sla, config.calendars, config.timezone, channels)

    @property
    def fingerprint(self) -> str:
        """A digest of everything the SLA columns depend on besides the conversations:
        the policies, their calendars, the holiday and time-zone data, and these rules.

        A store whose last full refresh had another fingerprint must be refreshed whole.
        """
        calendars = sorted(self._calendar_configs.items())
        source = repr(
            (RULES_VERSION, self.policies, calendars, version("holidays"), pytz.OLSON_VERSION)
        )
        return hashlib.sha256(source.encode()).hexdigest()

    def named(self, name: str) -> SlaPolicy:
        """The policy called ``name``; ``NotFoundError`` naming the known ones."""
        for policy in self.policies:
            if policy.name == name:
                return policy
        raise NotFoundError(f"no SLA policy named {name!r}", hint=f"known: {self._names()}")

    def match(self, subject: SlaSubject) -> SlaPolicy | None:
        """The first policy whose match fits ``subject``, or None."""
        for policy in self.policies:
            condition = policy.match
            if (
                _fits(subject.channel, condition.channel)
                and _fits(subject.mailbox, condition.mailbox)
                and _fits(subject.priority, condition.priority)
                and (not condition.tag or not subject.tags.isdisjoint(condition.tag))
            ):
                return policy
        return None

    def calendar(self, policy: SlaPolicy) -> BusinessCalendar:
        """The calendar ``policy`` counts business time on (round the clock if none)."""
        return always_open() if policy.calendar is None else self._calendars[policy.calendar]

    def timezone(self, policy: SlaPolicy) -> str:
        """The zone ``policy``'s times are read and shown in: its calendar's, else the
        config's default."""
        return self._default_timezone if policy.calendar is None else self.calendar(policy).timezone

    def due_times(self, policy: SlaPolicy, start: datetime) -> DueTimes:
        """``(first_response_due, resolution_due)`` of a conversation created at ``start``.

        A start outside hours counts from the next opening, so every conversation that
        arrived over one weekend or holiday has the same due times: they are worked out
        once per opening and policy.
        """
        calendar = self.calendar(policy)
        key = (policy.name, calendar.next_open(start))
        due = self._due_by_opening.get(key)
        if due is None:
            opened = key[1]
            due = self._due_by_opening[key] = (
                _due(calendar, opened, policy.first_response),
                _due(calendar, opened, policy.resolution),
            )
        return due

    def evaluate(self, facts: ConversationFacts, now: datetime) -> SlaState:
        """The SLA columns of the conversation ``facts`` describe, as of ``now``."""
        policy = self.match(facts.subject)
        if policy is None or not facts.customer_wrote:
            return NO_SLA
        first_response_due, resolution_due = self.due_times(policy, facts.created_at)
        return SlaState(
            sla_policy=policy.name,
            first_response_due=first_response_due,
            resolution_due=resolution_due,
            first_response_breached=breached(first_response_due, facts.first_response_at, now),
            resolution_breached=breached(resolution_due, facts.resolved_at, now),
        )

    def _names(self) -> str:
        return ", ".join(policy.name for policy in self.policies) or "none (the config has no sla)"


def breached(due: datetime | None, done_at: datetime | None, now: datetime) -> bool | None:
    """One clock's breach state (see the module docstring): None while it runs."""
    if due is None:
        return None
    if done_at is not None:
        return done_at > due
    return True if now > due else None


def sla_due(
    policies: SlaPolicies,
    *,
    policy_name: str | None = None,
    subject: SlaSubject = SlaSubject(),
    at: str | None = None,
    now: datetime,
) -> SlaDue:
    """The due times of a conversation opened ``at`` (default ``now``) under the policy
    named ``policy_name``, or else the one ``subject`` matches.

    ``at`` is a local time in the policy's zone (``"2026-03-19 16:30"``) or ISO 8601 with
    an offset. ``NotFoundError`` when no policy has that name or none matches;
    ``UsageError`` (naming ``--at``) when ``at`` cannot be read.
    """
    if subject.channel is not None and subject.channel not in policies.channels:
        raise NotFoundError(
            f"no mailbox or SLA policy has channel {subject.channel!r}",
            hint=f"known: {', '.join(sorted(policies.channels)) or 'none'}",
        )
    policy = policies.named(policy_name) if policy_name else policies.match(subject)
    if policy is None:
        raise NotFoundError(
            f"no SLA policy matches {_describe(subject)}",
            hint="add a default policy (one without match) or pass --policy",
        )
    zone = policies.timezone(policy)
    start = now if at is None else parse_local_instant(at, zone, option="--at")
    first_response_due, resolution_due = policies.due_times(policy, start)
    return SlaDue(
        policy=policy.name,
        calendar=policy.calendar,
        timezone=zone,
        at=_local(start, zone),
        first_response=_text(policy.first_response),
        first_response_due=_local(first_response_due, zone),
        resolution=_text(policy.resolution),
        resolution_due=_local(resolution_due, zone),
        first_response_due_utc=_utc_text(first_response_due),
        resolution_due_utc=_utc_text(resolution_due),
    )


def parse_local_instant(text: str, timezone: str, *, option: str) -> datetime:
    """``"2026-03-19 16:30"`` read in ``timezone``, or ISO 8601 with an offset → UTC.

    A wall time the clocks skip or pass twice in ``timezone`` is refused (give an offset);
    every problem is a ``UsageError`` naming ``option``.
    """
    try:
        parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"{text!r} is not a date and time",
            where=option,
            hint=f'use "2026-03-19 16:30" ({timezone} time) or ISO 8601 with an offset',
        ) from None
    if parsed.tzinfo is not None:
        return parsed.astimezone(UTC)
    try:
        return pytz.timezone(timezone).localize(parsed, is_dst=None).astimezone(UTC)
    except pytz.NonExistentTimeError:
        problem = "does not exist (the clocks skip it)"
    except pytz.AmbiguousTimeError:
        problem = "happens twice (the clocks go back)"
    raise UsageError(
        f"{text} {problem} in {timezone}", where=option, hint="give it with a UTC offset"
    )


def _due(calendar: BusinessCalendar, start: datetime, target: Duration | None) -> datetime | None:
    return None if target is None else add_business(calendar, start, target)


def _fits(value: str | None, allowed: tuple[str, ...]) -> bool:
    return not allowed or value in allowed


def _describe(subject: SlaSubject) -> str:
    parts = [
        f"{name}={value}"
        for name, value in (
            ("channel", subject.channel),
            ("mailbox", subject.mailbox),
            ("priority", subject.priority),
            ("tag", ",".join(sorted(subject.tags)) or None),
        )
        if value
    ]
    return " ".join(parts)


def _text(target: Duration | None) -> str | None:
    return None if target is None else str(target)


def _local(instant: datetime | None, timezone: str) -> datetime | None:
    if instant is None:
        return None
    zone = pytz.timezone(timezone)
    return zone.normalize(instant.astimezone(zone))


def _utc_text(instant: datetime | None) -> str | None:
    return None if instant is None else instant.astimezone(UTC).isoformat()
