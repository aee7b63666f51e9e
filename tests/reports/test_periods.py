"""Report periods and time steps in the team's zone (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from supportctl.errors import ConfigError, UsageError
from supportctl.reports.periods import LocalClock, Period, resolve_period, time_buckets

NOW = datetime(2026, 11, 18, 9, tzinfo=UTC)  # a Wednesday
RIYADH = LocalClock("Asia/Riyadh")


def days(period: Period) -> tuple[str, str, str]:
    return (period.label, period.first_day.isoformat(), period.end_day.isoformat())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026", ("2026", "2026-01-01", "2027-01-01")),
        ("2026-q4", ("2026-Q4", "2026-10-01", "2027-01-01")),
        ("2026-02", ("2026-02", "2026-02-01", "2026-03-01")),
        ("2026-11-05", ("2026-11-05", "2026-11-05", "2026-11-06")),
    ],
)
def test_named_periods(text: str, expected: tuple[str, str, str]) -> None:
    assert days(resolve_period(RIYADH, now=NOW, period=text)) == expected


@pytest.mark.parametrize(
    ("last", "week_start", "expected"),
    [
        ("month", "sun", ("2026-10-01", "2026-11-01")),
        ("week", "sun", ("2026-11-08", "2026-11-15")),
        ("week", "mon", ("2026-11-09", "2026-11-16")),
        ("week", "sat", ("2026-11-07", "2026-11-14")),
        ("quarter", "sun", ("2026-07-01", "2026-10-01")),
        ("year", "sun", ("2025-01-01", "2026-01-01")),
        ("day", "sun", ("2026-11-17", "2026-11-18")),
        ("7d", "sun", ("2026-11-11", "2026-11-18")),
    ],
)
def test_the_last_complete_one(last: str, week_start: str, expected: tuple[str, str]) -> None:
    period = resolve_period(RIYADH, now=NOW, last=last, week_start=week_start)
    assert days(period)[1:] == expected


def test_since_and_until_include_both_days() -> None:
    period = resolve_period(RIYADH, now=NOW, since="2026-03-01", until="2026-03-31")
    assert days(period) == ("2026-03-01..2026-03-31", "2026-03-01", "2026-04-01")
    # Riyadh is UTC+3 all year: the period starts at 21:00 UTC the evening before.
    assert period.start == int(datetime(2026, 2, 28, 21, tzinfo=UTC).timestamp())


def test_a_midnight_the_clocks_skip_starts_the_day_at_the_change() -> None:
    # Cairo springs forward at 00:00 on the last Friday of April: 24 Apr 2026 begins at 01:00.
    cairo = LocalClock("Africa/Cairo")
    assert cairo.midnight(date(2026, 4, 24)) == int(
        datetime(2026, 4, 23, 22, tzinfo=UTC).timestamp()
    )
    assert cairo.local(cairo.midnight(date(2026, 4, 24))).strftime("%H:%M %Z") == "01:00 EEST"


def test_offsets_change_at_the_transitions() -> None:
    london = LocalClock("Europe/London")
    start, end = (int(datetime(2026, m, 1, tzinfo=UTC).timestamp()) for m in (1, 12))
    changes, offsets = london.offsets(start, end)
    assert changes == (
        int(datetime(2026, 3, 29, 1, tzinfo=UTC).timestamp()),
        int(datetime(2026, 10, 25, 1, tzinfo=UTC).timestamp()),
    )
    assert offsets == (0, 3600, 0)
    assert RIYADH.offsets(start, end) == ((), (10800,))


def test_steps_clip_to_the_period() -> None:
    period = resolve_period(RIYADH, now=NOW, since="2026-03-04", until="2026-05-10")
    assert [b.label for b in time_buckets(RIYADH, period, "month", "sun")] == [
        "2026-03",
        "2026-04",
        "2026-05",
    ]
    weeks = time_buckets(RIYADH, period, "week", "sat")
    assert [b.first_day.isoformat() for b in weeks[:2]] == ["2026-03-04", "2026-03-07"]
    assert weeks[-1].end_day == date(2026, 5, 11)
    quarters = time_buckets(
        RIYADH, resolve_period(RIYADH, now=NOW, period="2026"), "quarter", "sun"
    )
    assert [b.label for b in quarters] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"period": "2026-13"}, "--period '2026-13' is not a date"),
        ({"period": "26"}, "--period '26' is not a period"),
        ({"last": "0d"}, "--last '0d' is not a period"),
        ({"since": "yesterday"}, "--since 'yesterday' is not a date"),
        ({"period": "2026", "since": "2026-01-01"}, "give one of --period, --since/--until"),
    ],
)
def test_bad_periods(options: dict[str, str], message: str) -> None:
    with pytest.raises(UsageError, match=message.replace("(", r"\(")):
        resolve_period(RIYADH, now=NOW, **options)


def test_an_unknown_zone_names_the_config_key() -> None:
    with pytest.raises(ConfigError) as caught:
        LocalClock("Mars/Olympus")
    assert str(caught.value) == "reports.timezone: unknown time zone 'Mars/Olympus'"
