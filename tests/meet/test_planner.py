"""The planner on hand-worked cases: the score, marks, soft hours, exclusions, DST,
half-hour zones, the viewer's step grid, near misses and leaving someone out."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

import pytest

from supportctl.config.model import Closure, Leave
from supportctl.errors import UsageError
from supportctl.meet.planner import PlanOptions, PlanReport, plan_meeting
from tests.meet.conftest import agent, calendar, config, utc, wall

OFFICE = calendar("office", "UTC", {"mon-fri": "09:00-17:00"})
LONDON = calendar("london", "Europe/London", {"mon-fri": "09:00-17:00"})
RIYADH = calendar(
    "riyadh",
    "Asia/Riyadh",
    {"sun-thu": "09:00-17:00"},
    "SA",
    closures=(Closure("Office move", utc(2026, 3, 10, 10), utc(2026, 3, 10, 14)),),
)
CAIRO = calendar("cairo", "Africa/Cairo", {"sun-thu": "09:00-17:00"})
NIGHT = calendar("night", "Asia/Riyadh", {"sat-thu": "22:00-06:00"})
TEAM = config(
    [OFFICE, LONDON, RIYADH, CAIRO, NIGHT],
    [
        agent("a", "office"),
        agent("b", "office"),
        agent("c", "office", meeting_hours={"mon-fri": "08:00-19:00"}),
        agent("lon", "london"),
        agent("omar", "riyadh", leave=[Leave(date(2026, 3, 29), date(2026, 4, 2), "annual")]),
        agent("alice", "cairo"),
        agent("sara", "night"),
    ],
)
NOW = utc(2026, 1, 1)
MONDAY = date(2026, 1, 5)


def plan(*who: str, **options: object) -> PlanReport:
    defaults: dict = {"duration": "1h", "step": "15m", "timezone": "UTC", "top": 1000}
    return plan_meeting(TEAM, PlanOptions(who, **{**defaults, **options}), now=NOW)


def by_start(report: PlanReport) -> dict[datetime, object]:
    return {slot.start: slot for slot in report.slots}


def test_the_middle_of_the_day_scores_100_and_earlier_days_break_ties() -> None:
    report = plan("a", "b", start=MONDAY, days=7, top=3)
    assert [(s.start, s.score) for s in report.slots] == [
        (utc(2026, 1, 5, 12, 30), 100.0),
        (utc(2026, 1, 6, 12, 30), 100.0),
        (utc(2026, 1, 7, 12, 30), 100.0),
    ]
    assert report.fitting == 29 * 5  # 09:00 to 16:00 every 15 minutes, Mon-Fri
    assert report.slots[0].end == utc(2026, 1, 5, 13, 30)


def test_centrality_falls_to_the_edges_and_edges_cost_ten_per_person() -> None:
    slots = by_start(plan("a", "b", start=MONDAY, days=1))
    scores = {start.strftime("%H:%M"): slot.score for start, slot in slots.items()}
    # slack = (8h - 1h) / 2 = 3.5h; centrality = the nearer gap / 3.5h
    assert scores["12:15"] == scores["12:45"] == round(100 * 3.25 / 3.5, 1) == 92.9
    assert scores["10:00"] == round(100 * 1 / 3.5, 1) == 28.6  # one hour in: no mark
    assert scores["09:15"] == round(100 * 0.25 / 3.5 - 20, 1) == -12.9  # both early
    assert scores["09:00"] == -20.0 and scores["16:00"] == -20.0
    early = slots[utc(2026, 1, 5, 9, 15)]
    late = slots[utc(2026, 1, 5, 15, 30)]
    assert [fit.mark for fit in early.fits] == ["early", "early"]
    assert [fit.mark for fit in late.fits] == ["late", "late"]
    assert [fit.inconvenience for fit in late.fits] == [1, 1]


def test_soft_hours_are_allowed_marked_and_cost_thirty() -> None:
    slots = by_start(plan("c", "g=UTC mon-fri 16:00-22:00", start=MONDAY, days=1))
    assert sorted(s.strftime("%H:%M") for s in slots)[0::4] == ["16:00", "17:00", "18:00"]
    assert max(s.strftime("%H:%M") for s in slots) == "18:00"  # c's meeting hours end 19:00
    at_18 = slots[utc(2026, 1, 5, 18)]
    assert [fit.mark for fit in at_18.fits] == ["soft late", ""]
    # g: min(2h, 3h) / ((6h - 1h) / 2) = 0.8; c in soft hours: 0 and -30
    assert at_18.score == round(100 * 0.8 / 2 - 30, 1) == 10.0
    at_16 = slots[utc(2026, 1, 5, 16)]
    assert [fit.mark for fit in at_16.fits] == ["late", "early"] and at_16.score == -20.0
    early_soft = by_start(plan("c", "g=UTC 06:00-12:00", start=MONDAY, days=1))
    assert early_soft[utc(2026, 1, 5, 8)].fits[0].mark == "soft early"


def test_plans_are_exact_across_the_european_and_american_dst_changes() -> None:
    """London leaves BST on Sun 25 Oct 2026, New York leaves EDT on Sun 1 Nov: for the
    week between, the two offices overlap an hour longer."""
    report = plan(
        "lon", "ny=America/New_York mon-fri 09:00-17:00", start=date(2026, 10, 19), days=21
    )
    per_day: dict[date, list[datetime]] = defaultdict(list)
    for slot in report.slots:
        per_day[slot.start.date()].append(slot.start)
    summary = {
        day: (min(starts).strftime("%H:%M"), max(starts).strftime("%H:%M"), len(starts))
        for day, starts in sorted(per_day.items())
    }
    before = ("13:00", "15:00", 9)  # London 14:00-17:00 BST = New York 09:00-12:00 EDT
    between = ("13:00", "16:00", 13)  # London 13:00-17:00 GMT = New York 09:00-13:00 EDT
    after = ("14:00", "16:00", 9)  # London 14:00-17:00 GMT = New York 09:00-12:00 EST
    assert summary == {
        **{date(2026, 10, d): before for d in range(19, 24)},
        **{date(2026, 10, d): between for d in range(26, 31)},
        **{date(2026, 11, d): after for d in range(2, 7)},
    }
    # Between 14:00 and 15:00 London the two centralities trade off evenly (both days are
    # 09:00-17:00): the earliest of the equals wins.
    best = report.slots[0]
    assert wall(best.start, "Europe/London") == "2026-10-26 14:00"
    assert wall(best.start, "America/New_York") == "2026-10-26 10:00"
    assert best.score == round(100 * (2 / 3.5 + 1 / 3.5) / 2, 1) == 42.9


@pytest.mark.parametrize(
    "viewer,starts",
    [
        ("Asia/Kolkata", ["04:30", "05:30", "06:30", "07:30", "08:30", "09:30", "10:30"]),
        ("UTC", ["05:00", "06:00", "07:00", "08:00", "09:00", "10:00"]),
        ("Asia/Kathmandu", ["05:15", "06:15", "07:15", "08:15", "09:15", "10:15"]),
    ],
)
def test_half_hour_zones_and_a_grid_on_the_viewers_clock(viewer: str, starts: list[str]) -> None:
    # Kolkata 09:00-17:00 (+05:30) is 03:30-11:30 UTC; Tehran 08:00-16:00 (+03:30, no DST
    # since 2022) is 04:30-12:30 UTC: together 04:30-11:30 UTC.
    report = plan(
        "k=Asia/Kolkata 09:00-17:00",
        "t=Asia/Tehran 08:00-16:00",
        start=date(2026, 6, 1),
        days=1,
        step="1h",
        timezone=viewer,
    )
    assert sorted(s.start.strftime("%H:%M") for s in report.slots) == starts
    assert all(wall(s.start, viewer).endswith(":00") for s in report.slots)


def test_the_step_grid_follows_the_viewers_clock_across_a_dst_change() -> None:
    report = plan(
        "g=UTC 00:00-24:00", start=date(2026, 10, 24), days=3, step="2h", timezone="Europe/London"
    )
    walls = [wall(slot.start, "Europe/London") for slot in report.slots]
    assert all(w[11:13] in {f"{h:02d}" for h in range(0, 24, 2)} and w[14:] == "00" for w in walls)
    assert report.fitting == 36  # 12 even hours a day on the 24-, 25- and 24-hour days
    utc_hours = {slot.start.hour % 2 for slot in report.slots if slot.start.day == 24}
    assert utc_hours == {1}  # BST: even London hours are odd UTC hours


def test_holidays_closures_and_leave_take_their_days_away() -> None:
    report = plan("omar", "alice", start=date(2026, 3, 8), days=28, duration="45m")
    riyadh_days = {wall(slot.start, "Asia/Riyadh")[:10] for slot in report.slots}
    assert "2026-03-18" in riyadh_days and "2026-03-25" in riyadh_days
    eid = {f"2026-03-{d}" for d in range(19, 25)}  # SA's Eid al-Fitr (estimated) days
    leave = {"2026-03-29", "2026-03-30", "2026-03-31", "2026-04-01", "2026-04-02"}
    assert not riyadh_days & (eid | leave)
    moved_office = [
        slot for slot in report.slots if slot.start.date() == date(2026, 3, 10)
    ]  # closed 10:00-14:00 UTC (13:00-17:00 Riyadh): only the morning is left
    assert moved_office and all(slot.end <= utc(2026, 3, 10, 10) for slot in moved_office)


def test_a_night_shift_meets_across_midnight() -> None:
    report = plan("sara", "g=Asia/Riyadh 21:00-03:00", start=date(2026, 1, 4), days=1, top=1)
    slot = report.slots[0]
    # sara's centrality rises 1/3.5 an hour until 01:30, the guest's falls 1/2.5 an hour
    # after 23:30 (their day ends 03:00): the sum peaks at 23:30.
    assert wall(slot.start, "Asia/Riyadh") == "2026-01-04 23:30"
    assert slot.score == round(100 * (1.5 / 3.5 + 2.5 / 2.5) / 2, 1) == 71.4
    assert slot.fits[0].mark == "" and slot.fits[1].mark == ""


def test_when_nothing_fits_near_misses_name_who_blocks_and_why() -> None:
    report = plan("omar", "alice", "sara", start=date(2026, 3, 15), days=7, duration="45m", top=5)
    assert report.slots == () and report.fitting == 0
    assert report.near_misses and len(report.near_misses) <= 5
    blocked = [[(name, why.kind) for name, why in miss.blocked] for miss in report.near_misses]
    assert blocked[0] == [("sara", "hours")]
    assert "local; " in str(report.near_misses[0].blocked[0][1])
    first = report.near_misses[0]
    assert wall(first.slot.start, "Asia/Riyadh")[:10] == "2026-03-15"  # Sunday
    assert str(first.blocked[0][1]).startswith("hours (")
    assert str(first.blocked[0][1]).endswith("local; Sun 22:00-06:00)")
    without_sara = next(left for left in report.left_out if left.name == "sara")
    assert without_sara.fitting > 0
    assert without_sara.slot.fits[2] is None  # sara is the one left out


@pytest.mark.parametrize(
    "start,other,kind,detail",
    [
        (date(2026, 3, 19), "alice", "holiday", "Eid al-Fitr Holiday (estimated)"),
        (date(2026, 3, 29), "alice", "leave", "2026-03-29 to 2026-04-02, annual"),
        (date(2026, 1, 9), "a", "hours", "local; Fri no hours"),  # a Friday
        (date(2026, 3, 10), "g=UTC 10:30-13:30", "closure", "Office move"),
    ],
)
def test_each_kind_of_blocker_is_named(start: date, other: str, kind: str, detail: str) -> None:
    report = plan("omar", other, start=start, days=1, duration="1h", top=3)
    assert report.slots == ()
    reasons = {
        (why.kind, why.detail) for m in report.near_misses for n, why in m.blocked if n == "omar"
    }
    assert kind in {k for k, _ in reasons}
    assert any(d.endswith(detail) for k, d in reasons if k == kind), reasons


def test_without_from_slots_start_no_earlier_than_now() -> None:
    now = utc(2026, 1, 5, 12, 7)
    report = plan_meeting(
        TEAM, PlanOptions(("a",), duration="1h", days=1, timezone="UTC", top=100), now=now
    )
    assert min(slot.start for slot in report.slots) == utc(2026, 1, 5, 12, 15)
    assert report.start == now and report.end == utc(2026, 1, 6)


@pytest.mark.parametrize(
    "options,message",
    [
        ({"days": 0}, "--days 0: must be 1 to 366"),
        ({"days": 400}, "--days 400: must be 1 to 366"),
        ({"duration": "45 minutes"}, "--duration '45 minutes': malformed duration"),
        ({"step": "7m"}, "--step 7m: a step must divide a day evenly"),
        ({"timezone": "Mars/Base"}, "--tz 'Mars/Base': unknown time zone"),
        ({"top": 0}, "--top 0: must be at least 1"),
    ],
)
def test_bad_options_are_one_line_usage_errors(options: dict, message: str) -> None:
    with pytest.raises(UsageError) as raised:
        plan("a", **options)
    assert message in str(raised.value) and "\n" not in str(raised.value)
