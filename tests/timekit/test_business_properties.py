"""Property-based tests of business-time arithmetic over calendars with holidays,
closures, special hours, overnight shifts and DST changes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytz
from hypothesis import given, settings
from hypothesis import strategies as st

from supportctl.config.model import Closure, HolidaySource, SpecialHours
from supportctl.timekit.business import add_business, business_between
from supportctl.timekit.calendar import BusinessCalendar, always_open
from supportctl.timekit.holidays import holiday_days
from supportctl.timekit.spec import Duration, parse_weekly_hours

from .conftest import make_calendar

MICROSECOND = timedelta(microseconds=1)
RAMADAN = SpecialHours(
    "Ramadan", date(2026, 2, 18), date(2026, 3, 18), parse_weekly_hours({"sun-thu": "10:00-15:00"})
)
OFFICE_MOVE = Closure(
    "Office move", datetime(2026, 1, 12, 9, tzinfo=UTC), datetime(2026, 1, 13, 9, tzinfo=UTC)
)
EID_BREAK = Closure("Eid break", date(2026, 3, 25), date(2026, 3, 26))
SA_HOLIDAYS = frozenset(holiday_days(HolidaySource("SA"), range(2025, 2029)))
RIYADH_ZONE = pytz.timezone("Asia/Riyadh")
SUN_TO_THU = (6, 0, 1, 2, 3)

CALENDARS: dict[str, BusinessCalendar] = {
    "riyadh": make_calendar(
        "Asia/Riyadh",
        {"sun-thu": "09:00-17:00"},
        "SA",
        closures=(OFFICE_MOVE, EID_BREAK),
        special_hours=(RAMADAN,),
    ),
    "london-nights": make_calendar("Europe/London", {"mon-sun": "22:00-06:00"}),
    "new-york-split": make_calendar(
        "America/New_York", {"mon-fri": "08:00-12:00,13:00-17:00", "sat": "22:00-06:00"}
    ),
    "london-gap-boundaries": make_calendar(
        "Europe/London", {"sun": "01:30-09:00", "mon-fri": "09:00-17:00"}, "GB"
    ),
}

starts = st.datetimes(
    min_value=datetime(2025, 12, 1), max_value=datetime(2027, 11, 30), timezones=st.just(UTC)
)
durations = st.integers(0, 120 * 3600 * 10**6).map(lambda us: timedelta(microseconds=us))
calendars = st.sampled_from(sorted(CALENDARS))
minute_starts = st.integers(0, 2 * 365 * 24 * 60).map(
    lambda minutes: datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes)
)


@settings(deadline=None)
@given(calendars, starts, durations)
def test_add_then_measure_round_trips(name: str, start: datetime, duration: timedelta) -> None:
    calendar = CALENDARS[name]
    assert business_between(calendar, start, add_business(calendar, start, duration)) == duration


@settings(deadline=None)
@given(calendars, starts, st.integers(1, 60 * 3600).map(lambda s: Duration(seconds=s)))
def test_round_trip_with_config_durations(name: str, start: datetime, duration: Duration) -> None:
    calendar = CALENDARS[name]
    due = add_business(calendar, start, duration)
    assert business_between(calendar, start, due) == timedelta(seconds=duration.seconds)


@settings(deadline=None)
@given(calendars, starts, durations.filter(bool))
def test_due_time_is_open_or_exactly_a_closing(
    name: str, start: datetime, duration: timedelta
) -> None:
    calendar = CALENDARS[name]
    due = add_business(calendar, start, duration)
    assert due > start
    closing = calendar.is_open(due - MICROSECOND) and not calendar.is_open(due)
    assert calendar.is_open(due) or closing


def riyadh_is_working(local: datetime) -> bool:
    """The Riyadh calendar's rules, written out directly from the config."""
    day = local.date()
    if day in SA_HOLIDAYS or EID_BREAK.start <= day <= EID_BREAK.end:
        return False
    if OFFICE_MOVE.start <= local < OFFICE_MOVE.end:
        return False
    opening, closing = (10, 15) if RAMADAN.start <= day <= RAMADAN.end else (9, 17)
    return local.weekday() in SUN_TO_THU and opening <= local.hour < closing


@settings(deadline=None)
@given(starts, durations.filter(bool))
def test_due_time_never_falls_in_a_holiday_closure_or_off_hours(
    start: datetime, duration: timedelta
) -> None:
    due = add_business(CALENDARS["riyadh"], start, duration)
    # The microsecond before the due time was worked (the due time may be a closing).
    assert riyadh_is_working((due - MICROSECOND).astimezone(RIYADH_ZONE))


@settings(deadline=None)
@given(calendars, starts, starts, durations)
def test_monotonic_in_start(name: str, a: datetime, b: datetime, duration: timedelta) -> None:
    calendar = CALENDARS[name]
    early, late = sorted((a, b))
    assert add_business(calendar, early, duration) <= add_business(calendar, late, duration)


@settings(deadline=None)
@given(calendars, starts, durations, durations)
def test_monotonic_in_duration(name: str, start: datetime, d1: timedelta, d2: timedelta) -> None:
    calendar = CALENDARS[name]
    short, long = sorted((d1, d2))
    assert add_business(calendar, start, short) <= add_business(calendar, start, long)


@settings(deadline=None)
@given(calendars, starts, starts, starts)
def test_between_adds_up(name: str, a: datetime, b: datetime, c: datetime) -> None:
    calendar = CALENDARS[name]
    assert business_between(calendar, a, b) + business_between(calendar, b, c) == (
        business_between(calendar, a, c)
    )


@settings(deadline=None)
@given(starts, starts, durations)
def test_round_the_clock_is_plain_utc_arithmetic(
    a: datetime, b: datetime, duration: timedelta
) -> None:
    # Also in a zone with DST: midnight to midnight every day leaves no gap.
    london_always = make_calendar("Europe/London", {"mon-sun": "00:00-24:00"})
    for calendar in (always_open(), london_always):
        assert add_business(calendar, a, duration) == a + duration
        assert business_between(calendar, a, b) == b - a


def oracle_add(
    open_at: Callable[[datetime], bool], zone: str, start: datetime, minutes: int
) -> datetime:
    """Count open minutes one by one from local wall-clock readings."""
    tz, t, left = pytz.timezone(zone), start, minutes
    while left:
        left -= open_at(t.astimezone(tz))
        t += timedelta(minutes=1)
    return t


ORACLES: dict[str, tuple[str, Callable[[datetime], bool]]] = {
    "riyadh": ("Asia/Riyadh", riyadh_is_working),
    "london-nights": ("Europe/London", lambda local: local.hour >= 22 or local.hour < 6),
    "new-york-split": (
        "America/New_York",
        lambda local: (
            (local.weekday() < 5 and (8 <= local.hour < 12 or 13 <= local.hour < 17))
            or (local.weekday() == 5 and local.hour >= 22)
            or (local.weekday() == 6 and local.hour < 6)
        ),
    ),
}


@settings(deadline=None, max_examples=60)
@given(st.sampled_from(sorted(ORACLES)), minute_starts, st.integers(1, 30 * 60))
def test_matches_a_minute_by_minute_oracle(name: str, start: datetime, minutes: int) -> None:
    zone, open_at = ORACLES[name]
    due = add_business(CALENDARS[name], start, Duration(seconds=minutes * 60))
    assert due == oracle_add(open_at, zone, start, minutes)


@settings(deadline=None)
@given(starts, st.integers(1, 10))
def test_days_keep_the_clock_time_on_the_nth_open_day(start: datetime, days: int) -> None:
    riyadh = make_calendar("Asia/Riyadh", {"sun-thu": "09:00-17:00"}, "SA")
    opened = riyadh.next_open(start).astimezone(RIYADH_ZONE)
    due = add_business(riyadh, start, Duration(days=days)).astimezone(RIYADH_ZONE)
    assert due.time() == opened.time()
    between = [opened.date() + timedelta(days=n) for n in range(1, (due - opened).days + 2)]
    open_days = [day for day in between if riyadh.day_info(day).is_open and day <= due.date()]
    assert open_days[-1] == due.date()
    assert len(open_days) == days
