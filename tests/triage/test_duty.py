"""On duty: the agent's own calendar (hours, overnight shifts, holidays, closures) and
leave, at hand-checked instants."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from supportctl.config.model import Agent, Calendar, Closure, Config, HolidaySource, Leave
from supportctl.timekit.spec import parse_weekly_hours
from supportctl.triage.duty import team_availability

RIYADH = Calendar(
    "riyadh",
    "Asia/Riyadh",
    parse_weekly_hours({"sun-thu": "09:00-17:00"}),
    holidays=HolidaySource("SA"),
    closures=(Closure("Office move", date(2026, 1, 13), date(2026, 1, 13)),),
)
NIGHT = Calendar("night", "Asia/Riyadh", parse_weekly_hours({"sat-thu": "22:00-06:00"}))
CONFIG = Config(
    path="-",
    version=1,
    timezone="Asia/Riyadh",
    store="-",
    language="en",
    calendars={"riyadh": RIYADH, "night": NIGHT},
    team=(
        Agent("omar", "Omar", calendar="riyadh"),
        Agent(
            "layla",
            "Layla",
            calendar="riyadh",
            leave=(Leave(date(2026, 1, 11), date(2026, 1, 12), "annual leave"),),
        ),
        Agent("sara", "Sara", calendar="night"),
        Agent("bot", "Round the clock"),
    ),
)


def riyadh(year: int, month: int, day: int, hour: int) -> datetime:
    """A Riyadh wall time (UTC+3 all year, no DST) as UTC."""
    return datetime(year, month, day, hour, tzinfo=UTC) - timedelta(hours=3)


@pytest.mark.parametrize(
    "now,agent,on_duty,reason",
    [
        (riyadh(2026, 1, 11, 9), "omar", True, "on duty"),  # Sunday opening instant
        (riyadh(2026, 1, 11, 17), "omar", False, "off shift"),  # closing instant is closed
        (riyadh(2026, 1, 9, 12), "omar", False, "not a working day (Fri)"),
        (riyadh(2026, 2, 22, 12), "omar", False, "public holiday (Founding Day Holiday)"),
        (riyadh(2026, 1, 13, 12), "omar", False, "closed (Office move)"),
        (riyadh(2026, 1, 11, 12), "layla", False, "on leave until 2026-01-12, annual leave"),
        (riyadh(2026, 1, 13, 12), "layla", False, "closed (Office move)"),  # back, but closed
        (riyadh(2026, 1, 11, 23), "sara", True, "on duty"),
        # 02:00 Saturday is the tail of Friday night's shift, and Friday has none.
        (riyadh(2026, 1, 10, 2), "sara", False, "off shift"),
        # 02:00 Sunday is the tail of Saturday night's shift.
        (riyadh(2026, 1, 11, 2), "sara", True, "on duty"),
        (riyadh(2026, 1, 9, 3), "bot", True, "on duty (no calendar: round the clock)"),
    ],
)
def test_availability(now: datetime, agent: str, on_duty: bool, reason: str) -> None:
    found = team_availability(CONFIG, now)[agent]
    assert (found.on_duty, found.reason) == (on_duty, reason)
    assert found.on_leave is reason.startswith("on leave")
