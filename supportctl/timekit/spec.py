"""Parsing of the config's time notations: durations and weekly hour ranges.

Pure and dependency-free so that ``config validate`` can check them without loading
time-zone or holiday data.

Durations: ``5m``, ``8h``, ``1h30m``, ``3d``, ``45s``; ``d`` counts days (business days on
a policy with a calendar), the rest is seconds.

Hours: ``"09:00-17:00"``, several ranges ``"09:00-12:00,13:00-17:00"``, overnight
``"22:00-06:00"`` (belongs to the day it starts), ``"00:00-24:00"`` for the whole day.
Day keys ``sun``..``sat`` and ranges ``sun-thu`` (wrapping, e.g. ``fri-mon``).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

# Python's weekday numbering (Monday = 0) is used everywhere inside.
DAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 24 * 60

_DURATION_PART = re.compile(r"(\d+)([dhms])")
_DURATION_FULL = re.compile(r"^(?:\d+[dhms])+$")
_UNIT_SECONDS = {"h": 3600, "m": 60, "s": 1}
_CLOCK = re.compile(r"^([01]?\d|2[0-4]):([0-5]\d)$")


class SpecError(ValueError):
    """A duration, day key or hour range is malformed; the message says how."""


@dataclass(frozen=True, order=True)
class Duration:
    """A span from the config: whole ``days`` plus ``seconds``.

    Days stay separate because on a policy with a calendar they mean business days.
    """

    days: int = 0
    seconds: int = 0

    @property
    def total_seconds(self) -> int:
        """The span as plain elapsed seconds (a day = 86,400 s)."""
        return self.days * 86400 + self.seconds

    def __str__(self) -> str:
        parts = [f"{self.days}d"] if self.days else []
        hours, rest = divmod(self.seconds, 3600)
        minutes, seconds = divmod(rest, 60)
        parts += [f"{v}{u}" for v, u in ((hours, "h"), (minutes, "m"), (seconds, "s")) if v]
        return "".join(parts) or "0m"


def parse_duration(text: str) -> Duration:
    """``"1h30m"`` → ``Duration(days=0, seconds=5400)``; raises ``SpecError``."""
    cleaned = str(text).strip().lower().replace(" ", "")
    if not _DURATION_FULL.match(cleaned):
        raise SpecError(f"malformed duration {text!r}: use e.g. 5m, 8h, 1h30m, 3d")
    days = seconds = 0
    seen: set[str] = set()
    for amount, unit in _DURATION_PART.findall(cleaned):
        if unit in seen:
            raise SpecError(f"malformed duration {text!r}: unit '{unit}' given twice")
        seen.add(unit)
        if unit == "d":
            days = int(amount)
        else:
            seconds += int(amount) * _UNIT_SECONDS[unit]
    if days == 0 and seconds == 0:
        raise SpecError(f"duration {text!r} is zero")
    return Duration(days, seconds)


@dataclass(frozen=True, order=True)
class HourRange:
    """Minutes after local midnight of the day the range starts; ``end`` may pass 1440
    (overnight: ``22:00-06:00`` is ``(1320, 1800)``)."""

    start: int
    end: int

    @property
    def overnight(self) -> bool:
        return self.end > MINUTES_PER_DAY

    def __str__(self) -> str:
        return f"{_clock(self.start)}-{_clock(self.end % MINUTES_PER_DAY or MINUTES_PER_DAY)}"


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_clock(text: str) -> int:
    """``"09:30"`` → 570 minutes after midnight; ``"24:00"`` → 1440."""
    match = _CLOCK.match(text.strip())
    if not match:
        raise SpecError(f"malformed time {text!r}: use HH:MM, 00:00 to 24:00")
    minutes = int(match.group(1)) * 60 + int(match.group(2))
    if minutes > MINUTES_PER_DAY:
        raise SpecError(f"malformed time {text!r}: past 24:00")
    return minutes


def parse_hour_ranges(text: str) -> tuple[HourRange, ...]:
    """``"09:00-12:00,13:00-17:00"`` → sorted ranges; overlapping ranges are an error."""
    ranges: list[HourRange] = []
    for part in str(text).split(","):
        start_text, sep, end_text = part.strip().partition("-")
        if not sep:
            raise SpecError(f"malformed hour range {part.strip()!r}: use HH:MM-HH:MM")
        start, end = parse_clock(start_text), parse_clock(end_text)
        if start == MINUTES_PER_DAY:
            raise SpecError(f"hour range {part.strip()!r} starts at 24:00")
        if end == start:
            raise SpecError(f"hour range {part.strip()!r} is empty")
        ranges.append(HourRange(start, end if end > start else end + MINUTES_PER_DAY))
    ranges.sort()
    for earlier, later in itertools.pairwise(ranges):
        if later.start < earlier.end:
            raise SpecError(f"hour ranges {earlier} and {later} overlap")
    return tuple(ranges)


def parse_day_key(key: str) -> tuple[int, ...]:
    """``"sun-thu"`` → ``(6, 0, 1, 2, 3)``; ``"fri"`` → ``(4,)``; wraps past Sunday."""
    first, sep, last = str(key).strip().lower().partition("-")
    for name in (first, last) if sep else (first,):
        if name not in DAY_NAMES:
            raise SpecError(f"unknown day {name!r}: use {', '.join(DAY_NAMES)} or a range sun-thu")
    if not sep:
        return (DAY_NAMES.index(first),)
    start, stop = DAY_NAMES.index(first), DAY_NAMES.index(last)
    return tuple((start + offset) % 7 for offset in range((stop - start) % 7 + 1))


def parse_weekly_hours(spec: dict[str, str]) -> dict[int, tuple[HourRange, ...]]:
    """``{"sun-thu": "09:00-17:00"}`` → weekday (Mon = 0) → ranges.

    A weekday named by two keys is an error: the config must say one thing per day.
    Overnight ranges that run into the next day's first range are an error too.
    """
    week: dict[int, tuple[HourRange, ...]] = {}
    given_by: dict[int, str] = {}
    for key, value in spec.items():
        days = parse_day_key(key)
        ranges = parse_hour_ranges(value)
        for day in days:
            if day in week:
                raise SpecError(
                    f"{DAY_NAMES[day]} is given twice (in {given_by[day]!r} and {key!r})"
                )
            week[day] = ranges
            given_by[day] = key
    for day, ranges in week.items():
        spill = max((r.end for r in ranges), default=0) - MINUTES_PER_DAY
        following = week.get((day + 1) % 7, ())
        if spill > 0 and following and following[0].start < spill:
            raise SpecError(
                f"{DAY_NAMES[day]}'s overnight hours run into {DAY_NAMES[(day + 1) % 7]}'s"
            )
    return week
