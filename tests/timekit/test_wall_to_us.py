"""``BusinessCalendar.wall_to_us`` (offset probing, no ``localize``) against pytz's own
``localize(is_dst=None)`` around every transition of zones with awkward rules."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import pytz

from supportctl.timekit.calendar import ROUND_THE_CLOCK, BusinessCalendar, to_epoch_us

ZONES = (
    "Europe/London",
    "America/New_York",
    "Africa/Casablanca",  # leaves DST for Ramadan
    "Australia/Lord_Howe",  # half-hour DST
    "Pacific/Apia",  # skipped 30 December 2011 whole
    "America/St_Johns",  # -3:30
    "Asia/Riyadh",  # no DST at all
)


def pytz_answer(calendar: BusinessCalendar, zone: pytz.BaseTzInfo, wall: datetime) -> int:
    """The documented rule, spelled with localize: a gap opens at the transition, an
    overlap is its first occurrence."""
    try:
        return to_epoch_us(zone.localize(wall, is_dst=None))
    except pytz.AmbiguousTimeError:
        return min(to_epoch_us(zone.localize(wall, is_dst=flag)) for flag in (True, False))
    except pytz.NonExistentTimeError:
        return calendar._gap_transition_us(wall)


def transitions(zone: pytz.BaseTzInfo, years: range) -> list[datetime]:
    times = getattr(zone, "_utc_transition_times", [])
    return [t for t in times if t.year in years] or [datetime(years.start, 6, 1)]


@pytest.mark.parametrize("name", ZONES)
def test_wall_to_us_matches_localize_around_transitions(name: str) -> None:
    zone = pytz.timezone(name)
    calendar = BusinessCalendar("test", name, ROUND_THE_CLOCK)
    checked = 0
    for transition in transitions(
        zone, range(2011, 2012) if name == "Pacific/Apia" else range(2026, 2027)
    ):
        wall = transition - timedelta(days=1)
        while wall < transition + timedelta(days=1):
            assert calendar.wall_to_us(wall) == pytz_answer(calendar, zone, wall), wall
            wall += timedelta(minutes=15)
            checked += 1
    assert checked >= 192
