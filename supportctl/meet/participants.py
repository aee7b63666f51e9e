"""Who is in a meeting: the ``--with`` specs resolved against the config.

A spec is an agent id (``omar``), a role (``@lead``, or ``@role:lead``), everyone on a
calendar (``@cairo``, or ``@calendar:cairo``) or an ad hoc guest::

    guest=America/New_York 09:00-17:00
    bob=Asia/Tokyo mon-fri 09:00-12:00,13:00-18:00 sat 10:00-12:00

A guest's hours are in their zone; day keys (``mon-fri``, ``sat``) apply to the ranges
after them, and ranges before any day key hold every day of the week (we do not guess
anyone's weekend). Guests have no holidays or leave. Several specs may share one
``--with``, separated by commas; a piece that is only more hours (``13:00-18:00``)
belongs to the guest before it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from supportctl.config.model import Agent, Calendar, Config, Leave, WeeklyHours
from supportctl.errors import NotFoundError, UsageError
from supportctl.timekit.spec import SpecError, parse_weekly_hours

EVERY_DAY = "mon-sun"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_WORD = re.compile(r"[^\s,]+")


@dataclass(frozen=True)
class Participant:
    """One person: the calendar that says when they work, and what else they accept."""

    name: str
    calendar: Calendar
    meeting_hours: WeeklyHours | None = None  # soft hours: acceptable, ranked lower
    leave: tuple[Leave, ...] = ()

    @property
    def timezone(self) -> str:
        return self.calendar.timezone


def resolve_participants(
    config: Config, specs: Iterable[str], *, reserved: Sequence[str] = ()
) -> tuple[Participant, ...]:
    """The participants ``specs`` name, in order, each once.

    ``reserved`` are names a participant may not have (the plan's own columns).
    Raises ``NotFoundError`` for an unknown agent, role or calendar and ``UsageError`` for
    a malformed spec, both naming the spec.
    """
    participants: dict[str, Participant] = {}
    for spec in split_specs(specs):
        for participant in _resolve(config, spec):
            if participant.name in reserved:
                raise UsageError(
                    f"--with {spec!r}: the name {participant.name!r} is a column of the plan",
                    hint="give the guest another name",
                )
            if participants.setdefault(participant.name, participant) != participant:
                raise UsageError(f"--with {spec!r}: {participant.name!r} is already taken")
    if not participants:
        raise UsageError("--with names nobody", hint="e.g. --with omar,@lead,@cairo")
    return tuple(participants.values())


def split_specs(values: Iterable[str]) -> list[str]:
    """Comma-separated ``--with`` values → one spec each; a piece without ``=`` that holds
    a ``:`` (more hours) continues the ad hoc guest before it."""
    specs: list[str] = []
    for value in values:
        for piece in (part.strip() for part in value.split(",")):
            if not piece:
                continue
            continues = "=" not in piece and ":" in piece and not piece.startswith("@")
            if continues and specs and "=" in specs[-1]:
                specs[-1] += "," + piece
            else:
                specs.append(piece)
    return specs


def _resolve(config: Config, spec: str) -> list[Participant]:
    if "=" in spec:
        return [_guest(spec)]
    if spec.startswith("@"):
        return [_agent_participant(config, agent, spec) for agent in _group(config, spec)]
    try:
        agent = config.agent(spec)
    except KeyError:
        raise NotFoundError(
            f"--with {spec!r}: no agent with that id",
            hint=f"agents: {', '.join(a.id for a in config.team) or 'none'}; "
            "@role, @calendar or NAME=ZONE HOURS for a guest",
        ) from None
    return [_agent_participant(config, agent, spec)]


def _group(config: Config, spec: str) -> list[Agent]:
    kind, _, name = spec[1:].rpartition(":")
    roles = {role for agent in config.team for role in agent.roles}
    if kind not in ("", "role", "calendar"):
        raise UsageError(f"--with {spec!r}: use @NAME, @role:NAME or @calendar:NAME")
    if not kind and name in roles and name in config.calendars:
        raise UsageError(
            f"--with {spec!r}: {name!r} is both a role and a calendar",
            hint=f"say @role:{name} or @calendar:{name}",
        )
    if kind == "role" or (not kind and name in roles):
        members = [agent for agent in config.team if name in agent.roles]
    elif kind == "calendar" or (not kind and name in config.calendars):
        members = [agent for agent in config.team if agent.calendar == name]
    else:
        members = []
    if not members:
        raise NotFoundError(
            f"--with {spec!r}: no agent has that role or calendar",
            hint=f"roles: {', '.join(sorted(roles)) or 'none'}; "
            f"calendars: {', '.join(sorted(config.calendars)) or 'none'}",
        )
    return members


def _agent_participant(config: Config, agent: Agent, spec: str) -> Participant:
    if agent.calendar is None:
        raise UsageError(
            f"--with {spec!r}: agent {agent.id!r} has no calendar, so no working hours",
            hint=f"give it a calendar in the config, or add {agent.id}=ZONE HOURS as a guest",
        )
    return Participant(
        name=agent.id,
        calendar=config.calendars[agent.calendar],
        meeting_hours=agent.meeting_hours,
        leave=agent.leave,
    )


def _guest(spec: str) -> Participant:
    import pytz

    name, _, rest = (part.strip() for part in spec.partition("="))
    usage = "write NAME=ZONE [DAYS] HH:MM-HH:MM, e.g. guest=America/New_York mon-fri 09:00-17:00"
    if not _NAME.match(name):
        raise UsageError(f"--with {spec!r}: {name!r} is not a name", hint=usage)
    words = _WORD.findall(rest)
    if not words:
        raise UsageError(f"--with {spec!r}: no time zone", hint=usage)
    zone = words[0]
    try:
        pytz.timezone(zone)
    except pytz.UnknownTimeZoneError:
        raise UsageError(
            f"--with {spec!r}: unknown time zone {zone!r}", hint="use an IANA name"
        ) from None
    try:
        hours = parse_weekly_hours(_weekly_spec(words[1:]))
    except SpecError as error:
        raise UsageError(f"--with {spec!r}: {error}", hint=usage) from None
    if not hours:
        raise UsageError(f"--with {spec!r}: no working hours", hint=usage)
    calendar = Calendar(name=f"{name} (ad hoc)", timezone=zone, hours=hours)
    return Participant(name=name, calendar=calendar)


def _weekly_spec(words: Sequence[str]) -> dict[str, str]:
    """``["mon-fri", "09:00-12:00", "13:00-17:00", "sat", "10:00-12:00"]`` →
    ``{"mon-fri": "09:00-12:00,13:00-17:00", "sat": "10:00-12:00"}``."""
    spec: dict[str, list[str]] = {}
    days: str | None = None
    for word in words:
        if word[0].isdigit():
            spec.setdefault(days or EVERY_DAY, []).append(word)
            continue
        if days is not None and days not in spec:
            raise SpecError(f"day key {days!r} has no hours after it")
        days = word.lower()
        if days in spec:
            raise SpecError(f"day key {days!r} is given twice")
    if days is not None and days not in spec:
        raise SpecError(f"day key {days!r} has no hours after it")
    return {key: ",".join(ranges) for key, ranges in spec.items()}
