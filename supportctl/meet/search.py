"""Finding and scoring slots: one sweep over everyone's acceptable time.

Each participant's acceptable time becomes the interval list of instants at which a
meeting of the requested length could *start* for them; one sweep over all those lists
cuts the window into segments over which the same people are free. Slots that suit
everyone are the step-grid instants inside the segments where all are free; segments
where all but a few are free are the near misses. Nothing is checked step by step
against each person: the cost grows with the number of intervals, and only the
instants that fit are scored.

The score of a slot (higher is better; ties go to the earlier slot)::

    score = 100 × mean centrality − 10 × (people near an edge) − 30 × (people in soft hours)

- A person's *centrality* is 1 when the slot sits in the middle of their working day and
  falls linearly to 0 as it nears the day's first opening or last closing (the smaller
  of the gaps before the slot's start and after its end, over half the day's slack); it
  is 0 for a slot that uses soft hours.
- *Near an edge*: the slot starts less than ``edge_margin`` after their day opens
  (mark ``early``) or ends less than that before it closes (``late``).
- *Soft hours*: part of the slot lies in their ``meeting_hours`` outside working hours
  (mark ``soft``, with ``early`` or ``late`` for which side of the day).

A person's *inconvenience* in a slot is 0, 1 near an edge, or 2 in soft hours; a
recurring series adds it up per person.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import NamedTuple

from supportctl.meet.availability import Availability
from supportctl.meet.intervals import Interval, segments
from supportctl.timekit.calendar import MICROSECOND, US_PER_SECOND, BusinessCalendar

EDGE = 1
SOFT = 2
EDGE_PENALTY = 10.0
SOFT_PENALTY = 30.0
_NAIVE_EPOCH = datetime(1970, 1, 1)
_PROBE_US = 6 * 3600 * US_PER_SECOND  # UTC offsets change at most a few times a year


class Fit(NamedTuple):
    """How a slot sits in one participant's day (see the module docstring)."""

    centre: float
    mark: str  # "", early, late, soft, soft early, soft late
    inconvenience: int


def assess(availability: Availability, start: int, end: int, margin: int) -> Fit:
    """How ``[start, end)``, which lies in ``availability``'s acceptable time, suits them."""
    first, last, soft = availability.covering(start, end)
    day_open, day_close = first.day_open, last.day_close
    if soft:
        side = "" if day_open is None else " early" if start < day_open else " late"
        return Fit(0.0, "soft" + side, SOFT)
    assert day_open is not None and day_close is not None  # working pieces have a day
    early, late = start - day_open, day_close - end
    slack = (day_close - day_open - (end - start)) / 2
    centre = min(early, late) / slack if slack > 0 else 0.0
    if min(early, late) >= margin:
        return Fit(centre, "", 0)
    return Fit(centre, "early" if early <= late else "late", EDGE)


def score(fits: Sequence[Fit]) -> float:
    """The slot's score from its participants' fits, rounded to 0.1."""
    centre = sum(fit.centre for fit in fits) / len(fits)
    edges = sum(1 for fit in fits if fit.inconvenience == EDGE)
    softs = sum(1 for fit in fits if fit.inconvenience == SOFT)
    return round(100 * centre - EDGE_PENALTY * edges - SOFT_PENALTY * softs, 1)


class Clock:
    """Wall-clock readings in one zone (the viewer's), with timekit's DST rules: a wall
    time in a gap is the transition, one in an overlap its first occurrence."""

    def __init__(self, timezone: str) -> None:
        self.timezone = timezone
        self._zone = BusinessCalendar(timezone, timezone, {})

    def wall(self, t: int) -> datetime:
        return self._zone.local_wall_us(t)

    def instant(self, wall: datetime) -> int:
        return self._zone.wall_to_us(wall)

    def offset(self, t: int) -> int:
        """UTC offset at ``t`` in microseconds."""
        return _naive_epoch_us(self.wall(t)) - t

    def offset_spans(self, low: int, high: int) -> list[tuple[int, int, int]]:
        """``[low, high)`` cut at the zone's offset changes: ``(start, end, offset)``."""
        spans: list[tuple[int, int, int]] = []
        start = probe = low
        offset = self.offset(low)
        while probe < high - 1:
            following = min(probe + _PROBE_US, high - 1)
            if self.offset(following) == offset:
                probe = following
                continue
            probe = self._change_after(probe, following, offset)
            spans.append((start, probe, offset))
            start, offset = probe, self.offset(probe)
        spans.append((start, high, offset))
        return spans

    def _change_after(self, low: int, high: int, offset: int) -> int:
        """The first instant in ``(low, high]`` whose offset differs (whole seconds)."""
        low_s, high_s = low // US_PER_SECOND, -(-high // US_PER_SECOND)
        while high_s - low_s > 1:
            middle = (low_s + high_s) // 2
            if self.offset(middle * US_PER_SECOND) == offset:
                low_s = middle
            else:
                high_s = middle
        return high_s * US_PER_SECOND


def _naive_epoch_us(wall: datetime) -> int:
    """A naive wall-clock reading as if it were UTC → microseconds since the epoch."""
    return (wall - _NAIVE_EPOCH) // MICROSECOND


class Grid:
    """Candidate starts: every ``step`` on the viewer's wall clock, counted from local
    midnight (``step`` divides a day), so 15-minute steps are :00/:15/:30/:45 for the
    viewer even in a half-hour zone, across DST changes too."""

    def __init__(self, clock: Clock, step: int, low: int, high: int) -> None:
        self.step = step
        self._spans = clock.offset_spans(low, high)

    def points(self, low: int, high: int) -> Iterator[int]:
        for span_low, span_high, offset in self._spans:
            first = max(low, span_low)
            first += -(first + offset) % self.step
            yield from range(first, min(high, span_high), self.step)


class Search:
    """Everyone's acceptable time over ``[low, high)``, swept once for slots of
    ``duration`` (all instants in epoch microseconds)."""

    def __init__(
        self,
        availabilities: Sequence[Availability],
        grid: Grid,
        *,
        low: int,
        high: int,
        duration: int,
        margin: int,
    ) -> None:
        self.availabilities = availabilities
        self.grid = grid
        self.duration = duration
        self.margin = margin
        self.everyone = (1 << len(availabilities)) - 1
        starts = [availability.allowed_starts(duration) for availability in availabilities]
        self.segments = segments(starts, low, high - duration + 1)
        self._scored: dict[int, list[tuple[float, int]]] = {}

    def spans(self, free: int) -> list[Interval]:
        """The segments of start instants where exactly the participants in bit mask
        ``free`` can meet."""
        return [(low, high) for low, high, mask in self.segments if mask == free]

    def scored(self, free: int) -> list[tuple[float, int]]:
        """``(score, start)`` of every grid start where exactly the participants in bit
        mask ``free`` can meet, in time order; worked out once per mask (near misses and
        the "without" lists share them)."""
        if free not in self._scored:
            self._scored[free] = self._candidates(free, self.spans(free))
        return self._scored[free]

    def _candidates(self, free: int, spans: Iterable[Interval]) -> list[tuple[float, int]]:
        """``(score, start)`` of every grid start in ``spans`` scored for the participants
        in bit mask ``free``, in time order."""
        present = [a for i, a in enumerate(self.availabilities) if free >> i & 1]
        duration, margin = self.duration, self.margin
        found: list[tuple[float, int]] = []
        for low, high in spans:
            for start in self.grid.points(low, high):
                end = start + duration
                found.append((score([assess(a, start, end, margin) for a in present]), start))
        return found

    def fits(self, start: int, free: int) -> tuple[Fit | None, ...]:
        """Each participant's fit in the slot at ``start`` (``None``: not free)."""
        end = start + self.duration
        return tuple(
            assess(a, start, end, self.margin) if free >> i & 1 else None
            for i, a in enumerate(self.availabilities)
        )


def best(candidates: Sequence[tuple[float, int]], count: int) -> list[tuple[float, int]]:
    """The ``count`` best ``(score, start)``: highest score, then earliest."""
    return sorted(candidates, key=lambda item: (-item[0], item[1]))[:count]
