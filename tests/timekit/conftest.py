"""Calendars of the hand-worked examples, and a helper for local wall-clock instants."""

from __future__ import annotations

from datetime import datetime

import pytest
import pytz

from supportctl.config.model import Calendar, Closure, HolidaySource, SpecialHours
from supportctl.timekit.calendar import BusinessCalendar
from supportctl.timekit.spec import parse_weekly_hours


def local(zone: str, *fields: int) -> datetime:
    """``local("Asia/Riyadh", 2026, 1, 11, 9)`` → that wall-clock time, aware (no DST
    ambiguity allowed: tests say which occurrence they mean in UTC instead)."""
    return pytz.timezone(zone).localize(datetime(*fields), is_dst=None)


def make_calendar(
    zone: str,
    hours: dict[str, str],
    country: str | None = None,
    *,
    closures: tuple[Closure, ...] = (),
    special_hours: tuple[SpecialHours, ...] = (),
) -> BusinessCalendar:
    holidays = HolidaySource(country) if country else None
    calendar = Calendar("test", zone, parse_weekly_hours(hours), holidays, closures, special_hours)
    return BusinessCalendar.from_config(calendar)


@pytest.fixture(scope="session")
def riyadh() -> BusinessCalendar:
    return make_calendar("Asia/Riyadh", {"sun-thu": "09:00-17:00"}, "SA")


@pytest.fixture(scope="session")
def dubai() -> BusinessCalendar:
    return make_calendar("Asia/Dubai", {"mon-thu": "07:30-15:30", "fri": "07:30-12:00"}, "AE")


@pytest.fixture(scope="session")
def london() -> BusinessCalendar:
    return make_calendar("Europe/London", {"mon-fri": "09:00-17:30"})


@pytest.fixture(scope="session")
def new_york_nights() -> BusinessCalendar:
    return make_calendar("America/New_York", {"mon-sun": "22:00-06:00"})


@pytest.fixture(scope="session")
def london_nights() -> BusinessCalendar:
    return make_calendar("Europe/London", {"mon-sun": "22:00-06:00"})
