"""Who is on duty at an instant (pure: ``now`` is passed in).

An agent is on duty when ``now`` falls inside an open interval of their own calendar
(so not on its weekend, a public holiday or a closure) and not on a day of their
leave. An agent without a calendar works round the clock. Leave dates are read in the
agent's calendar's time zone (else the config's). An overnight shift counts on the
day it starts, as everywhere in ``timekit``: at 02:00 the night desk is still on its
evening's shift even when the new day is a holiday.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytz

from supportctl.config.model import Agent, Config
from supportctl.timekit.calendar import BusinessCalendar, DayInfo


@dataclass(frozen=True)
class Availability:
    """Whether ``agent`` is on duty, and in words why (not)."""

    agent: str
    on_duty: bool
    on_leave: bool
    reason: str


def team_availability(
    config: Config, now: datetime, agents: Iterable[Agent] | None = None
) -> dict[str, Availability]:
    """Availability at ``now`` (aware) of ``agents`` (default: the whole team), by id.

    >>> from datetime import UTC
    >>> from supportctl.config.model import Config
    >>> config = Config(path="-", version=1, timezone="UTC", store="-", language="en",
    ...                 team=(Agent(id="omar", name="Omar"),))
    >>> team_availability(config, datetime(2026, 1, 1, tzinfo=UTC))["omar"].reason
    'on duty (no calendar: round the clock)'
    """
    calendars: dict[str, BusinessCalendar] = {}

    def calendar_of(name: str) -> BusinessCalendar:
        if name not in calendars:
            calendars[name] = BusinessCalendar.from_config(config.calendars[name])
        return calendars[name]

    result = {}
    for agent in config.team if agents is None else agents:
        calendar = calendar_of(agent.calendar) if agent.calendar else None
        result[agent.id] = availability(agent, calendar, config.timezone, now)
    return result


def availability(
    agent: Agent, calendar: BusinessCalendar | None, default_timezone: str, now: datetime
) -> Availability:
    """One agent's availability at ``now`` on ``calendar`` (None: round the clock)."""
    zone = pytz.timezone(calendar.timezone if calendar else default_timezone)
    today = zone.normalize(now.astimezone(zone)).date()
    leave = next((x for x in agent.leave if x.start <= today <= x.end), None)
    if leave is not None:
        note = f", {leave.note}" if leave.note else ""
        return Availability(agent.id, False, True, f"on leave until {leave.end}{note}")
    if calendar is None:
        return Availability(agent.id, True, False, "on duty (no calendar: round the clock)")
    days = [calendar.day_info(day) for day in (today - timedelta(days=1), today)]
    if any(start <= now < end for day in days for start, end in day.open_intervals):
        return Availability(agent.id, True, False, "on duty")
    return Availability(agent.id, False, False, _why_closed(days[-1], today))


def _why_closed(info: DayInfo, today: date) -> str:
    if info.holiday:
        return f"public holiday ({info.holiday})"
    if info.closure:
        return f"closed ({info.closure})"
    return "off shift" if info.hours else f"not a working day ({today:%a})"
