"""Weekly series: one slot a week, and rotation sharing out the inconvenience."""

from __future__ import annotations

from datetime import date

import pytest

from supportctl.config.model import Leave
from supportctl.errors import UsageError
from supportctl.meet.planner import PlanOptions, SeriesReport, plan_series
from tests.meet.conftest import agent, calendar, config, utc, wall

TEAM = config([calendar("office", "UTC", {"mon-fri": "09:00-17:00"})], [agent("a", "office")])
# b works 06:00-11:00: with a (09:00-17:00) a one-hour meeting on the hour is either
# 09:00 (a early; score 15.0) or 10:00 (b late; score 4.3) — someone is always troubled.
WHO = ("a", "b=UTC mon-fri 06:00-11:00")


def series(rotate: bool, count: int = 4, **options: object) -> SeriesReport:
    request = PlanOptions(
        WHO, duration="1h", step="1h", start=date(2026, 1, 5), timezone="UTC", **options
    )
    return plan_series(TEAM, request, count=count, rotate=rotate, now=utc(2026, 1, 1))


def picks(report: SeriesReport) -> list[str]:
    return [wall(week.slot.start, "UTC") for week in report.weeks if week.slot]


def totals(report: SeriesReport) -> dict[str, tuple[int, int, int, int]]:
    return {t.name: (t.inconvenience, t.early, t.late, t.soft) for t in report.totals}


def test_without_rotation_every_week_takes_its_best_slot() -> None:
    report = series(rotate=False)
    assert picks(report) == [
        "2026-01-05 09:00", "2026-01-12 09:00", "2026-01-19 09:00", "2026-01-26 09:00"
    ]  # fmt: skip
    assert [week.slot.score for week in report.weeks if week.slot] == [15.0] * 4
    assert totals(report) == {"a": (4, 4, 0, 0), "b": (0, 0, 0, 0)}


def test_rotation_shares_the_inconvenience_out() -> None:
    report = series(rotate=True)
    assert picks(report) == [
        "2026-01-05 09:00", "2026-01-12 10:00", "2026-01-19 09:00", "2026-01-26 10:00"
    ]  # fmt: skip
    assert totals(report) == {"a": (2, 2, 0, 0), "b": (2, 0, 2, 0)}


def test_rotation_still_prefers_a_slot_that_troubles_nobody() -> None:
    request = PlanOptions(
        ("a", "c=UTC 06:00-13:00"), duration="1h", step="1h", start=date(2026, 1, 5)
    )
    report = plan_series(TEAM, request, count=3, rotate=True, now=utc(2026, 1, 1))
    assert {wall(w.slot.start, "UTC")[11:] for w in report.weeks if w.slot} == {"10:00"}
    assert totals(report) == {"a": (0, 0, 0, 0), "c": (0, 0, 0, 0)}


def test_a_week_where_nothing_fits_has_no_slot() -> None:
    holiday = config(
        [calendar("office", "UTC", {"mon-fri": "09:00-17:00"})],
        [agent("a", "office", leave=[Leave(date(2026, 1, 12), date(2026, 1, 18))])],
    )
    request = PlanOptions(("a",), duration="1h", start=date(2026, 1, 5), timezone="UTC")
    report = plan_series(holiday, request, count=3, rotate=False, now=utc(2026, 1, 1))
    assert [w.slot is None for w in report.weeks] == [False, True, False]
    assert [(w.start, w.end) for w in report.weeks][1] == (utc(2026, 1, 12), utc(2026, 1, 19))


@pytest.mark.parametrize(
    "count,options,message",
    [
        (0, {}, "--count 0: must be 1 to 53 weeks"),
        (4, {"days": 7}, "--days does not apply to a recurring meeting"),
    ],
)
def test_bad_series_options(count: int, options: dict, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        series(rotate=False, count=count, **options)
