"""supportctl's ``add_business`` against ``businesstimedelta``, same inputs, same process.

    python3 benchmarks/bench_business_time.py            # 100,000 calls
    python3 benchmarks/bench_business_time.py --quick    # 2,000 calls, for tests

1. Speed: Riyadh, Sun-Thu 09:00-17:00, SA holidays (businesstimedelta: a WorkDayRule and
   a HolidayRule on the same holiday dates), random minute-aligned starts in 2026-2027 and
   1-40 h durations. Both get the holiday dates precomputed; our timing includes building
   the calendar. Prints both times and the ratio (the target is 10x).
2. Agreement: every result compared; then night desks (22:00-06:00 every night) in London
   and New York, with starts over 2026 and extra ones on the DST weekends, and a London
   night desk with England's bank holidays. Each disagreement is sorted by where it is and
   checked against a minute-by-minute oracle that applies supportctl's documented rules
   directly to local wall-clock times, to say whose answer is right.
"""

from __future__ import annotations

import argparse
import random
import sys
import time as clock
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import businesstimedelta
import pytz

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from supportctl.config.model import Calendar, HolidaySource
from supportctl.timekit.business import add_business
from supportctl.timekit.calendar import BusinessCalendar
from supportctl.timekit.holidays import holiday_days
from supportctl.timekit.spec import Duration, parse_weekly_hours

FULL_CALLS = 100_000
QUICK_CALLS = 2_000
TARGET_RATIO = 10.0
# Answers per scenario and case checked against the (slow) oracle.
ORACLE_CHECKS = 200
QUICK_ORACLE_CHECKS = 20
MINUTE = timedelta(minutes=1)
SUN_TO_THU = (6, 0, 1, 2, 3)
EVERY_DAY = tuple(range(7))

OpenAt = Callable[[datetime], bool]  # aware local time → open?


@dataclass(frozen=True)
class Scenario:
    """One calendar, written for both engines and for the oracle."""

    name: str
    timezone: str
    hours: dict[str, str]
    holidays: HolidaySource | None
    work_start: time
    work_end: time
    working_days: tuple[int, ...]
    open_at: Callable[[datetime, frozenset[date]], bool]

    def holiday_dates(self, years: range) -> frozenset[date]:
        return frozenset(holiday_days(self.holidays, years)) if self.holidays else frozenset()

    def ours(self) -> BusinessCalendar:
        return BusinessCalendar.from_config(
            Calendar(self.name, self.timezone, parse_weekly_hours(self.hours), self.holidays)
        )

    def theirs(self, holiday_dates: frozenset[date]) -> businesstimedelta.Rule:
        zone = pytz.timezone(self.timezone)
        rules: list[businesstimedelta.Rule] = [
            businesstimedelta.WorkDayRule(
                start_time=self.work_start,
                end_time=self.work_end,
                working_days=list(self.working_days),
                tz=zone,
            )
        ]
        if holiday_dates:
            rules.append(businesstimedelta.HolidayRule(holiday_dates, tz=zone))
        return businesstimedelta.Rules(rules)


def _riyadh_open(local: datetime, holidays: frozenset[date]) -> bool:
    return local.weekday() in SUN_TO_THU and 9 <= local.hour < 17 and local.date() not in holidays


def _night_desk_open(local: datetime, holidays: frozenset[date]) -> bool:
    # The documented rule: a holiday cancels the shift starting on it, not the tail of
    # the one that began the evening before.
    if local.hour >= 22:
        return local.date() not in holidays
    return local.hour < 6 and local.date() - timedelta(days=1) not in holidays


RIYADH = Scenario(
    "riyadh",
    "Asia/Riyadh",
    {"sun-thu": "09:00-17:00"},
    HolidaySource("SA"),
    time(9),
    time(17),
    SUN_TO_THU,
    _riyadh_open,
)
NIGHT_DESKS = (
    Scenario(
        "london-night",
        "Europe/London",
        {"mon-sun": "22:00-06:00"},
        None,
        time(22),
        time(6),
        EVERY_DAY,
        _night_desk_open,
    ),
    Scenario(
        "new-york-night",
        "America/New_York",
        {"mon-sun": "22:00-06:00"},
        None,
        time(22),
        time(6),
        EVERY_DAY,
        _night_desk_open,
    ),
    Scenario(
        "london-night+bank-holidays",
        "Europe/London",
        {"mon-sun": "22:00-06:00"},
        HolidaySource("GB", "ENG"),
        time(22),
        time(6),
        EVERY_DAY,
        _night_desk_open,
    ),
)
DST_WEEKENDS = (  # Friday to Monday around each 2026 change, UTC
    (datetime(2026, 3, 6, tzinfo=UTC), datetime(2026, 3, 10, tzinfo=UTC)),  # New York, spring
    (datetime(2026, 3, 27, tzinfo=UTC), datetime(2026, 3, 31, tzinfo=UTC)),  # London, spring
    (datetime(2026, 10, 23, tzinfo=UTC), datetime(2026, 10, 27, tzinfo=UTC)),  # London, autumn
    (datetime(2026, 10, 30, tzinfo=UTC), datetime(2026, 11, 3, tzinfo=UTC)),  # New York, autumn
)


@dataclass
class Comparison:
    scenario: str
    calls: int
    disagreements: Counter[str] = field(default_factory=Counter)
    checked: Counter[str] = field(default_factory=Counter)
    ours_right: Counter[str] = field(default_factory=Counter)
    theirs_right: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)
    agreements_checked: int = 0
    agreements_right: int = 0


@dataclass
class BenchReport:
    calls: int
    ours_seconds: float
    theirs_seconds: float
    comparisons: list[Comparison]

    @property
    def ratio(self) -> float:
        return self.theirs_seconds / self.ours_seconds


def random_inputs(
    rng: random.Random, count: int, windows: Sequence[tuple[datetime, datetime]]
) -> list[tuple[datetime, int]]:
    """``count`` (minute-aligned UTC start, duration in minutes from 1 h to 40 h)."""
    inputs = []
    for _ in range(count):
        first, last = windows[rng.randrange(len(windows))]
        minutes = int((last - first) / MINUTE)
        inputs.append((first + rng.randrange(minutes) * MINUTE, rng.randint(60, 40 * 60)))
    return inputs


def time_ours(scenario: Scenario, inputs: list[tuple[datetime, int]]) -> tuple[float, list]:
    durations = [Duration(seconds=minutes * 60) for _, minutes in inputs]
    began = clock.perf_counter()
    calendar = scenario.ours()
    results = [
        add_business(calendar, start, duration)
        for (start, _), duration in zip(inputs, durations, strict=True)
    ]
    return clock.perf_counter() - began, results


def time_theirs(
    scenario: Scenario, inputs: list[tuple[datetime, int]], holiday_dates: frozenset[date]
) -> tuple[float, list]:
    rule = scenario.theirs(holiday_dates)
    deltas = [businesstimedelta.BusinessTimeDelta(rule, seconds=m * 60) for _, m in inputs]
    began = clock.perf_counter()
    results = [start + delta for (start, _), delta in zip(inputs, deltas, strict=True)]
    return clock.perf_counter() - began, results


def oracle_add(zone: pytz.BaseTzInfo, open_at: OpenAt, start: datetime, minutes: int) -> datetime:
    """Step minute by minute, reading each minute's local wall-clock time."""
    t, left = start, minutes
    while left:
        if open_at(t.astimezone(zone)):
            left -= 1
        t += MINUTE
    return t


def where(
    scenario: Scenario, start: datetime, ends: Sequence[datetime], holiday_dates: frozenset[date]
) -> str:
    """Which known case a disagreement falls in."""
    zone = pytz.timezone(scenario.timezone)
    local_start = start.astimezone(zone).time()
    if scenario.work_end < scenario.work_start:
        if local_start >= scenario.work_start:
            return "start in the evening part of an overnight shift"
        if local_start < scenario.work_end:
            return "start in the after-midnight part of an overnight shift"
    hours = range(int((max(ends) - start) / timedelta(hours=1)) + 2)
    local_times = [(start + timedelta(hours=h)).astimezone(zone) for h in hours]
    if {local.date() for local in local_times} & holiday_dates:
        return "overnight shift next to a holiday"
    if len({local.utcoffset() for local in local_times}) > 1:
        return "across a DST change"
    return "other"


def compare(
    scenario: Scenario,
    inputs: list[tuple[datetime, int]],
    ours: list[datetime],
    theirs: list[datetime],
    holiday_dates: frozenset[date],
    oracle_checks: int,
) -> Comparison:
    zone = pytz.timezone(scenario.timezone)
    comparison = Comparison(scenario.name, len(inputs))

    def oracle(start: datetime, minutes: int) -> datetime:
        return oracle_add(
            zone, lambda local: scenario.open_at(local, holiday_dates), start, minutes
        )

    for (start, minutes), our_end, their_end in zip(inputs, ours, theirs, strict=True):
        if our_end == their_end:
            if comparison.agreements_checked < oracle_checks:
                comparison.agreements_checked += 1
                comparison.agreements_right += our_end == oracle(start, minutes)
            continue
        case = where(scenario, start, (our_end, their_end), holiday_dates)
        comparison.disagreements[case] += 1
        if comparison.checked[case] >= oracle_checks:
            continue
        comparison.checked[case] += 1
        right = oracle(start, minutes)
        comparison.ours_right[case] += our_end == right
        comparison.theirs_right[case] += their_end == right
        comparison.examples.setdefault(
            case,
            f"{start.astimezone(zone):%a %Y-%m-%d %H:%M %Z} + {minutes // 60}h{minutes % 60:02d}m:"
            f" ours {our_end.astimezone(zone):%a %Y-%m-%d %H:%M %Z},"
            f" businesstimedelta {their_end.astimezone(zone):%a %Y-%m-%d %H:%M %Z},"
            f" oracle {right.astimezone(zone):%a %Y-%m-%d %H:%M %Z}",
        )
    return comparison


def run(calls: int, seed: int, oracle_checks: int = ORACLE_CHECKS) -> BenchReport:
    rng = random.Random(seed)
    # businesstimedelta looks up to five years ahead for the next holiday and fails when
    # there is none, so it gets dates well past the starts. Our calendar also reads the
    # last day of 2025 (an overnight shift can run into 2026); all are loaded untimed.
    holiday_years = range(2025, 2032)
    riyadh_holidays = RIYADH.holiday_dates(holiday_years)
    inputs = random_inputs(
        rng, calls, [(datetime(2026, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC))]
    )
    ours_seconds, ours = time_ours(RIYADH, inputs)
    theirs_seconds, theirs = time_theirs(RIYADH, inputs, riyadh_holidays)
    comparisons = [compare(RIYADH, inputs, ours, theirs, riyadh_holidays, oracle_checks)]

    night_windows = [
        (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)),
        *DST_WEEKENDS,
    ]
    for scenario in NIGHT_DESKS:
        night_inputs = random_inputs(rng, max(calls // 10, 200), night_windows)
        holiday_dates = scenario.holiday_dates(holiday_years)
        _, night_ours = time_ours(scenario, night_inputs)
        _, night_theirs = time_theirs(scenario, night_inputs, holiday_dates)
        comparisons.append(
            compare(scenario, night_inputs, night_ours, night_theirs, holiday_dates, oracle_checks)
        )
    return BenchReport(calls, ours_seconds, theirs_seconds, comparisons)


def print_report(report: BenchReport) -> None:
    print(f"add_business, {report.calls:,} calls, Riyadh Sun-Thu 09:00-17:00 + SA holidays")
    print(
        f"  supportctl        {report.ours_seconds:8.3f} s"
        f"  ({report.ours_seconds / report.calls * 1e6:7.2f} us/call)"
    )
    print(
        f"  businesstimedelta {report.theirs_seconds:8.3f} s"
        f"  ({report.theirs_seconds / report.calls * 1e6:7.2f} us/call)"
    )
    verdict = "meets" if report.ratio >= TARGET_RATIO else "MISSES"
    print(f"  ratio             {report.ratio:8.1f}x  ({verdict} the {TARGET_RATIO:.0f}x target)")
    for comparison in report.comparisons:
        total = sum(comparison.disagreements.values())
        print(
            f"\n{comparison.scenario}: {total} disagreements in {comparison.calls:,} calls;"
            f" the oracle confirms {comparison.agreements_right}/{comparison.agreements_checked}"
            " of the agreed answers checked"
        )
        for case, count in comparison.disagreements.most_common():
            checked = comparison.checked[case]
            print(f"  {count:6d}  {case}")
            print(
                f"          oracle agrees with supportctl {comparison.ours_right[case]}/{checked},"
                f" with businesstimedelta {comparison.theirs_right[case]}/{checked}"
            )
            print(f"          e.g. {comparison.examples[case]}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_CALLS:,} calls")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    if args.quick:
        report = run(QUICK_CALLS, args.seed, QUICK_ORACLE_CHECKS)
    else:
        report = run(FULL_CALLS, args.seed)
    print_report(report)
    return 0 if report.ratio >= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
