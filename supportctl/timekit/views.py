"""Calendars as people read them: days with their open hours, the next opening, holidays.

The core of ``supportctl calendar show | next-open | holidays`` (pure: the moment is
passed in). Times are local to the calendar; an open range that ends on a later local
date than it starts is marked ``(overnight)``.

>>> from supportctl.timekit.spec import parse_weekly_hours
>>> week = parse_weekly_hours({"sun-thu": "09:00-17:00"})
>>> riyadh = BusinessCalendar("riyadh", "Asia/Riyadh", week)
>>> [day.hours for day in calendar_days(riyadh, date(2026, 1, 8), 3, "en")]
['09:00-17:00', '', '']
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytz

from supportctl.config.model import HolidaySource
from supportctl.timekit.calendar import BusinessCalendar, DayInfo
from supportctl.timekit.holidays import holiday_days
from supportctl.timekit.spec import DAY_NAMES

DAY_COLUMNS = ("date", "weekday", "hours", "special_hours", "holiday", "closure", "estimated")
OPENING_COLUMNS = ("calendar", "open_now", "opens", "opens_utc", "closes", "closes_utc")
HOLIDAY_COLUMNS = ("date", "weekday", "name", "estimated")
# How far ``next_opening`` looks for the closing; a calendar open longer than this
# without a break (round the clock) has none.
CLOSING_REACH = timedelta(days=31)


@dataclass(frozen=True)
class CalendarDay:
    """One local date: the hours actually open (after holidays and closures)."""

    date: date
    weekday: str
    hours: str  # "09:00-12:00, 13:00-17:00", "22:00-06:00 (overnight)", "" when closed
    special_hours: str | None
    holiday: str | None
    closure: str | None
    estimated: bool


@dataclass(frozen=True)
class Opening:
    """The next opening at or after a moment (the moment itself when open), and the
    closing after it (None: not within ``CLOSING_REACH``). Local times carry the
    calendar's offset."""

    calendar: str
    open_now: bool
    opens: datetime
    opens_utc: str
    closes: datetime | None
    closes_utc: str | None


@dataclass(frozen=True)
class HolidayRow:
    date: date
    weekday: str
    name: str
    estimated: bool


def calendar_days(
    calendar: BusinessCalendar, first: date, count: int, language: str
) -> list[CalendarDay]:
    """``count`` local days from ``first``, holiday and closure names in ``language``."""
    zone = pytz.timezone(calendar.timezone)
    days = []
    for offset in range(count):
        info = calendar.day_info(first + timedelta(days=offset))
        days.append(
            CalendarDay(
                date=info.day,
                weekday=DAY_NAMES[info.day.weekday()],
                hours=", ".join(
                    _local_range(info, start, end, zone) for start, end in info.open_intervals
                ),
                special_hours=info.special_hours,
                holiday=info.holiday_ar if language == "ar" else info.holiday,
                closure=info.closure_ar if language == "ar" else info.closure,
                estimated=info.estimated,
            )
        )
    return days


def next_opening(calendar: BusinessCalendar, at: datetime) -> Opening:
    """When ``calendar`` is next open at or after ``at``, and when it closes after that."""
    opens = calendar.next_open(at)
    closes = closing_after(calendar, opens)
    zone = pytz.timezone(calendar.timezone)
    return Opening(
        calendar=calendar.name,
        open_now=opens == at,
        opens=zone.normalize(opens.astimezone(zone)),
        opens_utc=_utc_text(opens),
        closes=zone.normalize(closes.astimezone(zone)) if closes else None,
        closes_utc=_utc_text(closes) if closes else None,
    )


def closing_after(calendar: BusinessCalendar, instant: datetime) -> datetime | None:
    """The end of the open interval holding ``instant`` (None: open past
    ``CLOSING_REACH``, or ``instant`` is not open)."""
    reach = instant + CLOSING_REACH
    for start, end in calendar.open_intervals(instant, reach):
        return None if end >= reach or start > instant else end
    return None


def holiday_rows(source: HolidaySource, year: int, language: str) -> list[HolidayRow]:
    """The public holidays of ``source`` in ``year`` (overrides applied), one per date;
    raises ``ConfigError`` for an unknown country or a year the package does not cover."""
    return [
        HolidayRow(day, DAY_NAMES[day.weekday()], holiday.name, holiday.estimated)
        for day, holiday in holiday_days(source, [year], language).items()
    ]


def local_time(instant: datetime, timezone: str) -> datetime:
    """An aware ``instant`` as a pytz-aware local time in ``timezone``."""
    zone = pytz.timezone(timezone)
    return zone.normalize(instant.astimezone(zone))


def _local_range(info: DayInfo, start: datetime, end: datetime, zone: pytz.BaseTzInfo) -> str:
    local_start = zone.normalize(start.astimezone(zone))
    local_end = zone.normalize(end.astimezone(zone))
    end_text = f"{local_end:%H:%M}"
    if local_end.date() > info.day and f"{local_end:%H:%M}" == "00:00":
        end_text = "24:00"
    elif local_end.date() > info.day:
        end_text += " (overnight)"
    return f"{local_start:%H:%M}-{end_text}"


def _utc_text(instant: datetime) -> str:
    return instant.astimezone(pytz.utc).strftime("%Y-%m-%dT%H:%MZ")
