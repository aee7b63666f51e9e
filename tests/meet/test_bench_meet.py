"""The sweep against the benchmark's brute force: the same ranked slots on random teams
across DST changes, half-hour and 45-minute zones, night shifts, soft hours, holidays and
leave; and the benchmark itself runs."""

from __future__ import annotations

import sys
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks import bench_meet
from supportctl.config.model import Agent, Calendar, HolidaySource, Leave
from supportctl.meet.planner import PlanOptions, plan_meeting
from supportctl.timekit.calendar import US_PER_SECOND
from supportctl.timekit.spec import parse_weekly_hours
from tests.meet.conftest import config, utc

ZONES = {  # zone → holiday country (None: no holidays)
    "Europe/London": "GB",
    "America/New_York": "US",
    "Asia/Riyadh": "SA",
    "Asia/Kolkata": None,
    "Asia/Tehran": None,
    "Australia/Lord_Howe": None,  # a half-hour DST change (5 Apr, 4 Oct 2026)
    "Pacific/Chatham": None,  # +12:45 / +13:45
    "UTC": None,
}
WINDOWS = [  # 4 days each, around a DST change or a holiday
    date(2026, 3, 6),  # US spring forward 8 Mar
    date(2026, 3, 27),  # EU spring forward 29 Mar
    date(2026, 3, 17),  # Eid al-Fitr in SA
    date(2026, 4, 3),  # Lord Howe and Chatham fall back 5 Apr
    date(2026, 10, 23),  # EU fall back 25 Oct
    date(2026, 10, 30),  # US fall back 1 Nov
]
DAY_KEYS = ["mon-fri", "sun-thu", "mon-sun", "sat-wed"]


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def members(draw: st.DrawFn, index: int) -> tuple[Calendar, Agent, int | None]:
    zone = draw(st.sampled_from(sorted(ZONES)))
    start = draw(st.integers(0, 47)) * 30
    length = draw(st.integers(2, 24)) * 30
    end = start + length
    hours = f"{_clock(start)}-{_clock(end if end <= 1440 else end - 1440)}"
    days = draw(st.sampled_from(DAY_KEYS))
    holidays = HolidaySource(ZONES[zone]) if ZONES[zone] and draw(st.booleans()) else None
    calendar = Calendar(f"c{index}", zone, parse_weekly_hours({days: hours}), holidays)
    wider = end <= 1380 and start >= 60 and draw(st.booleans())
    meeting = f"{_clock(start - 60)}-{_clock(end + 60)}" if wider else None
    leave_day = draw(st.none() | st.integers(0, 3))
    agent = Agent(
        id=f"p{index}",
        name=f"P{index}",
        calendar=calendar.name,
        meeting_hours=parse_weekly_hours({days: meeting}) if meeting else None,
    )
    return calendar, agent, leave_day


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(2, 3).flatmap(lambda n: st.tuples(*(members(i) for i in range(n)))),
    st.sampled_from(WINDOWS),
    st.sampled_from(sorted(ZONES)),
    st.sampled_from(["15m", "30m", "1h"]),
    st.sampled_from(["30m", "45m", "1h", "1h30m"]),
)
def test_the_sweep_ranks_exactly_what_the_brute_force_finds(
    team: tuple, first: date, viewer: str, step: str, duration: str
) -> None:
    calendars, agents = [], []
    for calendar, agent, leave_day in team:
        if leave_day is not None:
            day = first + timedelta(days=leave_day)
            agent = Agent(**{**vars(agent), "leave": (Leave(day, day),)})
        calendars.append(calendar)
        agents.append(agent)
    setup = config(calendars, agents)
    request = PlanOptions(
        tuple(a.id for a in agents), duration=duration, step=step, days=4, start=first,
        top=10_000, timezone=viewer,
    )  # fmt: skip
    report = plan_meeting(setup, request, now=utc(2026, 1, 1))
    swept = [(slot.score, int(slot.start.timestamp()) * US_PER_SECOND) for slot in report.slots]
    assert swept == bench_meet.brute_force(setup, request, utc(2026, 1, 1))


def test_the_quick_benchmark_prints_both_timings_and_the_ratio(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["bench_meet.py", "--quick"])
    assert bench_meet.main() == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("30 participants, 7 days, 5-minute step, 45m: ")
    assert "both return the same top 10" in lines[0]
    assert lines[1].startswith("brute force (baseline)") and lines[2].startswith("sweep")
    assert lines[-1].startswith("speed-up ")
