"""Configs built in code for the planner's tests, and helpers to read its reports."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

import pytz

from supportctl.config.model import Agent, Calendar, Closure, Config, HolidaySource, Leave
from supportctl.timekit.spec import parse_weekly_hours

Hours = Mapping[str, str]


def calendar(
    name: str,
    zone: str,
    hours: Hours,
    country: str | None = None,
    closures: tuple[Closure, ...] = (),
) -> Calendar:
    holidays = HolidaySource(country) if country else None
    return Calendar(name, zone, parse_weekly_hours(dict(hours)), holidays, closures)


def agent(
    agent_id: str,
    calendar_name: str | None,
    *,
    roles: Sequence[str] = (),
    leave: Sequence[Leave] = (),
    meeting_hours: Hours | None = None,
) -> Agent:
    return Agent(
        id=agent_id,
        name=agent_id.title(),
        calendar=calendar_name,
        roles=tuple(roles),
        leave=tuple(leave),
        meeting_hours=parse_weekly_hours(dict(meeting_hours)) if meeting_hours else None,
    )


def config(calendars: Sequence[Calendar], team: Sequence[Agent], timezone: str = "UTC") -> Config:
    return Config(
        path="test.yaml",
        version=1,
        timezone=timezone,
        store="",
        language="en",
        calendars={c.name: c for c in calendars},
        team=tuple(team),
    )


def utc(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=UTC)


def wall(instant: datetime, zone: str) -> str:
    """``"2026-10-26 09:00"``: ``instant`` on the clock of ``zone``."""
    local = pytz.timezone(zone)
    return local.normalize(instant.astimezone(local)).strftime("%Y-%m-%d %H:%M")
