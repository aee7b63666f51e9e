"""Hand-worked due times and elapsed business time, exact to the minute."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from supportctl.config.model import Closure, SpecialHours
from supportctl.errors import UsageError
from supportctl.timekit.business import add_business, business_between
from supportctl.timekit.calendar import BusinessCalendar, always_open
from supportctl.timekit.spec import Duration, parse_duration, parse_weekly_hours

from .conftest import make_calendar

RAMADAN = SpecialHours(
    "Ramadan", date(2026, 2, 18), date(2026, 3, 18), parse_weekly_hours({"sun-thu": "10:00-15:00"})
)


def at(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


@pytest.mark.parametrize(
    ("calendar_name", "start", "duration", "due"),
    [
        # Eid al-Fitr holidays run Thu 19 to Tue 24 March 2026.
        ("riyadh", "2026-03-19T16:30+03:00", "8h", "2026-03-25T17:00+03:00"),
        ("riyadh", "2026-03-18T16:30+03:00", "8h", "2026-03-25T16:30+03:00"),
        # Landing on closing stays there; starting on closing waits for the next opening.
        ("riyadh", "2026-01-11T09:00+03:00", "8h", "2026-01-11T17:00+03:00"),
        ("riyadh", "2026-01-11T17:00+03:00", "8h", "2026-01-12T17:00+03:00"),
        # The Friday-Saturday weekend.
        ("riyadh", "2026-01-08T16:58+03:00", "5m", "2026-01-11T09:03+03:00"),
        ("riyadh", "2026-01-10T12:00+03:00", "5m", "2026-01-11T09:05+03:00"),
        # Dubai's short Friday, then Saturday and Sunday off.
        ("dubai", "2026-01-09T11:00+04:00", "8h", "2026-01-12T14:30+04:00"),
        # London springs forward on Sunday 29 March.
        ("london", "2026-03-27T16:30+00:00", "8h", "2026-03-30T16:00+01:00"),
    ],
)
def test_brief_examples(
    request: pytest.FixtureRequest, calendar_name: str, start: str, duration: str, due: str
) -> None:
    calendar: BusinessCalendar = request.getfixturevalue(calendar_name)
    result = add_business(calendar, at(start), parse_duration(duration))
    assert result == at(due)
    assert result.tzinfo is UTC
    assert business_between(calendar, at(start), result) == timedelta(
        seconds=parse_duration(duration).seconds
    )


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        # New York springs forward at 02:00 on Sun 8 March: that night's shift is 7 h,
        # so the eighth hour is worked on Sunday night.
        ("2026-03-07T22:00-05:00", 8, "2026-03-08T23:00-04:00"),
        ("2026-03-07T22:00-05:00", 7, "2026-03-08T06:00-04:00"),
        # It falls back at 02:00 on Sun 1 November: that night's shift is 9 h.
        ("2026-10-31T22:00-04:00", 8, "2026-11-01T05:00-05:00"),
        ("2026-10-31T22:00-04:00", 9, "2026-11-01T06:00-05:00"),
        # 01:30 happens twice: one real hour after 00:30 is the first, two are the second.
        ("2026-11-01T00:30-04:00", 1, "2026-11-01T01:30-04:00"),
        ("2026-11-01T00:30-04:00", 2, "2026-11-01T01:30-05:00"),
    ],
)
def test_new_york_night_shift_over_dst(
    new_york_nights: BusinessCalendar, start: str, hours: int, due: str
) -> None:
    assert add_business(new_york_nights, at(start), Duration(seconds=hours * 3600)) == at(due)


@pytest.mark.parametrize(
    ("a", "b", "hours"),
    [
        ("2026-03-07T22:00-05:00", "2026-03-08T06:00-04:00", 7),
        ("2026-10-31T22:00-04:00", "2026-11-01T06:00-05:00", 9),
        ("2026-03-28T22:00+00:00", "2026-03-29T06:00+01:00", 7),  # London, spring
        ("2026-10-24T22:00+01:00", "2026-10-25T06:00+00:00", 9),  # London, autumn
    ],
)
def test_night_shift_length_on_dst_nights(
    new_york_nights: BusinessCalendar,
    london_nights: BusinessCalendar,
    a: str,
    b: str,
    hours: int,
) -> None:
    calendar = (
        london_nights
        if at(a).utcoffset() in (timedelta(0), timedelta(hours=1))
        else (new_york_nights)
    )
    assert business_between(calendar, at(a), at(b)) == timedelta(hours=hours)


def test_london_day_shift_on_both_dst_sundays() -> None:
    calendar = make_calendar("Europe/London", {"sun": "01:30-09:00"})
    # Spring: opens at the transition (02:00 BST), so the day is 7 h.
    assert add_business(calendar, at("2026-03-28T12:00+00:00"), Duration(seconds=7 * 3600)) == (
        at("2026-03-29T09:00+01:00")
    )
    # Autumn: opens at the first 01:30 (BST), so the day is 8.5 h.
    assert add_business(calendar, at("2026-10-24T12:00+01:00"), Duration(seconds=3600)) == (
        at("2026-10-25T01:30+00:00")
    )
    assert business_between(
        calendar, at("2026-10-25T00:00+01:00"), at("2026-10-25T12:00+00:00")
    ) == timedelta(hours=8, minutes=30)


def test_overnight_shift_before_a_holiday_is_worked_to_its_end() -> None:
    # Sun-Thu night shifts in Riyadh; Wed 23 September 2026 is National Day.
    calendar = make_calendar("Asia/Riyadh", {"sun-thu": "22:00-06:00"}, "SA")
    # Tue 23:00 → Wed 06:00 is 7 h, Wednesday night is cancelled, Thursday night opens.
    assert add_business(calendar, at("2026-09-22T23:00+03:00"), parse_duration("8h")) == (
        at("2026-09-24T23:00+03:00")
    )
    assert business_between(
        calendar, at("2026-09-22T22:00+03:00"), at("2026-09-25T06:00+03:00")
    ) == timedelta(hours=16)


def test_special_hours() -> None:
    calendar = make_calendar(
        "Asia/Riyadh", {"sun-thu": "09:00-17:00"}, "SA", special_hours=(RAMADAN,)
    )
    # Ramadan days are 10:00-15:00: 5 h on Sunday, 3 h on Monday.
    assert add_business(calendar, at("2026-03-01T09:00+03:00"), parse_duration("8h")) == (
        at("2026-03-02T13:00+03:00")
    )
    # The last Ramadan hour, then Eid, then a full day from Wed 25 March.
    assert add_business(calendar, at("2026-03-18T14:00+03:00"), parse_duration("8h")) == (
        at("2026-03-25T16:00+03:00")
    )


def test_closure_of_instants() -> None:
    move = Closure("Office move", at("2026-01-12T12:00+03:00"), at("2026-01-13T12:00+03:00"))
    calendar = make_calendar("Asia/Riyadh", {"sun-thu": "09:00-17:00"}, closures=(move,))
    # 09:00-12:00 on Monday, then 12:00-17:00 on Tuesday.
    assert add_business(calendar, at("2026-01-12T09:00+03:00"), parse_duration("8h")) == (
        at("2026-01-13T17:00+03:00")
    )
    assert business_between(
        calendar, at("2026-01-12T00:00+03:00"), at("2026-01-14T00:00+03:00")
    ) == timedelta(hours=8)


def test_whole_day_closure() -> None:
    closure = Closure("Eid break extension", date(2026, 3, 25), date(2026, 3, 26))
    calendar = make_calendar("Asia/Riyadh", {"sun-thu": "09:00-17:00"}, "SA", closures=(closure,))
    assert add_business(calendar, at("2026-03-18T16:30+03:00"), parse_duration("8h")) == (
        at("2026-03-29T16:30+03:00")
    )


@pytest.mark.parametrize(
    ("start", "duration", "due"),
    [
        ("2026-01-11T14:00+03:00", "3d", "2026-01-14T14:00+03:00"),  # Sun → Wed
        ("2026-01-08T14:00+03:00", "1d", "2026-01-11T14:00+03:00"),  # Thu → Sun
        # Outside hours: from the next opening (Sun 09:00), one open day on.
        ("2026-01-10T12:00+03:00", "1d", "2026-01-12T09:00+03:00"),
        ("2026-01-11T17:00+03:00", "1d", "2026-01-13T09:00+03:00"),  # closing is outside
        ("2026-03-18T10:00+03:00", "1d", "2026-03-25T10:00+03:00"),  # over Eid al-Fitr
        # Days, then the hours as business time: Sun 14:00 + 4 h = Mon 10:00.
        ("2026-01-08T14:00+03:00", "1d4h", "2026-01-12T10:00+03:00"),
    ],
)
def test_days_are_open_days_at_the_same_clock_time(
    riyadh: BusinessCalendar, start: str, duration: str, due: str
) -> None:
    assert add_business(riyadh, at(start), parse_duration(duration)) == at(due)


def test_day_shorter_than_the_clock_time_moves_to_its_closing(dubai: BusinessCalendar) -> None:
    # Thu 14:00 + 1 day: Friday closes at 12:00.
    assert add_business(dubai, at("2026-01-08T14:00+04:00"), parse_duration("1d")) == (
        at("2026-01-09T12:00+04:00")
    )


def test_day_opening_later_than_the_clock_time_moves_to_its_opening() -> None:
    calendar = make_calendar("Asia/Riyadh", {"sun-thu": "09:00-17:00"}, special_hours=(RAMADAN,))
    # Tue 17 Feb 09:30 + 1 day: Ramadan's first day opens at 10:00.
    assert add_business(calendar, at("2026-02-17T09:30+03:00"), parse_duration("1d")) == (
        at("2026-02-18T10:00+03:00")
    )


def test_day_with_a_lunch_break_moves_to_the_afternoon_opening() -> None:
    calendar = make_calendar(
        "Africa/Cairo", {"sun": "09:00-17:00", "mon": "09:00-12:00,13:00-17:00"}
    )
    assert add_business(calendar, at("2026-01-11T12:30+02:00"), parse_duration("1d")) == (
        at("2026-01-12T13:00+02:00")
    )


def test_days_on_a_night_shift_keep_the_after_midnight_clock_time(
    new_york_nights: BusinessCalendar,
) -> None:
    # 02:00 Tuesday is in Monday's shift; one open day later is 02:00 Wednesday.
    assert add_business(new_york_nights, at("2026-01-13T02:00-05:00"), parse_duration("1d")) == (
        at("2026-01-14T02:00-05:00")
    )


def test_days_land_in_a_dst_gap_at_the_transition() -> None:
    calendar = make_calendar("America/New_York", {"mon-sun": "00:00-24:00"})
    assert add_business(calendar, at("2026-03-07T02:30-05:00"), parse_duration("1d")) == (
        at("2026-03-08T03:00-04:00")
    )


def test_always_open_days_are_24_hours() -> None:
    start = datetime(2026, 3, 7, 2, 30, tzinfo=UTC)
    assert add_business(always_open(), start, parse_duration("2d")) == start + timedelta(days=2)


def test_between_is_signed(riyadh: BusinessCalendar) -> None:
    a, b = at("2026-01-08T16:00+03:00"), at("2026-01-11T10:00+03:00")
    assert business_between(riyadh, a, b) == timedelta(hours=2)
    assert business_between(riyadh, b, a) == timedelta(hours=-2)
    assert business_between(riyadh, a, a) == timedelta(0)


def test_timedelta_durations_and_zero(riyadh: BusinessCalendar) -> None:
    saturday = at("2026-01-10T12:00+03:00")
    assert add_business(riyadh, saturday, timedelta(0)) == saturday
    assert add_business(riyadh, saturday, timedelta(minutes=90)) == at("2026-01-11T10:30+03:00")


def test_negative_durations_are_refused(riyadh: BusinessCalendar) -> None:
    with pytest.raises(UsageError, match="negative"):
        add_business(riyadh, at("2026-01-11T10:00+03:00"), timedelta(minutes=-1))
    with pytest.raises(UsageError, match="negative"):
        add_business(riyadh, at("2026-01-11T10:00+03:00"), Duration(seconds=-60))


def test_long_durations_cross_into_later_years() -> None:
    # 2000 h = 250 days of 8 h: Thu 31 Dec 2026, then 249 Sun-Thu days of 2027, which are
    # 49 weeks from Sun 3 Jan and 4 days of the week from Sun 12 Dec.
    calendar = make_calendar("Asia/Riyadh", {"sun-thu": "09:00-17:00"})
    start = at("2026-12-31T09:00+03:00")
    due = add_business(calendar, start, Duration(seconds=2000 * 3600))
    assert due == at("2027-12-15T17:00+03:00")
    assert business_between(calendar, start, due) == timedelta(hours=2000)
