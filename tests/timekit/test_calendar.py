"""What a BusinessCalendar says is open: hours, holidays, closures, DST boundaries."""

from __future__ import annotations

import doctest
import importlib
from datetime import UTC, date, datetime, timedelta

import pytest

from supportctl.config.model import Calendar, Closure, HolidaySource, SpecialHours
from supportctl.errors import ConfigError, UsageError
from supportctl.timekit.calendar import BusinessCalendar, DayInfo, always_open
from supportctl.timekit.spec import HourRange, parse_weekly_hours

from .conftest import local, make_calendar

RAMADAN = SpecialHours(
    "Ramadan",
    date(2026, 2, 18),
    date(2026, 3, 18),
    parse_weekly_hours({"sun-thu": "10:00-15:00"}),
    name_ar="رمضان",
)
NINE_TO_FIVE = (HourRange(540, 1020),)


def utc(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=UTC)


def test_day_info_of_a_holiday(riyadh: BusinessCalendar) -> None:
    assert riyadh.day_info(date(2026, 3, 19)) == DayInfo(
        day=date(2026, 3, 19),
        hours=NINE_TO_FIVE,
        open_intervals=(),
        holiday="Eid al-Fitr Holiday",
        holiday_ar="عطلة عيد الفطر",
        estimated=True,
    )


def test_day_info_of_a_working_day(riyadh: BusinessCalendar) -> None:
    info = riyadh.day_info(date(2026, 1, 11))
    assert info.open_intervals == ((utc(2026, 1, 11, 6), utc(2026, 1, 11, 14)),)
    assert info.is_open
    assert (info.holiday, info.closure, info.special_hours) == (None, None, None)


def test_weekend_day_is_closed_without_a_name(riyadh: BusinessCalendar) -> None:
    info = riyadh.day_info(date(2026, 1, 9))  # Friday
    assert (info.hours, info.open_intervals, info.holiday) == ((), (), None)


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        (local("Asia/Riyadh", 2026, 1, 11, 9), True),  # opening instant is inside
        (local("Asia/Riyadh", 2026, 1, 11, 16, 59, 59), True),
        (local("Asia/Riyadh", 2026, 1, 11, 17), False),  # closing instant is outside
        (local("Asia/Riyadh", 2026, 1, 11, 8, 59, 59), False),
        (local("Asia/Riyadh", 2026, 1, 9, 12), False),  # Friday
        (local("Asia/Riyadh", 2026, 3, 22, 12), False),  # Sunday in Eid al-Fitr
    ],
)
def test_is_open(riyadh: BusinessCalendar, instant: datetime, expected: bool) -> None:
    assert riyadh.is_open(instant) is expected


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        (local("Asia/Riyadh", 2026, 1, 11, 10), local("Asia/Riyadh", 2026, 1, 11, 10)),
        (local("Asia/Riyadh", 2026, 1, 11, 17), local("Asia/Riyadh", 2026, 1, 12, 9)),
        (local("Asia/Riyadh", 2026, 1, 8, 17), local("Asia/Riyadh", 2026, 1, 11, 9)),
        (local("Asia/Riyadh", 2026, 3, 18, 17), local("Asia/Riyadh", 2026, 3, 25, 9)),
        # Across the new year, where the timeline grows by a year.
        (local("Asia/Riyadh", 2026, 12, 31, 17), local("Asia/Riyadh", 2027, 1, 3, 9)),
    ],
)
def test_next_open(riyadh: BusinessCalendar, instant: datetime, expected: datetime) -> None:
    assert riyadh.next_open(instant) == expected


def test_open_intervals_are_clipped_and_skip_closed_days(riyadh: BusinessCalendar) -> None:
    intervals = list(riyadh.open_intervals(utc(2026, 3, 18, 12), utc(2026, 3, 26, 7)))
    assert intervals == [
        (utc(2026, 3, 18, 12), utc(2026, 3, 18, 14)),
        (utc(2026, 3, 25, 6), utc(2026, 3, 25, 14)),
        (utc(2026, 3, 26, 6), utc(2026, 3, 26, 7)),
    ]


def test_touching_shifts_come_out_as_one_interval() -> None:
    calendar = make_calendar("UTC", {"mon": "22:00-06:00", "tue": "06:00-14:00"})
    assert list(calendar.open_intervals(utc(2026, 1, 5), utc(2026, 1, 7))) == [
        (utc(2026, 1, 5, 22), utc(2026, 1, 6, 14))
    ]


def test_several_ranges_a_day() -> None:
    calendar = make_calendar("Africa/Cairo", {"sun-thu": "09:00-12:00,13:00-17:00"})
    info = calendar.day_info(date(2026, 1, 11))
    assert info.open_intervals == (
        (utc(2026, 1, 11, 7), utc(2026, 1, 11, 10)),
        (utc(2026, 1, 11, 11), utc(2026, 1, 11, 15)),
    )
    assert not calendar.is_open(local("Africa/Cairo", 2026, 1, 11, 12, 30))


def test_overnight_range_belongs_to_the_day_it_starts(
    new_york_nights: BusinessCalendar,
) -> None:
    info = new_york_nights.day_info(date(2026, 1, 5))
    assert info.open_intervals == ((utc(2026, 1, 6, 3), utc(2026, 1, 6, 11)),)


@pytest.mark.parametrize(
    ("day", "interval"),
    [
        # Spring forward: 22:00 EST to 06:00 EDT is 7 hours.
        (date(2026, 3, 7), (utc(2026, 3, 8, 3), utc(2026, 3, 8, 10))),
        # Fall back: 22:00 EDT to 06:00 EST is 9 hours.
        (date(2026, 10, 31), (utc(2026, 11, 1, 2), utc(2026, 11, 1, 11))),
    ],
)
def test_night_shift_over_a_dst_change_is_real_elapsed_time(
    new_york_nights: BusinessCalendar, day: date, interval: tuple[datetime, datetime]
) -> None:
    assert new_york_nights.day_info(day).open_intervals == (interval,)


@pytest.mark.parametrize(
    ("zone", "hours", "day", "opens", "closes"),
    [
        # New York 2026-03-08: 02:00-03:00 does not exist; 02:30 opens at the transition,
        # 03:00 EDT = 07:00 UTC.
        ("America/New_York", "02:30-10:30", date(2026, 3, 8), "03-08T07:00", "03-08T14:30"),
        # London 2026-03-29: 01:00-02:00 does not exist; 01:30 opens at 02:00 BST = 01:00 UTC.
        ("Europe/London", "01:30-09:00", date(2026, 3, 29), "03-29T01:00", "03-29T08:00"),
        # A range ending in the gap ends at the transition too.
        ("Europe/London", "00:00-01:30", date(2026, 3, 29), "03-29T00:00", "03-29T01:00"),
        # London 2026-10-25: 01:00-02:00 happens twice; 01:30 is the first, BST = 00:30 UTC.
        ("Europe/London", "01:30-09:00", date(2026, 10, 25), "10-25T00:30", "10-25T09:00"),
        ("America/New_York", "01:30-09:00", date(2026, 11, 1), "11-01T05:30", "11-01T14:00"),
    ],
)
def test_boundaries_in_a_dst_gap_or_overlap(
    zone: str, hours: str, day: date, opens: str, closes: str
) -> None:
    calendar = make_calendar(zone, {"sun": hours})
    interval = (datetime.fromisoformat(f"2026-{opens}Z"), datetime.fromisoformat(f"2026-{closes}Z"))
    assert calendar.day_info(day).open_intervals == (interval,)


def test_range_entirely_inside_a_dst_gap_is_empty() -> None:
    calendar = make_calendar("Europe/London", {"sun": "01:10-01:50"})
    assert calendar.day_info(date(2026, 3, 29)).open_intervals == ()
    assert calendar.day_info(date(2026, 4, 5)).is_open


def test_holiday_keeps_the_tail_of_the_previous_nights_shift() -> None:
    # SA National Day is Wed 2026-09-23: Tuesday's night shift is worked to Wed 06:00;
    # the shift that would start Wednesday evening is cancelled whole.
    calendar = make_calendar("Asia/Riyadh", {"sun-thu": "22:00-06:00"}, "SA")
    assert calendar.is_open(local("Asia/Riyadh", 2026, 9, 23, 5, 59))
    assert not calendar.is_open(local("Asia/Riyadh", 2026, 9, 23, 23))
    assert not calendar.is_open(local("Asia/Riyadh", 2026, 9, 24, 3))
    assert calendar.day_info(date(2026, 9, 23)).open_intervals == ()
    assert calendar.day_info(date(2026, 9, 22)).open_intervals == (
        (utc(2026, 9, 22, 19), utc(2026, 9, 23, 3)),
    )


def test_special_hours_replace_the_week_in_their_range() -> None:
    calendar = make_calendar("Asia/Riyadh", {"sun-thu": "09:00-17:00"}, special_hours=(RAMADAN,))
    ramadan_day = calendar.day_info(date(2026, 3, 1))
    assert ramadan_day.hours == (HourRange(600, 900),)
    assert ramadan_day.special_hours == "Ramadan"
    assert ramadan_day.open_intervals == ((utc(2026, 3, 1, 7), utc(2026, 3, 1, 12)),)
    assert calendar.day_info(date(2026, 2, 17)).hours == NINE_TO_FIVE  # the day before
    assert calendar.day_info(date(2026, 3, 18)).hours == (HourRange(600, 900),)  # last day
    assert calendar.day_info(date(2026, 3, 19)).hours == NINE_TO_FIVE


def test_whole_day_closure_names_and_closes_its_days() -> None:
    closure = Closure("Eid break", date(2026, 3, 25), date(2026, 3, 26), name_ar="إجازة العيد")
    calendar = make_calendar("Asia/Riyadh", {"sun-thu": "09:00-17:00"}, closures=(closure,))
    info = calendar.day_info(date(2026, 3, 26))
    assert (info.closure, info.closure_ar, info.open_intervals) == ("Eid break", "إجازة العيد", ())
    assert calendar.day_info(date(2026, 3, 29)).is_open


def test_closure_of_instants_cuts_exactly_those() -> None:
    move = Closure("Office move", utc(2026, 1, 12, 9), utc(2026, 1, 13, 9))  # 12:00 to 12:00
    calendar = make_calendar("Asia/Riyadh", {"sun-thu": "09:00-17:00"}, closures=(move,))
    monday, tuesday = calendar.day_info(date(2026, 1, 12)), calendar.day_info(date(2026, 1, 13))
    assert monday.open_intervals == ((utc(2026, 1, 12, 6), utc(2026, 1, 12, 9)),)
    assert tuesday.open_intervals == ((utc(2026, 1, 13, 9), utc(2026, 1, 13, 14)),)
    assert (monday.closure, monday.closure_ar) == ("Office move", "Office move")
    assert calendar.day_info(date(2026, 1, 14)).closure is None


def test_no_hours_means_round_the_clock_with_holidays() -> None:
    calendar = BusinessCalendar.from_config(Calendar("desk", "Asia/Riyadh", {}))
    assert list(calendar.open_intervals(utc(2026, 1, 1), utc(2026, 1, 9))) == [
        (utc(2026, 1, 1), utc(2026, 1, 9))
    ]


def test_always_open_is_utc_and_shared() -> None:
    assert always_open() is always_open()
    assert always_open().is_open(utc(2031, 7, 4, 3, 2, 1))
    assert always_open().next_open(utc(1999, 12, 31, 23, 59)) == utc(1999, 12, 31, 23, 59)


def test_from_config_works_out_given_years_now() -> None:
    config = Calendar("riyadh", "Asia/Riyadh", parse_weekly_hours({"sun-thu": "09:00-17:00"}))
    calendar = BusinessCalendar.from_config(config, years=range(2026, 2028))
    assert calendar.is_open(local("Asia/Riyadh", 2027, 12, 30, 10))
    assert calendar.next_open(local("Asia/Riyadh", 2025, 12, 31, 17)) == local(
        "Asia/Riyadh", 2026, 1, 1, 9
    )


def test_holiday_errors_surface_when_years_are_worked_out() -> None:
    config = Calendar(
        "x",
        "Asia/Riyadh",
        parse_weekly_hours({"sun-thu": "09:00-17:00"}),
        holidays=HolidaySource("XX"),
    )
    with pytest.raises(ConfigError, match="'XX'"):
        BusinessCalendar.from_config(config, years=range(2026, 2027))


def test_unknown_time_zone_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="Asia/Ryadh"):
        make_calendar("Asia/Ryadh", {"sun-thu": "09:00-17:00"})


def test_calendar_that_never_opens_again_is_a_config_error() -> None:
    forever = Closure("Closed down", date(2026, 1, 1), date(2099, 12, 31))
    calendar = make_calendar("UTC", {"mon-fri": "09:00-17:00"}, closures=(forever,))
    with pytest.raises(ConfigError, match="no open hours in the 10 years"):
        calendar.next_open(utc(2026, 6, 1))


def test_naive_datetimes_are_refused(riyadh: BusinessCalendar) -> None:
    with pytest.raises(UsageError, match="naive"):
        riyadh.is_open(datetime(2026, 1, 11, 9))


def test_microseconds_are_kept(riyadh: BusinessCalendar) -> None:
    instant = utc(2026, 1, 11, 6) + timedelta(microseconds=7)
    assert riyadh.next_open(instant) == instant


@pytest.mark.parametrize("module", ["holidays", "calendar", "business"])
def test_docstring_examples(module: str) -> None:
    imported = importlib.import_module(f"supportctl.timekit.{module}")
    failed, attempted = doctest.testmod(imported)
    assert (failed, attempted > 0) == (0, True)
