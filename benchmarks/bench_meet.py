"""Meeting planner: the interval sweep against a brute-force check of every step.

Target (issue 6): 30 participants, 60 days, 5-minute step: ≤ 0.5 s of work after
start-up, and ≥ 20× faster than the baseline below, in the same run.

The baseline is the planner without interval arithmetic: it resolves the same
participants and builds the same calendars, then takes every start on the same
5-minute grid and asks each participant's calendars, through timekit's queries, whether
the whole slot is working time or meeting hours and off leave; the slots that pass are
scored exactly as the planner scores them. Both must return the same ranked slots.

    python3 benchmarks/bench_meet.py [--runs 5] [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from supportctl.config.model import Agent, Calendar, Config, HolidaySource, Leave
from supportctl.meet.availability import Availability, Calendars, on_leave
from supportctl.meet.planner import Plan, PlanOptions, PlanReport, plan_meeting
from supportctl.meet.search import Search, assess, best, score
from supportctl.timekit.calendar import US_PER_SECOND, BusinessCalendar
from supportctl.timekit.spec import parse_weekly_hours

TARGET_SECONDS = 0.5
TARGET_RATIO = 20.0
NOW = datetime(2026, 10, 1, tzinfo=UTC)
OFFICES = {  # zone, weekly hours, holiday country
    "riyadh": ("Asia/Riyadh", {"sun-thu": "09:00-17:00"}, "SA"),
    "cairo": ("Africa/Cairo", {"sun-thu": "09:00-17:00"}, "EG"),
    "dubai": ("Asia/Dubai", {"mon-thu": "07:30-15:30", "fri": "07:30-12:00"}, "AE"),
    "casablanca": ("Africa/Casablanca", {"mon-fri": "09:00-12:30,14:00-18:00"}, "MA"),
    "london": ("Europe/London", {"mon-fri": "09:00-17:30"}, "GB"),
    "kolkata": ("Asia/Kolkata", {"mon-fri": "09:30-18:30"}, "IN"),
}


def team_config(size: int = 30) -> Config:
    """``size`` agents spread over six offices; every third takes calls in wider meeting
    hours, every fifth has three days of leave in the window."""
    calendars = {
        name: Calendar(name, zone, parse_weekly_hours(hours), HolidaySource(country))
        for name, (zone, hours, country) in OFFICES.items()
    }
    offices = list(OFFICES)
    team = []
    for number in range(size):
        office = offices[number % len(offices)]
        leave_start = date(2026, 10, 5) + timedelta(days=9 * (number % 7))
        team.append(
            Agent(
                id=f"agent{number:02d}",
                name=f"Agent {number}",
                calendar=office,
                meeting_hours=parse_weekly_hours({"mon-sun": "07:00-20:00"})
                if number % 3 == 0
                else None,
                leave=(Leave(leave_start, leave_start + timedelta(days=2)),)
                if number % 5 == 0
                else (),
            )
        )
    return Config(
        path="bench", version=1, timezone="UTC", store="", language="en",
        calendars=calendars, team=tuple(team),
    )  # fmt: skip


def options(config: Config, days: int, first: date = date(2026, 10, 5)) -> PlanOptions:
    return PlanOptions(
        tuple(agent.id for agent in config.team),
        duration="45m",
        step="5m",
        days=days,
        start=first,
        top=10,
        timezone="Europe/London",
    )


def brute_force(config: Config, request: PlanOptions, now: datetime) -> list[tuple[float, int]]:
    """Every grid step against every participant, through timekit's per-instant queries."""
    plan = Plan(config, request, now, request.days or 1)
    search: Search = plan.search
    duration = search.duration
    checks = [_participant_check(plan.calendars, a, duration) for a in search.availabilities]
    found = []
    for start in search.grid.points(plan.low, plan.high - duration + 1):
        if all([check(start) for check in checks]):  # every participant, no short cut
            end = start + duration
            fits = [assess(a, start, end, search.margin) for a in search.availabilities]
            found.append((score(fits), start))
    return best(found, request.top)


def _participant_check(
    calendars: Calendars, availability: Availability, duration: int
) -> Callable[[int], bool]:
    participant = availability.participant
    working = calendars.working(participant)
    soft = calendars.soft(participant)

    def covered(calendar: BusinessCalendar, start: int) -> bool:
        return calendar.elapsed_us(start, start + duration) == duration

    def shift_day_free(calendar: BusinessCalendar, start: int) -> bool:
        return not on_leave(participant, calendar.shift_day_us(start))

    def check(start: int) -> bool:
        if covered(working, start):
            return shift_day_free(working, start)
        if soft is None:
            return False
        if covered(soft, start):
            return shift_day_free(soft, start)
        # Working time and meeting hours together (neither alone): minute by minute.
        opened = working if working.is_open_us(start) else soft
        return opened.is_open_us(start) and (
            _covered_by_either(working, soft, start, duration) and shift_day_free(opened, start)
        )

    return check


def _covered_by_either(
    working: BusinessCalendar, soft: BusinessCalendar, start: int, duration: int
) -> bool:
    """Whether every minute of the slot is working time or meeting hours."""
    minute = 60 * US_PER_SECOND
    return all(
        working.is_open_us(t) or soft.is_open_us(t) for t in range(start, start + duration, minute)
    )


def median_seconds(function: Callable[[], Any], runs: int) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="7 days from 12 Oct, 2 runs")
    args = parser.parse_args()
    days, runs = (7, 2) if args.quick else (60, args.runs)
    config = team_config()
    request = options(config, days, date(2026, 10, 12)) if args.quick else options(config, days)
    started = time.perf_counter()
    report: PlanReport = plan_meeting(config, request, now=NOW)
    cold = time.perf_counter() - started
    expected = brute_force(config, request, NOW)
    got = [(slot.score, int(slot.start.timestamp() * US_PER_SECOND)) for slot in report.slots]
    if got != expected:
        print(f"MISMATCH: sweep {got[:3]}... brute force {expected[:3]}...")
        return 1
    sweep = median_seconds(lambda: plan_meeting(config, request, now=NOW), runs)
    baseline = median_seconds(lambda: brute_force(config, request, NOW), max(1, runs // 2))
    ratio = baseline / sweep
    print(
        f"{len(config.team)} participants, {days} days, 5-minute step, 45m: "
        f"{report.fitting} slots fit everyone; both return the same top {len(got)}"
    )
    print(f"brute force (baseline)   {baseline * 1000:8.1f} ms  median of {max(1, runs // 2)}")
    print(f"sweep (plan_meeting)     {sweep * 1000:8.1f} ms  median of {runs}  "
          f"(first call, holiday data loaded: {cold * 1000:.1f} ms)")  # fmt: skip
    fast = sweep <= TARGET_SECONDS
    fair = ratio >= TARGET_RATIO
    print(f"work ≤ {TARGET_SECONDS} s: {'ok' if fast else 'OVER'}")
    print(f"speed-up {ratio:.1f}x (target ≥ {TARGET_RATIO:.0f}x): {'ok' if fair else 'UNDER'}")
    return 0 if (fast and fair) or args.quick else 1


if __name__ == "__main__":
    sys.exit(main())
