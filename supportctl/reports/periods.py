"""Report periods and time buckets, in the team's time zone (pure; ``now`` passed in).

A period is the half-open span of instants ``[start, end)`` from the local midnight of its
first day to the local midnight after its last day, in the reports' zone
(``reports.timezone``, else the config's ``timezone``). Periods are written:

- ``--period``: ``2026`` (a year), ``2026-Q4`` (a quarter), ``2026-11`` (a month),
  ``2026-11-05`` (a day);
- ``--since D --until D``: from the first date through the end of the last (both
  included); either alone runs from the first stored day or up to today;
- ``--last``: ``day``, ``week``, ``month``, ``quarter`` or ``year`` is the last complete
  one before today (weeks start on ``reports.week_start``); ``Nd`` is the ``N`` whole
  days before today.

A local midnight the clocks skip (Cairo springs forward at 00:00) is the transition;
one they pass twice is its first occurrence. Instants are epoch seconds (UTC).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytz

from supportctl.errors import ConfigError, UsageError
from supportctl.timekit.calendar import ROUND_THE_CLOCK, US_PER_SECOND, BusinessCalendar

UNITS = ("day", "week", "month", "quarter", "year")
WEEK_STARTS = {"mon": 0, "sat": 5, "sun": 6}  # config key → Python weekday
EPOCH_DAY = date(1970, 1, 1)
DEFAULT_LAST = "30d"
# The earliest and latest day a report reaches when --since or --until is left open.
OPEN_START = date(1970, 1, 2)
_DAY = timedelta(days=1)
_PERIOD = re.compile(r"(\d{4})(?:-(?:Q([1-4])|(\d{2})(?:-(\d{2}))?))?", re.IGNORECASE)
_LAST_DAYS = re.compile(r"([1-9]\d{0,3})d")


@dataclass(frozen=True)
class Period:
    """Local dates ``first_day`` .. ``end_day`` (exclusive) and their instants."""

    label: str
    first_day: date
    end_day: date
    start: int
    end: int


@dataclass(frozen=True)
class Bucket:
    """One step of ``--by day|week|month|quarter|year``, clipped to the period."""

    label: str
    first_day: date
    end_day: date
    start: int
    end: int


class LocalClock:
    """Local dates and UTC offsets of one zone, through pytz."""

    def __init__(self, timezone: str):
        try:
            self.zone = pytz.timezone(timezone)
        except pytz.UnknownTimeZoneError:
            raise ConfigError(f"unknown time zone {timezone!r}", where="reports.timezone") from None
        self.timezone = timezone
        # A calendar open round the clock lends its DST-aware wall-time conversion.
        self._calendar = BusinessCalendar(timezone, timezone, ROUND_THE_CLOCK)

    def midnight(self, day: date) -> int:
        """The first instant of local date ``day``."""
        return self._calendar.wall_to_us(datetime.combine(day, time())) // US_PER_SECOND

    def local_date(self, epoch: int) -> date:
        return self.local(epoch).date()

    def local(self, epoch: int) -> datetime:
        return self.zone.fromutc(datetime.fromtimestamp(epoch, UTC).replace(tzinfo=None))

    def offset(self, epoch: int) -> int:
        """The zone's UTC offset at ``epoch``, in seconds."""
        offset = self.local(epoch).utcoffset()
        assert offset is not None
        return int(offset.total_seconds())

    def offsets(self, start: int, end: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """``(changes, offsets)`` over ``[start, end)``: ``offsets[0]`` holds before
        ``changes[0]``, ``offsets[i]`` from ``changes[i - 1]`` (zones change offset at
        most once a day, so probing every day finds every change)."""
        changes: list[int] = []
        offsets = [self.offset(start)]
        probe = start
        while probe < end:
            following = min(probe + 86_400, end)
            if self.offset(following) != offsets[-1]:
                changes.append(self._change_after(probe, following))
                offsets.append(self.offset(following))
            probe = following
        return tuple(changes), tuple(offsets)

    def _change_after(self, low: int, high: int) -> int:
        """The first second in ``(low, high]`` with the offset ``high`` has."""
        wanted = self.offset(high)
        while high - low > 1:
            middle = (low + high) // 2
            if self.offset(middle) == wanted:
                high = middle
            else:
                low = middle
        return high


def resolve_period(
    clock: LocalClock,
    *,
    now: datetime,
    period: str | None = None,
    since: str | None = None,
    until: str | None = None,
    last: str | None = None,
    week_start: str = "sun",
) -> Period:
    """The period the options name (at most one way); ``--last 30d`` when none does."""
    given = [name for name, value in (("--period", period), ("--last", last)) if value]
    if since or until:
        given.append("--since/--until")
    if len(given) > 1:
        raise UsageError(f"give one of {', '.join(given)}", hint="they each name a period")
    if period:
        first, end = _named_period(period)
        return _period(clock, period.upper(), first, end)
    if since or until:
        first = _date("--since", since) if since else OPEN_START
        end = (_date("--until", until) if until else clock.local_date(_epoch(now))) + _DAY
        if end <= first:
            raise UsageError(f"--until {until} is before --since {since}")
        return _period(clock, f"{first.isoformat()}..{(end - _DAY).isoformat()}", first, end)
    today = clock.local_date(_epoch(now))
    first, end = _last(last or DEFAULT_LAST, today, week_start)
    return _period(clock, f"{first.isoformat()}..{(end - _DAY).isoformat()}", first, end)


def time_buckets(clock: LocalClock, period: Period, unit: str, week_start: str) -> list[Bucket]:
    """The period cut at every local start of ``unit`` (the first and last clipped)."""
    buckets = []
    for first, end in _steps(period.first_day, period.end_day, unit, week_start):
        label = _label(first, unit)
        buckets.append(Bucket(label, first, end, clock.midnight(first), clock.midnight(end)))
    return buckets


def day_number(day: date) -> int:
    """Days since 1970-01-01: what a local instant divided by 86,400 gives."""
    return (day - EPOCH_DAY).days


def unit_start(day: date, unit: str, week_start: str = "sun") -> date:
    """The first day of the ``unit`` that holds ``day``."""
    if unit == "day":
        return day
    if unit == "week":
        return day - timedelta(days=(day.weekday() - WEEK_STARTS[week_start]) % 7)
    if unit == "month":
        return day.replace(day=1)
    if unit == "quarter":
        return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return date(day.year, 1, 1)


def _steps(first: date, end: date, unit: str, week_start: str) -> Iterator[tuple[date, date]]:
    start = first
    while start < end:
        following = _next_unit(unit_start(start, unit, week_start), unit)
        yield start, min(following, end)
        start = following


def _next_unit(start: date, unit: str) -> date:
    if unit == "day":
        return start + _DAY
    if unit == "week":
        return start + timedelta(days=7)
    months = {"month": 1, "quarter": 3, "year": 12}[unit]
    index = start.year * 12 + start.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _label(first: date, unit: str) -> str:
    if unit == "month":
        return first.strftime("%Y-%m")
    if unit == "quarter":
        return f"{first.year}-Q{(first.month - 1) // 3 + 1}"
    if unit == "year":
        return str(first.year)
    return first.isoformat()


def _named_period(text: str) -> tuple[date, date]:
    match = _PERIOD.fullmatch(text.strip())
    hint = "use 2026, 2026-Q4, 2026-11 or 2026-11-05"
    if match is None:
        raise UsageError(f"--period {text!r} is not a period", hint=hint)
    year, quarter, month, day = match.groups()
    try:
        if day:
            first = date(int(year), int(month), int(day))
            return first, first + _DAY
        if month:
            first = date(int(year), int(month), 1)
            return first, _next_unit(first, "month")
    except ValueError:
        raise UsageError(f"--period {text!r} is not a date", hint=hint) from None
    if quarter:
        first = date(int(year), (int(quarter) - 1) * 3 + 1, 1)
        return first, _next_unit(first, "quarter")
    first = date(int(year), 1, 1)
    return first, _next_unit(first, "year")


def _last(text: str, today: date, week_start: str) -> tuple[date, date]:
    days = _LAST_DAYS.fullmatch(text.strip())
    if days:
        return today - timedelta(days=int(days[1])), today
    unit = text.strip().lower()
    if unit not in UNITS:
        raise UsageError(
            f"--last {text!r} is not a period",
            hint=f"use {', '.join(UNITS)} or a number of days such as 30d",
        )
    end = unit_start(today, unit, week_start)
    return unit_start(end - _DAY, unit, week_start), end


def _period(clock: LocalClock, label: str, first: date, end: date) -> Period:
    return Period(label, first, end, clock.midnight(first), clock.midnight(end))


def _date(option: str, text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"{option} {text!r} is not a date", hint="use YYYY-MM-DD") from None


def _epoch(instant: datetime) -> int:
    return int(instant.timestamp())
