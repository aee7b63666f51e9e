"""Each participant's acceptable time over a planning window, and why time is not.

Acceptable time is working time plus soft time:

- working time: the open intervals of the participant's calendar (weekly hours, special
  hours, public holidays and closures applied by ``timekit``), minus leave;
- soft time: their ``meeting_hours`` outside working time, with the calendar's holidays
  and closures and their leave applied too (special hours are the office's, not the
  person's, so they do not narrow meeting hours).

Leave works like a holiday: it removes the shifts that *start* on its local dates (in
the participant's calendar zone), so the tail of a night shift begun the evening before
is still there.

Each piece of acceptable time remembers its working day (the first opening and last
closing of the local date it belongs to), which is what "early" and "late" mean.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, NamedTuple, TypeVar

from supportctl.config.model import WeeklyHours
from supportctl.meet.intervals import Interval, clip, merge, subtract
from supportctl.meet.participants import Participant
from supportctl.timekit.calendar import ROUND_THE_CLOCK, BusinessCalendar, DayInfo, to_epoch_us
from supportctl.timekit.spec import DAY_NAMES

_ONE_DAY = timedelta(days=1)
T = TypeVar("T")


class Piece(NamedTuple):
    """A stretch of working (``soft`` false) or soft time, with its working day's bounds
    (``None`` on a date with meeting hours but no working hours)."""

    start: int
    end: int
    soft: bool
    day_open: int | None
    day_close: int | None


@dataclass(frozen=True)
class Blocker:
    """Why a participant cannot take a slot: ``kind`` is hours, holiday, closure or leave."""

    kind: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind} ({self.detail})"


class Calendars:
    """The business calendars a plan needs, each built once and shared: working hours per
    config calendar, meeting hours per calendar and hours, and the bare schedule (no
    holidays or closures) that tells a day off from a holiday."""

    def __init__(self) -> None:
        self._built: dict[tuple[str, ...], Any] = {}

    def working(self, participant: Participant) -> BusinessCalendar:
        calendar = participant.calendar
        return self._once(
            ("working", calendar.name), lambda: BusinessCalendar.from_config(calendar)
        )

    def soft(self, participant: Participant) -> BusinessCalendar | None:
        key = ("soft", participant.calendar.name, _hours_key(participant.meeting_hours))
        return self._once(key, lambda: _soft_calendar(participant))

    def schedule(self, participant: Participant) -> BusinessCalendar:
        calendar = participant.calendar
        return self._once(
            ("schedule", calendar.name),
            lambda: BusinessCalendar(
                f"{calendar.name} schedule",
                calendar.timezone,
                calendar.hours or ROUND_THE_CLOCK,
                special_hours=calendar.special_hours,
            ),
        )

    def soft_schedule(self, participant: Participant) -> BusinessCalendar | None:
        hours = participant.meeting_hours
        return self._once(
            ("soft schedule", participant.timezone, _hours_key(hours)),
            lambda: (
                None
                if hours is None
                else BusinessCalendar(
                    f"{participant.name} meeting hours", participant.timezone, hours
                )
            ),
        )

    def _once(self, key: tuple[str, ...], build: Callable[[], T]) -> T:
        if key not in self._built:
            self._built[key] = build()
        return self._built[key]


def _hours_key(hours: WeeklyHours | None) -> str:
    """Equal weekly hours give equal keys, so people with the same meeting hours on the
    same calendar share one calendar (and its worked-out days)."""
    return repr(sorted(hours.items())) if hours is not None else ""


def _soft_calendar(participant: Participant) -> BusinessCalendar | None:
    if participant.meeting_hours is None:
        return None
    calendar = participant.calendar
    return BusinessCalendar(
        f"{participant.name} meeting hours",
        calendar.timezone,
        participant.meeting_hours,
        holidays=calendar.holidays,
        closures=calendar.closures,
    )


class Availability:
    """One participant's acceptable time inside ``[low, high)``: sorted ``pieces`` and the
    ``stretches`` they merge into."""

    def __init__(self, participant: Participant, calendars: Calendars, low: int, high: int) -> None:
        self.participant = participant
        working = calendars.working(participant)
        soft = calendars.soft(participant)
        days = [day for day in local_dates(working, low, high) if not on_leave(participant, day)]
        working_by_day = {day: working.day_spans_us(day) for day in days}
        all_working = merge(span for spans in working_by_day.values() for span in spans)
        pieces: list[Piece] = []
        for day, spans in working_by_day.items():
            bounds = (spans[0][0], spans[-1][1]) if spans else (None, None)
            pieces += [Piece(start, end, False, *bounds) for start, end in spans]
            if soft is not None:
                soft_spans = subtract(merge(soft.day_spans_us(day)), all_working)
                pieces += [Piece(start, end, True, *bounds) for start, end in soft_spans]
        self.pieces = sorted(
            piece._replace(start=start, end=end)
            for piece in pieces
            for start, end in clip([(piece.start, piece.end)], low, high)
        )
        self.starts = [piece.start for piece in self.pieces]
        self.stretches: list[Interval] = merge((piece.start, piece.end) for piece in self.pieces)

    def allowed_starts(self, duration: int) -> list[Interval]:
        """Where a meeting of ``duration`` may start: ``[start, end)`` per stretch."""
        return [
            (start, end - duration + 1) for start, end in self.stretches if end - start >= duration
        ]

    def covering(self, start: int, end: int) -> tuple[Piece, Piece, bool]:
        """The pieces holding ``start`` and ``end`` of a slot inside one stretch, and
        whether any piece between them is soft."""
        i = j = bisect_right(self.starts, start) - 1
        soft = self.pieces[i].soft
        while self.pieces[j].end < end:  # inside one stretch the next piece touches
            j += 1
            soft = soft or self.pieces[j].soft
        return self.pieces[i], self.pieces[j], soft


def local_dates(calendar: BusinessCalendar, low: int, high: int) -> Iterator[date]:
    """The local dates whose shifts can reach into ``[low, high)``: from the day before
    ``low``'s date (its night shift) to ``high``'s."""
    day = calendar.local_wall_us(low).date() - _ONE_DAY
    last = calendar.local_wall_us(high - 1).date()
    while day <= last:
        yield day
        day += _ONE_DAY


def on_leave(participant: Participant, day: date) -> bool:
    return any(leave.start <= day <= leave.end for leave in participant.leave)


def _spans(info: DayInfo) -> list[Interval]:
    return [(to_epoch_us(start), to_epoch_us(end)) for start, end in info.open_intervals]


def blocker(participant: Participant, calendars: Calendars, start: int, end: int) -> Blocker:
    """Why ``participant`` cannot take ``[start, end)``: outside their scheduled hours
    (weekly and special hours, meeting hours), or inside them on a date that a holiday, a
    closure or leave takes away."""
    schedule = calendars.schedule(participant)
    day = schedule.local_wall_us(start).date()
    dates = sorted({day - _ONE_DAY, day, schedule.local_wall_us(end - 1).date()})
    scheduled = {each: _scheduled_spans(participant, calendars, each) for each in dates}
    merged = merge(span for spans in scheduled.values() for span in spans)
    if not any(low <= start and end <= high for low, high in merged):
        return Blocker("hours", _hours_detail(participant, calendars, day, start, end))
    working = calendars.working(participant)
    for each, spans in scheduled.items():
        if not any(low < end and start < high for low, high in spans):
            continue
        info = working.day_info(each)
        if info.holiday:
            return Blocker("holiday", info.holiday + (" (estimated)" if info.estimated else ""))
        if info.closure:
            return Blocker("closure", info.closure)
        for leave in participant.leave:
            if leave.start <= each <= leave.end:
                note = f", {leave.note}" if leave.note else ""
                return Blocker("leave", f"{leave.start} to {leave.end}{note}")
    return Blocker("closure", "closed at that time")


def _scheduled_spans(participant: Participant, calendars: Calendars, day: date) -> list[Interval]:
    schedules = (calendars.schedule(participant), calendars.soft_schedule(participant))
    return [span for each in schedules if each is not None for span in _spans(each.day_info(day))]


def _hours_detail(
    participant: Participant, calendars: Calendars, day: date, start: int, end: int
) -> str:
    """``"17:30-18:15 local; Sun 09:00-17:00, meeting hours 08:00-19:00"``."""
    schedule = calendars.schedule(participant)
    soft_schedule = calendars.soft_schedule(participant)
    local_start, local_end = schedule.local_wall_us(start), schedule.local_wall_us(end)
    hours = ",".join(str(r) for r in schedule.day_info(day).hours) or "no hours"
    weekday = DAY_NAMES[day.weekday()].title()
    detail = f"{local_start:%H:%M}-{local_end:%H:%M} local; {weekday} {hours}"
    if soft_schedule is not None:
        meeting = ",".join(str(r) for r in soft_schedule.day_info(day).hours) or "none"
        detail += f", meeting hours {meeting}"
    return detail
