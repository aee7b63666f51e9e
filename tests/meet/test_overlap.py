"""``overlap_day``: the day's hours in every participant's zone, with each hour's status."""

from __future__ import annotations

from datetime import date

from supportctl.config.model import Leave
from supportctl.meet.planner import OverlapReport, overlap_day
from tests.meet.conftest import agent, calendar, config, utc, wall

TEAM = config(
    [
        calendar("london", "Europe/London", {"mon-fri": "09:00-17:00"}),
        calendar("riyadh", "Asia/Riyadh", {"sun-thu": "09:00-17:00"}, "SA"),
    ],
    [
        agent("lon", "london", meeting_hours={"mon-fri": "08:00-18:00"}),
        agent("omar", "riyadh"),
        agent("layla", "riyadh", leave=[Leave(date(2026, 10, 27), date(2026, 10, 27))]),
    ],
    timezone="Europe/London",
)
WHO = (
    "lon",
    "omar",
    "layla",
    "ny=America/New_York mon-fri 09:00-17:00",
    "k=Asia/Kolkata 09:00-17:00",
)


def grid(day: date) -> OverlapReport:
    return overlap_day(TEAM, WHO, day, timezone=None, now=utc(2026, 1, 1))


def cells(report: OverlapReport, hour: str) -> dict[str, tuple[str, str]]:
    """``{"lon": ("13:00", "work"), ...}`` for the row whose viewer time is ``hour``."""
    (row,) = [h for h in report.hours if wall(h.start, report.timezone)[11:] == hour]
    return {
        p.name: (f"{cell.local:%H:%M}", cell.status)
        for p, cell in zip(report.participants, row.cells, strict=True)
    }


def test_a_weekday_in_every_zone_with_working_soft_and_part_hours() -> None:
    report = grid(date(2026, 10, 27))  # Tuesday, London on GMT, New York still on EDT
    assert report.timezone == "Europe/London" and len(report.hours) == 24
    assert cells(report, "13:00") == {
        "lon": ("13:00", "work"),
        "omar": ("16:00", "work"),
        "layla": ("16:00", "leave"),
        "ny": ("09:00", "work"),
        "k": ("18:30", "off"),
    }
    assert cells(report, "08:00")["lon"] == ("08:00", "soft")
    assert cells(report, "03:00")["k"] == ("08:30", "part")  # 09:00 in Kolkata is half way
    assert cells(report, "11:00")["k"] == ("16:30", "part")
    assert cells(report, "04:00")["k"] == ("09:30", "work")
    assert cells(report, "22:00")["omar"] == ("01:00", "off")


def test_holidays_are_named_and_a_dst_day_has_25_hours() -> None:
    report = grid(date(2026, 10, 25))  # Sunday: London's clocks go back
    assert len(report.hours) == 25
    ones = [h for h in report.hours if wall(h.start, "Europe/London")[11:] == "01:00"]
    assert len(ones) == 2  # 01:00 BST, then 01:00 GMT
    eid = overlap_day(
        TEAM, ("omar",), date(2026, 3, 19), timezone="Asia/Riyadh", now=utc(2026, 1, 1)
    )
    assert cells(eid, "10:00") == {"omar": ("10:00", "holiday")}
    assert cells(eid, "20:00") == {"omar": ("20:00", "off")}


def test_the_default_day_is_today_in_the_viewers_zone() -> None:
    report = overlap_day(TEAM, ("lon",), None, timezone="Asia/Tokyo", now=utc(2026, 3, 1, 20))
    assert report.day == date(2026, 3, 2)  # 05:00 on Monday in Tokyo
    assert report.hours[0].start == utc(2026, 3, 1, 15)
