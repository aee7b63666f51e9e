"""The planner's entry points: ``plan_meeting``, ``plan_series`` and ``overlap_day``.

Each takes the config, what was asked (``PlanOptions``) and ``now``, and returns a
report of plain values; instants in reports are aware UTC datetimes. The window is
``--days`` local days of the viewer's zone from ``--from`` (its midnight), or from
``now`` when no ``--from`` is given (slots never start in the past then).

>>> from datetime import UTC
>>> from pathlib import Path
>>> from supportctl.config import load_config
>>> config = load_config(Path("config/example.yaml"), {"SUPPORT_IMAP_PASSWORD": "x"})
>>> now = datetime(2026, 3, 1, 6, tzinfo=UTC)
>>> report = plan_meeting(config, PlanOptions(("omar", "alice", "youssef")), now=now)
>>> report.slots[0].start, report.slots[0].score
(datetime.datetime(2026, 3, 2, 10, 15, tzinfo=datetime.timezone.utc), 55.7)
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from supportctl.config.model import Config
from supportctl.errors import UsageError
from supportctl.meet.availability import Availability, Blocker, Calendars, blocker
from supportctl.meet.intervals import Interval, merge, subtract
from supportctl.meet.participants import Participant, resolve_participants
from supportctl.meet.search import SOFT, Clock, Fit, Grid, Search, best
from supportctl.timekit.calendar import US_PER_SECOND, from_epoch_us, to_epoch_us
from supportctl.timekit.spec import SpecError, parse_duration

MAX_DAYS = 366
DAY_SECONDS = 86400
HOUR = 3600 * US_PER_SECOND
MISSES_PER_GROUP = 3  # near misses shown per set of blocked participants
# Column names of the plan's rows, which no participant may take as a name.
RESERVED_NAMES = ("rank", "week", "start", "end", "score", "note", "time", "everyone")


@dataclass(frozen=True)
class PlanOptions:
    """What was asked; ``None`` takes the config's ``meetings`` default (or the config's
    ``timezone`` for the viewer's zone, ``now`` for the start)."""

    participants: tuple[str, ...]  # --with specs
    duration: str | None = None
    step: str | None = None
    days: int | None = None
    start: date | None = None  # a date in the viewer's zone
    top: int = 10
    timezone: str | None = None


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime
    score: float
    fits: tuple[Fit | None, ...]  # per participant; None where they are not free


@dataclass(frozen=True)
class NearMiss:
    """A slot that fits everyone but ``blocked`` (participant name, why)."""

    slot: Slot
    blocked: tuple[tuple[str, Blocker], ...]


@dataclass(frozen=True)
class LeftOut:
    """The best slot, and how many fit, if ``name`` were left out."""

    name: str
    fitting: int
    slot: Slot


@dataclass(frozen=True)
class PlanReport:
    participants: tuple[Participant, ...]
    timezone: str  # the viewer's
    start: datetime  # the window
    end: datetime
    duration: timedelta
    fitting: int  # grid slots that suit everyone
    slots: tuple[Slot, ...]  # the best, best first
    near_misses: tuple[NearMiss, ...] = ()  # only when nothing fits
    left_out: tuple[LeftOut, ...] = ()


@dataclass(frozen=True)
class Week:
    number: int  # 1-based
    start: datetime
    end: datetime
    slot: Slot | None  # None: nothing fits that week


@dataclass(frozen=True)
class Burden:
    """One participant's inconvenience over a series: points and the marks behind them."""

    name: str
    inconvenience: int
    early: int
    late: int
    soft: int


@dataclass(frozen=True)
class SeriesReport:
    participants: tuple[Participant, ...]
    timezone: str
    duration: timedelta
    rotate: bool
    weeks: tuple[Week, ...]
    totals: tuple[Burden, ...]


@dataclass(frozen=True)
class Cell:
    """One participant in one hour: local wall time at its start and how much is free:
    work, soft, part (some of the hour), off, holiday, closure or leave."""

    local: datetime  # naive wall-clock time in the participant's zone
    status: str


@dataclass(frozen=True)
class Hour:
    start: datetime
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class OverlapReport:
    participants: tuple[Participant, ...]
    timezone: str
    day: date
    hours: tuple[Hour, ...]


class Plan:
    """A resolved request: the participants, the window in the viewer's zone, the
    durations in microseconds, and the sweep over everyone's acceptable time."""

    def __init__(self, config: Config, options: PlanOptions, now: datetime, days: int) -> None:
        self.participants = resolve_participants(
            config, options.participants, reserved=RESERVED_NAMES
        )
        self.timezone = viewer_timezone(options.timezone or config.timezone)
        self.clock = Clock(self.timezone)
        now_us = to_epoch_us(now)
        self.first_day = options.start or self.clock.wall(now_us).date()
        self.low = self.midnight(self.first_day) if options.start else now_us
        self.high = self.midnight(self.first_day + timedelta(days=days))
        meetings = config.meetings
        self.duration = _seconds("--duration", options.duration, meetings.duration.total_seconds)
        step = _seconds("--step", options.step, meetings.step.total_seconds)
        if DAY_SECONDS % step:
            raise UsageError(
                f"--step {options.step or meetings.step}: a step must divide a day evenly",
                hint="e.g. 5m, 10m, 15m, 20m, 30m, 1h",
            )
        self.calendars = Calendars()
        availabilities = [
            Availability(p, self.calendars, self.low, self.high) for p in self.participants
        ]
        self.search = Search(
            availabilities,
            Grid(self.clock, step * US_PER_SECOND, self.low, self.high),
            low=self.low,
            high=self.high,
            duration=self.duration * US_PER_SECOND,
            margin=meetings.edge_margin.total_seconds * US_PER_SECOND,
        )

    def midnight(self, day: date) -> int:
        return self.clock.instant(datetime.combine(day, time()))

    def slot(self, score: float, start: int, free: int) -> Slot:
        end = start + self.search.duration
        fits = self.search.fits(start, free)
        return Slot(from_epoch_us(start), from_epoch_us(end), score, fits)


def viewer_timezone(name: str) -> str:
    """``name`` if pytz knows it; else a ``UsageError`` for ``--tz``."""
    import pytz

    try:
        pytz.timezone(name)
    except pytz.UnknownTimeZoneError:
        raise UsageError(f"--tz {name!r}: unknown time zone", hint="use an IANA name") from None
    return name


def _seconds(option: str, text: str | None, default: int) -> int:
    if text is None:
        return default
    try:
        return parse_duration(text).total_seconds
    except SpecError as error:
        raise UsageError(f"{option} {text!r}: {error}") from None


def _days(days: int | None, default: int) -> int:
    value = default if days is None else days
    if not 1 <= value <= MAX_DAYS:
        raise UsageError(f"--days {value}: must be 1 to {MAX_DAYS}")
    return value


def _top(top: int) -> int:
    if top < 1:
        raise UsageError(f"--top {top}: must be at least 1")
    return top


def plan_meeting(config: Config, options: PlanOptions, *, now: datetime) -> PlanReport:
    """The best slots where everyone can meet, ranked by the score (``search`` module
    docstring). When none fits, the report carries the near misses (with who blocks
    each and why) and, per participant, the best slot without them."""
    top = _top(options.top)
    plan = Plan(config, options, now, _days(options.days, config.meetings.days))
    everyone = plan.search.everyone
    found = plan.search.scored(everyone)
    near_misses: tuple[NearMiss, ...] = ()
    left_out: tuple[LeftOut, ...] = ()
    if not found:
        near_misses = _near_misses(plan, top)
        left_out = _left_out(plan)
    return PlanReport(
        participants=plan.participants,
        timezone=plan.timezone,
        start=from_epoch_us(plan.low),
        end=from_epoch_us(plan.high),
        duration=timedelta(seconds=plan.duration),
        fitting=len(found),
        slots=tuple(plan.slot(score, start, everyone) for score, start in best(found, top)),
        near_misses=near_misses,
        left_out=left_out,
    )


def _near_misses(plan: Plan, top: int) -> tuple[NearMiss, ...]:
    """The best slot of each segment where the fewest are blocked: the ``top`` best, at
    most ``MISSES_PER_GROUP`` blocked by the same people (the rest would say it again)."""
    search = plan.search
    by_blocked: dict[int, list[tuple[int, int, int]]] = {}
    for segment in search.segments:
        if segment[2]:
            blocked = (search.everyone ^ segment[2]).bit_count()
            by_blocked.setdefault(blocked, []).append(segment)
    chosen: list[tuple[float, int, int]] = []
    for blocked in sorted(by_blocked):
        misses = sorted(
            (-score, start, free)
            for low, high, free in by_blocked[blocked]
            for score, start in best(_within(search.scored(free), low, high), 1)
        )
        per_group: dict[int, int] = {}
        for miss in misses:
            per_group[miss[2]] = per_group.get(miss[2], 0) + 1
            if per_group[miss[2]] <= MISSES_PER_GROUP:
                chosen.append(miss)
        if len(chosen) >= top:
            break
    return tuple(_near_miss(plan, -negative, start, free) for negative, start, free in chosen[:top])


def _within(found: list[tuple[float, int]], low: int, high: int) -> list[tuple[float, int]]:
    """The ``(score, start)`` of ``found`` (in time order) that start in ``[low, high)``."""
    return found[bisect_left(found, low, key=_start) : bisect_left(found, high, key=_start)]


def _start(candidate: tuple[float, int]) -> int:
    return candidate[1]


def _near_miss(plan: Plan, score: float, start: int, free: int) -> NearMiss:
    end = start + plan.search.duration
    blocked = tuple(
        (p.name, blocker(p, plan.calendars, start, end))
        for i, p in enumerate(plan.participants)
        if not free >> i & 1
    )
    return NearMiss(plan.slot(score, start, free), blocked)


def _left_out(plan: Plan) -> tuple[LeftOut, ...]:
    """Per participant, the best slot that fits everyone else (where one does)."""
    search = plan.search
    results: list[LeftOut] = []
    for i, participant in enumerate(plan.participants):
        others = search.everyone ^ (1 << i)
        found = search.scored(others) if others else []
        for score, start in best(found, 1):
            results.append(LeftOut(participant.name, len(found), plan.slot(score, start, others)))
    return tuple(sorted(results, key=lambda r: (-r.slot.score, r.slot.start)))


def plan_series(
    config: Config, options: PlanOptions, *, count: int, rotate: bool, now: datetime
) -> SeriesReport:
    """A weekly series of ``count`` meetings, one slot per week (a week with nothing
    that fits gets none).

    Without ``rotate`` each week takes its best slot by score. With ``rotate`` each week
    takes the slot that least raises the sum of squares of everyone's running
    inconvenience totals (then the better score, then the earlier slot): a slot that
    troubles nobody always wins, and when someone must be troubled, the burden goes to
    whoever has carried least so far.
    """
    if options.days is not None:
        raise UsageError(
            "--days does not apply to a recurring meeting: the window is --count weeks"
        )
    if not 1 <= count <= 53:
        raise UsageError(f"--count {count}: must be 1 to 53 weeks")
    plan = Plan(config, options, now, 7 * count)
    everyone = plan.search.everyone
    found = plan.search.scored(everyone)
    totals = [[0, 0, 0, 0] for _ in plan.participants]  # inconvenience, early, late, soft
    weeks: list[Week] = []
    for number in range(count):
        low = max(plan.low, plan.midnight(plan.first_day + timedelta(weeks=number)))
        high = plan.midnight(plan.first_day + timedelta(weeks=number + 1))
        week = _within(found, low, high)
        slot = _pick(plan, week, totals) if rotate else _best_slot(plan, week)
        if slot is not None:
            _add_burden(totals, slot.fits)
        weeks.append(Week(number + 1, from_epoch_us(low), from_epoch_us(high), slot))
    return SeriesReport(
        participants=plan.participants,
        timezone=plan.timezone,
        duration=timedelta(seconds=plan.duration),
        rotate=rotate,
        weeks=tuple(weeks),
        totals=tuple(
            Burden(p.name, *total) for p, total in zip(plan.participants, totals, strict=True)
        ),
    )


def _best_slot(plan: Plan, week: Sequence[tuple[float, int]]) -> Slot | None:
    return next((plan.slot(s, t, plan.search.everyone) for s, t in best(week, 1)), None)


def _pick(plan: Plan, week: Sequence[tuple[float, int]], totals: list[list[int]]) -> Slot | None:
    def burden(slot: Slot) -> tuple[int, float, datetime]:
        raised = sum(
            (total[0] + fit.inconvenience) ** 2
            for total, fit in zip(totals, slot.fits, strict=True)
            if fit is not None
        )
        return raised, -slot.score, slot.start

    slots = [plan.slot(score, start, plan.search.everyone) for score, start in week]
    return min(slots, key=burden, default=None)


def _add_burden(totals: list[list[int]], fits: Sequence[Fit | None]) -> None:
    for total, fit in zip(totals, fits, strict=True):
        if fit is None:
            continue
        total[0] += fit.inconvenience
        total[1] += fit.mark.endswith("early")
        total[2] += fit.mark.endswith("late")
        total[3] += fit.inconvenience == SOFT


def overlap_day(
    config: Config,
    participants: Sequence[str],
    day: date | None,
    *,
    timezone: str | None,
    now: datetime,
) -> OverlapReport:
    """The hours of ``day`` (the viewer's local date; default today) with, for each
    participant, their local time and whether the hour is free (working or soft hours,
    part of it) or why not."""
    if day is None:
        clock = Clock(viewer_timezone(timezone or config.timezone))
        day = clock.wall(to_epoch_us(now)).date()
    plan = Plan(config, PlanOptions(tuple(participants), start=day, timezone=timezone), now, 1)
    hours = []
    for start in range(plan.low, plan.high, HOUR):
        cells = tuple(
            Cell(
                plan.calendars.working(a.participant).local_wall_us(start),
                _status(plan, a, start, min(start + HOUR, plan.high)),
            )
            for a in plan.search.availabilities
        )
        hours.append(Hour(from_epoch_us(start), cells))
    return OverlapReport(plan.participants, plan.timezone, plan.first_day, tuple(hours))


def _status(plan: Plan, availability: Availability, start: int, end: int) -> str:
    hour: list[Interval] = [(start, end)]
    working = merge((p.start, p.end) for p in availability.pieces if not p.soft)
    if not subtract(hour, working):
        return "work"
    if not subtract(hour, availability.stretches):
        return "soft"
    if subtract(hour, availability.stretches) != hour:
        return "part"
    why = blocker(availability.participant, plan.calendars, start, end)
    return "off" if why.kind == "hours" else why.kind
