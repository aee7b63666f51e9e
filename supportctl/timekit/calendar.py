"""Business calendars: for each local date, the UTC instants a team is open.

A ``BusinessCalendar`` turns a config ``Calendar`` (weekly hours in a time zone, special
hours for date ranges, public holidays, closures) into open intervals. Each local date is
worked out once and cached; the dates of whole years are then flattened into one sorted
timeline of merged intervals in epoch microseconds with a running total of open time, so
that a query is two binary searches and no datetime arithmetic (``business.py`` and the
benchmark use those ``*_us`` methods; everything else should use the datetime ones).

Rules every query follows:

- intervals are half-open: the instant a shift ends is outside it (closing time is closed);
- an overnight range (``22:00-06:00``) belongs to the day it starts;
- special hours replace the whole week on the dates they cover (a weekday they do not
  name is closed); if several cover a date, the first listed wins;
- a public holiday or a whole-day closure cancels the shifts that *start* on that local
  date. The tail of the previous evening's overnight shift is still worked, and a night
  shift starting on the holiday's last evening is cancelled whole: a shift is worked or
  cancelled as one piece, as rosters are written;
- a closure given as instants removes exactly those instants, ``[start, end)``;
- a boundary that falls in a DST gap opens (or closes) at the transition; one that falls
  in a DST overlap is its first occurrence. Open time is real elapsed time.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache

import pytz

from supportctl.config.model import Calendar, Closure, HolidaySource, SpecialHours, WeeklyHours
from supportctl.errors import ConfigError, UsageError
from supportctl.timekit.holidays import NAME_SEPARATOR, HolidayDay, holiday_days
from supportctl.timekit.spec import MINUTES_PER_DAY, HourRange

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
US_PER_SECOND = 1_000_000
ROUND_THE_CLOCK: WeeklyHours = {weekday: (HourRange(0, MINUTES_PER_DAY),) for weekday in range(7)}
# Searching this far without finding an open instant means the calendar is never open.
_SEARCH_YEARS = 10
_ONE_DAY = timedelta(days=1)
_EPOCH_DAY = date(1970, 1, 1)
_EPOCH_WALL = datetime(1970, 1, 1)
_MAX_REMEMBERED_OFFSETS = 50_000
_US_PER_DAY = 86_400 * US_PER_SECOND

Span = tuple[int, int]  # [start, end) in epoch microseconds


def to_epoch_us(instant: datetime) -> int:
    """An aware datetime → microseconds since the epoch; naive datetimes are refused."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise UsageError(f"naive datetime {instant.isoformat()}: instants must be aware (UTC)")
    return (instant - EPOCH) // MICROSECOND


def from_epoch_us(us: int) -> datetime:
    """Microseconds since the epoch → an aware UTC datetime."""
    return EPOCH + timedelta(microseconds=us)


@dataclass(frozen=True)
class DayInfo:
    """One local date of a calendar: what was scheduled and what is actually open.

    ``hours`` are the scheduled ranges (the week's, or the special hours'), before
    holidays and closures; ``open_intervals`` are the UTC instants open after them.
    Arabic names fall back to the English ones where none is known.
    """

    day: date
    hours: tuple[HourRange, ...]
    open_intervals: tuple[tuple[datetime, datetime], ...]
    special_hours: str | None = None
    holiday: str | None = None
    holiday_ar: str | None = None
    estimated: bool = False
    closure: str | None = None
    closure_ar: str | None = None

    @property
    def is_open(self) -> bool:
        return bool(self.open_intervals)


@dataclass(frozen=True)
class _Day:
    hours: tuple[HourRange, ...]
    spans: tuple[Span, ...]
    special: SpecialHours | None
    holiday: HolidayDay | None
    closures: tuple[Closure, ...]


class BusinessCalendar:
    """Open intervals of one team's calendar; see the module docstring for the rules.

    >>> from supportctl.timekit.spec import parse_weekly_hours
    >>> riyadh = BusinessCalendar("riyadh", "Asia/Riyadh", parse_weekly_hours(
    ...     {"sun-thu": "09:00-17:00"}), holidays=HolidaySource("SA"))
    >>> riyadh.is_open(datetime(2026, 1, 11, 6, 0, tzinfo=UTC))  # Sun 09:00 in Riyadh
    True
    """

    def __init__(
        self,
        name: str,
        timezone: str,
        hours: WeeklyHours,
        *,
        holidays: HolidaySource | None = None,
        closures: tuple[Closure, ...] = (),
        special_hours: tuple[SpecialHours, ...] = (),
    ) -> None:
        try:
            self._zone = pytz.timezone(timezone)
        except pytz.UnknownTimeZoneError as error:
            raise ConfigError(f"calendar {name!r}: unknown time zone {timezone!r}") from error
        self._offsets: dict[int, int] = {}  # instant → UTC offset, for wall_to_us
        self.name = name
        self.timezone = timezone
        self._week = hours
        self._holiday_source = holidays
        self._special_hours = special_hours
        self._day_closures = tuple(c for c in closures if not isinstance(c.start, datetime))
        self._instant_closures = tuple(
            (self.instant_us(c.start), self.instant_us(c.end), c)
            for c in closures
            if isinstance(c.start, datetime) and isinstance(c.end, datetime)
        )
        self._holidays: dict[int, dict[date, HolidayDay]] = {}
        self._days: dict[date, _Day] = {}
        self._years: range = range(0)
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._open_before: list[int] = [0]  # open time before interval i; last = total
        self._valid_from = self._valid_until = 0

    @classmethod
    def from_config(
        cls, calendar: Calendar, *, years: Iterable[int] | None = None
    ) -> BusinessCalendar:
        """Build from a config ``Calendar``; no ``hours`` means open round the clock.

        ``years`` are worked out now (holidays included, so config errors surface here);
        any other year is worked out when a query first reaches it.
        """
        business = cls(
            calendar.name,
            calendar.timezone,
            calendar.hours or ROUND_THE_CLOCK,
            holidays=calendar.holidays,
            closures=calendar.closures,
            special_hours=calendar.special_hours,
        )
        wanted = sorted(years or ())
        if wanted:
            business._cover_years(range(wanted[0], wanted[-1] + 1))
        return business

    # -- the datetime API ---------------------------------------------------------------

    def is_open(self, instant: datetime) -> bool:
        """Whether ``instant`` is inside working time (closing instants are not)."""
        return self.is_open_us(to_epoch_us(instant))

    def next_open(self, instant: datetime) -> datetime:
        """``instant`` itself if open, else the next opening."""
        return from_epoch_us(self.next_open_us(to_epoch_us(instant)))

    def open_intervals(
        self, start_utc: datetime, end_utc: datetime
    ) -> Iterator[tuple[datetime, datetime]]:
        """Open intervals overlapping ``[start_utc, end_utc)``, clipped to it, in order.

        Intervals that touch (a night shift ending at 06:00 and a day shift starting then)
        come out as one.
        """
        start, end = to_epoch_us(start_utc), to_epoch_us(end_utc)
        self._cover(start)
        self._cover(end)
        first = bisect_right(self._ends, start)
        last = bisect_left(self._starts, end)
        for span_start, span_end in zip(
            self._starts[first:last], self._ends[first:last], strict=True
        ):
            yield from_epoch_us(max(span_start, start)), from_epoch_us(min(span_end, end))

    def day_info(self, day: date) -> DayInfo:
        """What ``day`` (a local date) holds: hours, holiday, closures, open intervals."""
        plan = self._day(day)
        holiday = plan.holiday
        closure_names = [c.name for c in plan.closures]
        closure_names_ar = [c.name_ar or c.name for c in plan.closures]
        return DayInfo(
            day=day,
            hours=plan.hours,
            open_intervals=tuple((from_epoch_us(s), from_epoch_us(e)) for s, e in plan.spans),
            special_hours=plan.special.name if plan.special else None,
            holiday=holiday.name if holiday else None,
            holiday_ar=holiday.name_ar if holiday else None,
            estimated=holiday.estimated if holiday else False,
            closure=NAME_SEPARATOR.join(closure_names) or None,
            closure_ar=NAME_SEPARATOR.join(closure_names_ar) or None,
        )

    # -- the epoch-microsecond API (the fast path) ---------------------------------------

    def is_open_us(self, t: int) -> bool:
        """Whether instant ``t`` is inside an open interval (not at its end)."""
        self._cover(t)
        i = bisect_right(self._ends, t)
        return i < len(self._starts) and self._starts[i] <= t

    def next_open_us(self, t: int) -> int:
        """``t`` if open, else the start of the next open interval."""
        self._cover(t)
        barren_years = 0
        while True:
            i = bisect_right(self._ends, t)
            if i < len(self._starts) and self._starts[i] <= self._valid_until:
                return max(t, self._starts[i])
            barren_years = self._extend_search(t, barren_years)

    def elapsed_us(self, a: int, b: int) -> int:
        """Open time between instants ``a`` and ``b``; negative when ``b`` is before ``a``."""
        self._cover(a)
        self._cover(b)
        return self._position(b) - self._position(a)

    def advance_us(self, t: int, amount: int) -> int:
        """The instant at which ``amount`` of open time after ``t`` has passed.

        It stays on a closing instant rather than moving on to the next opening; a zero
        ``amount`` returns ``t`` unchanged.
        """
        if amount <= 0:
            if amount < 0:
                raise UsageError("business time cannot be added backwards (negative duration)")
            return t
        self._cover(t)
        barren_years = 0
        while True:
            target = self._position(t) + amount
            k = bisect_left(self._open_before, target)
            if k < len(self._open_before):
                reached = self._starts[k - 1] + target - self._open_before[k - 1]
                if reached <= self._valid_until:
                    return reached
            barren_years = self._extend_search(t, barren_years)

    def day_spans_us(self, day: date) -> tuple[Span, ...]:
        """The open intervals of the shifts that start on ``day`` (a local date)."""
        return self._day(day).spans

    def shift_day_us(self, t: int) -> date:
        """The local date whose shift holds the open instant ``t`` (overnight: the day
        before the wall date); raises ``UsageError`` if ``t`` is not open."""
        wall_day = self.local_wall_us(t).date()
        for day in (wall_day, wall_day - _ONE_DAY):
            if any(start <= t < end for start, end in self._day(day).spans):
                return day
        raise UsageError(f"{from_epoch_us(t).isoformat()} is not inside {self.name}'s hours")

    def open_day_after(self, day: date, count: int) -> date:
        """The ``count``-th local date after ``day`` that has open hours."""
        for offset in range(1, 366 * _SEARCH_YEARS):
            candidate = day + timedelta(days=offset)
            if self._day(candidate).spans:
                count -= 1
                if count == 0:
                    return candidate
        raise ConfigError(
            f"calendar {self.name!r} has no open day in the {_SEARCH_YEARS} years after {day}"
        )

    def instant_us(self, value: datetime) -> int:
        """An aware datetime, or a naive one read as local wall-clock time in this
        calendar's zone (as the config's closures give times) → epoch microseconds."""
        return to_epoch_us(value) if value.tzinfo is not None else self.wall_to_us(value)

    def local_wall_us(self, t: int) -> datetime:
        """The naive local wall-clock time at instant ``t``."""
        local = self._zone.fromutc(datetime(1970, 1, 1) + timedelta(microseconds=t))
        return local.replace(tzinfo=None)  # drop the zone: a bare wall-clock reading

    def wall_to_us(self, wall: datetime) -> int:
        """A naive local wall-clock time → instant. In a DST gap: the transition; in a DST
        overlap: the first occurrence.

        Not ``localize(wall, is_dst=None)``, which is several times slower and dominated
        building a year. UTC offsets stay within ±15 h and zones change offset at most
        once a day, so: if the offset is the same at the midnights (read as UTC) from the
        day before ``wall``'s date to two days after, it is ``wall``'s (the common case,
        and these probes are shared by neighbouring dates). Otherwise the offsets a day
        before, at and a day after ``wall`` are the candidates, and each that maps back
        to ``wall`` is an occurrence of it: none is a gap, two an overlap.
        """
        as_utc = (wall - _EPOCH_WALL) // MICROSECOND
        midnight = as_utc - as_utc % _US_PER_DAY
        steady = {self._offset_us(midnight + days * _US_PER_DAY) for days in (-1, 0, 1, 2)}
        if len(steady) == 1:
            return as_utc - steady.pop()
        offsets = {self._offset_us(as_utc + shift) for shift in (-_US_PER_DAY, 0, _US_PER_DAY)}
        occurrences = [
            as_utc - offset for offset in offsets if self._offset_us(as_utc - offset) == offset
        ]
        return min(occurrences) if occurrences else self._gap_transition_us(wall)

    # -- internals ------------------------------------------------------------------------

    def _offset_us(self, t: int) -> int:
        """The zone's UTC offset at instant ``t``, in microseconds (remembered: the
        probes of ``wall_to_us`` repeat from one date to the next)."""
        offset = self._offsets.get(t)
        if offset is None:
            if len(self._offsets) >= _MAX_REMEMBERED_OFFSETS:
                self._offsets.clear()
            local = self._zone.fromutc(_EPOCH_WALL + timedelta(microseconds=t))
            offset = self._offsets[t] = local.utcoffset() // MICROSECOND
        return offset

    def _gap_transition_us(self, wall: datetime) -> int:
        # The clocks jump over ``wall``: the transition is the first instant whose wall time
        # is past it. UTC offsets stay within ±15 h, so it lies within 15 h of ``wall`` read
        # as UTC; bisect over whole seconds (zones change offset on whole seconds).
        as_utc = (wall - datetime(1970, 1, 1)) // timedelta(seconds=1)
        low, high = as_utc - 15 * 3600, as_utc + 15 * 3600
        while high - low > 1:
            middle = (low + high) // 2
            if self.local_wall_us(middle * US_PER_SECOND) > wall:
                high = middle
            else:
                low = middle
        return high * US_PER_SECOND

    def _position(self, t: int) -> int:
        """Open time on the timeline before ``t`` (``t`` must be covered)."""
        i = bisect_right(self._ends, t)
        if i < len(self._starts) and self._starts[i] <= t:
            return self._open_before[i] + t - self._starts[i]
        return self._open_before[i]

    def _cover(self, t: int) -> None:
        """Extend the timeline by whole years until it is complete around ``t``."""
        if not self._years:
            year = from_epoch_us(t).year
            self._cover_years(range(year, year + 1))
        while t < self._valid_from:
            self._cover_years(range(self._years.start - 1, self._years.stop))
        while t > self._valid_until:
            self._cover_years(range(self._years.start, self._years.stop + 1))

    def _extend_search(self, t: int, barren_years: int) -> int:
        """Add a year to the timeline for a search from ``t`` that ran off its end; count
        the years in a row that added no open time and give up after ``_SEARCH_YEARS``."""
        total = self._open_before[-1]
        self._cover_years(range(self._years.start, self._years.stop + 1))
        barren_years = 0 if self._open_before[-1] > total else barren_years + 1
        if barren_years >= _SEARCH_YEARS:
            raise ConfigError(
                f"calendar {self.name!r} has no open hours in the {_SEARCH_YEARS} years after "
                f"{from_epoch_us(t).isoformat()}"
            )
        return barren_years

    def _cover_years(self, years: range) -> None:
        """Rebuild the timeline from the shifts of ``years`` (and of the evening before,
        whose overnight shift can run into the first of January)."""
        first, last = date(years.start, 1, 1), date(years.stop - 1, 12, 31)
        spans = sorted(
            span
            for offset in range(-1, (last - first).days + 1)
            for span in self._day(first + timedelta(days=offset)).spans
        )
        starts: list[int] = []
        ends: list[int] = []
        for start, end in spans:
            if ends and start <= ends[-1]:  # touching or overlapping: one interval
                ends[-1] = max(ends[-1], end)
            else:
                starts.append(start)
                ends.append(end)
        open_before = [0]
        for start, end in zip(starts, ends, strict=True):
            open_before.append(open_before[-1] + end - start)
        self._years, self._starts, self._ends, self._open_before = years, starts, ends, open_before
        # Days after ``last`` start at or after its following midnight, so everything
        # before that midnight is known.
        self._valid_from = self.wall_to_us(datetime.combine(first, time()))
        self._valid_until = self.wall_to_us(datetime.combine(last + _ONE_DAY, time()))

    def _day(self, day: date) -> _Day:
        plan = self._days.get(day)
        if plan is None:
            plan = self._days[day] = self._plan_day(day)
        return plan

    def _plan_day(self, day: date) -> _Day:
        special = next((s for s in self._special_hours if s.start <= day <= s.end), None)
        hours = (special.hours if special else self._week).get(day.weekday(), ())
        holiday = self._holiday(day)
        closures = tuple(c for c in self._day_closures if c.start <= day <= c.end)
        spans: list[Span] = []
        if holiday is None and not closures:
            spans = [self._shift_span(day, hour_range) for hour_range in hours]
        nearby = self._instant_closures_near(day)
        if nearby:
            # A closure is named on the days it touches: the local date or its shifts.
            day_start = self.wall_to_us(datetime.combine(day, time()))
            day_end = max(
                [self.wall_to_us(datetime.combine(day + _ONE_DAY, time())), *(e for _, e in spans)]
            )
            for start, end, closure in nearby:
                if start < day_end and end > day_start:
                    closures += (closure,)
                spans = [piece for span in spans for piece in _subtract(span, (start, end))]
        return _Day(
            hours=hours,
            spans=tuple(span for span in spans if span[0] < span[1]),
            special=special,
            holiday=holiday,
            closures=closures,
        )

    def _instant_closures_near(self, day: date) -> list[tuple[int, int, Closure]]:
        """The closures of instants that may touch ``day`` or its shifts, found without
        time-zone arithmetic: a day and its shifts lie within three days of its midnight
        read as UTC (offsets stay within ±15 h, a shift within 48 h of its day's start)."""
        midnight = (day - _EPOCH_DAY).days * _US_PER_DAY
        low, high = midnight - 3 * _US_PER_DAY, midnight + 3 * _US_PER_DAY
        return [item for item in self._instant_closures if item[0] < high and item[1] > low]

    def _shift_span(self, day: date, hour_range: HourRange) -> Span:
        midnight = datetime.combine(day, time())
        return (
            self.wall_to_us(midnight + timedelta(minutes=hour_range.start)),
            self.wall_to_us(midnight + timedelta(minutes=hour_range.end)),
        )

    def _holiday(self, day: date) -> HolidayDay | None:
        if self._holiday_source is None:
            return None
        by_date = self._holidays.get(day.year)
        if by_date is None:
            by_date = self._holidays[day.year] = holiday_days(self._holiday_source, [day.year])
        return by_date.get(day)


def _subtract(span: Span, removed: Span) -> list[Span]:
    """``span`` minus ``removed``: zero, one or two pieces."""
    start, end = span
    cut_start, cut_end = removed
    if cut_end <= start or cut_start >= end:
        return [span]
    return [piece for piece in ((start, cut_start), (cut_end, end)) if piece[0] < piece[1]]


@cache
def always_open() -> BusinessCalendar:
    """The round-the-clock calendar (UTC, no holidays) of SLA policies without one."""
    return BusinessCalendar("always open", "UTC", ROUND_THE_CLOCK)
