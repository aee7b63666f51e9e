"""Business-time arithmetic over a ``BusinessCalendar``: due times and elapsed open time.

Semantics (the calendar's module docstring has the rules for what is open):

- Business time is real elapsed time, counted in UTC seconds while the calendar is open:
  a night shift on the night the clocks go forward is one hour shorter, and one hour
  longer on the night they go back.
- An instant exactly at closing time is outside; a due time that lands exactly on
  closing stays there: Sun 09:00 + 8h on a 09:00-17:00 day is Sun 17:00, not Mon 09:00.
  A start outside hours counts from the next opening: Thu 16:58 + 5m is Sun 09:03 on a
  Sun-Thu week.
- Holidays and whole-day closures cancel the shifts that start on their local dates;
  the tail of the previous evening's overnight shift is still worked.
- A working-hours boundary in a DST gap opens at the transition; one in a DST overlap is
  its first occurrence.
- ``Duration.days`` counts open days, the way a support manager reads "reply within 3
  business days": the same local clock time on the third open day after the start.
  Precisely: the start moves to the next opening if it is outside hours; that instant
  has a local clock time counted from the midnight of the day its shift started on
  (26:00 for 02:00 in a night shift that began the evening before); the due day is the
  N-th later date with open hours, and the due time that clock time on it. When that
  day's hours do not cover it (a shorter Friday, Ramadan hours) it moves forward to
  that day's next opening, or back to the day's last closing if none is left. The
  remaining hours and minutes of the duration are then added as business time.
- Durations without days are plain business seconds, and
  ``business_between(cal, start, add_business(cal, start, d)) == d``. With days the
  elapsed business time depends on the days crossed, so no such identity holds.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from supportctl.errors import UsageError
from supportctl.timekit.calendar import (
    MICROSECOND,
    US_PER_SECOND,
    BusinessCalendar,
    from_epoch_us,
    to_epoch_us,
)
from supportctl.timekit.spec import Duration


def add_business(
    calendar: BusinessCalendar, start: datetime, duration: Duration | timedelta
) -> datetime:
    """The UTC instant at which ``duration`` of business time after ``start`` has passed.

    ``start`` must be aware. ``duration`` is a config ``Duration`` (days are open days,
    see the module docstring) or a ``timedelta`` (plain business time).

    >>> from datetime import UTC
    >>> from supportctl.config.model import Calendar
    >>> from supportctl.timekit.spec import parse_duration, parse_weekly_hours
    >>> riyadh = BusinessCalendar.from_config(
    ...     Calendar("riyadh", "Asia/Riyadh", parse_weekly_hours({"sun-thu": "09:00-17:00"})))
    >>> add_business(riyadh, datetime(2026, 1, 8, 13, tzinfo=UTC), parse_duration("8h"))
    datetime.datetime(2026, 1, 11, 13, 0, tzinfo=datetime.timezone.utc)
    """
    t = to_epoch_us(start)
    if isinstance(duration, timedelta):
        return from_epoch_us(calendar.advance_us(t, duration // MICROSECOND))
    if duration.days < 0 or duration.seconds < 0:
        raise UsageError(f"negative duration {duration}: business time only runs forward")
    if duration.days:
        t = _after_open_days(calendar, t, duration.days)
    return from_epoch_us(calendar.advance_us(t, duration.seconds * US_PER_SECOND))


def business_between(calendar: BusinessCalendar, a: datetime, b: datetime) -> timedelta:
    """Business time from ``a`` to ``b`` (negative when ``b`` is before ``a``).

    Only open time counts, as real elapsed time: from Thu 16:00 to Sun 10:00 on a Sun-Thu
    09:00-17:00 week is 2 hours.
    """
    return timedelta(microseconds=calendar.elapsed_us(to_epoch_us(a), to_epoch_us(b)))


def _after_open_days(calendar: BusinessCalendar, t: int, days: int) -> int:
    """The same local clock time ``days`` open days after ``t`` (see the module docstring)."""
    opened = calendar.next_open_us(t)
    shift_day = calendar.shift_day_us(opened)
    clock_time = calendar.local_wall_us(opened) - datetime.combine(shift_day, time())
    due_day = calendar.open_day_after(shift_day, days)
    due = calendar.wall_to_us(datetime.combine(due_day, time()) + clock_time)
    for start, end in calendar.day_spans_us(due_day):
        if due < end:
            return max(due, start)
    return calendar.day_spans_us(due_day)[-1][1]
