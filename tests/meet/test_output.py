"""What the planner writes: iCalendar read back by a real parser, the HTML grid, and the
shared renderer's Sections and ByFormat."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser

import icalendar
import pytest
import yaml

from supportctl.errors import SupportctlError, UsageError
from supportctl.ics import Event, calendar, fold, stable_uid
from supportctl.meet.output import overlap_output, plan_output, series_output
from supportctl.meet.planner import PlanOptions, overlap_day, plan_meeting, plan_series
from supportctl.render import ByFormat, Sections, Table, render
from tests.meet.conftest import agent, config, utc
from tests.meet.conftest import calendar as office_calendar

TEAM = config(
    [office_calendar("riyadh", "Asia/Riyadh", {"sun-thu": "09:00-17:00"})],
    [agent("omar", "riyadh"), agent("layla", "riyadh")],
    timezone="Asia/Riyadh",
)
NOW = utc(2026, 1, 1)
STAMP = utc(2026, 1, 1, 12)
OPTIONS = PlanOptions(
    ("omar", "guest=Europe/London mon-fri 09:00-17:00"), duration="45m", days=7,
    start=date(2026, 1, 4), top=3,
)  # fmt: skip


def rendered(output: object, fmt: str, tz: str = "Asia/Riyadh") -> str:
    stream = io.StringIO()
    render(output, fmt, stream, tz=tz)  # type: ignore[arg-type]
    return stream.getvalue()


def test_ics_is_one_utc_vevent_per_slot_that_a_parser_reads_back() -> None:
    report = plan_meeting(TEAM, OPTIONS, now=NOW)
    text = rendered(plan_output(report, title="Team sync, ops; weekly", stamp=STAMP), "ics")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    parsed = icalendar.Calendar.from_ical(text)
    events = list(parsed.walk("VEVENT"))
    assert len(events) == len(report.slots) == 3
    for event, slot in zip(events, report.slots, strict=True):
        assert event.decoded("DTSTART") == slot.start
        assert event.decoded("DTSTART").tzinfo is not None and event.decoded(
            "DTSTART"
        ).utcoffset() == timedelta(0)
        assert event.decoded("DTEND") == slot.end
        assert str(event["SUMMARY"]) == "Team sync, ops; weekly"
        assert event.decoded("DTSTAMP") == STAMP
    assert str(events[0]["DESCRIPTION"]) == (
        "omar (Asia/Riyadh): Mon 13:00-13:45\nguest (Europe/London): Mon 10:00-10:45\nscore 58.6"
    )
    assert "DTSTART:20260105T100000Z" in text  # 13:00 Riyadh, 10:00 London


def test_ics_uids_are_stable_across_runs_and_differ_per_slot() -> None:
    first = plan_output(plan_meeting(TEAM, OPTIONS, now=NOW), title="x", stamp=STAMP)
    again = plan_output(plan_meeting(TEAM, OPTIONS, now=utc(2026, 1, 2)), title="y", stamp=NOW)
    uids = [
        str(e["UID"]) for e in icalendar.Calendar.from_ical(rendered(first, "ics")).walk("VEVENT")
    ]
    later = [
        str(e["UID"]) for e in icalendar.Calendar.from_ical(rendered(again, "ics")).walk("VEVENT")
    ]
    assert uids == later and len(set(uids)) == 3
    assert all(uid.endswith("@supportctl") for uid in uids)


def test_folding_keeps_multibyte_characters_whole_and_escapes_text() -> None:
    summary = "اجتماع الفريق الأسبوعي، مراجعة التذاكر; المتابعة\\الخطة" * 2
    text = calendar(
        [Event(stable_uid("a"), date(2026, 3, 19), date(2026, 3, 25), summary)], stamp=STAMP
    )
    lines = text.split("\r\n")
    assert all(len(line.encode()) <= 75 for line in lines)
    assert "DTSTART;VALUE=DATE:20260319" in lines
    (event,) = icalendar.Calendar.from_ical(text).walk("VEVENT")
    assert str(event["SUMMARY"]) == summary
    assert event.decoded("DTEND") == date(2026, 3, 25)
    assert fold("x" * 80) == "x" * 75 + "\r\n " + "x" * 5


def test_nothing_fits_has_no_calendar_to_write() -> None:
    blocked = PlanOptions(("omar", "guest=UTC sat 09:00-17:00"), days=7, start=date(2026, 1, 4))
    report = plan_meeting(TEAM, blocked, now=NOW)
    with pytest.raises(SupportctlError, match="no slot fits everyone") as raised:
        rendered(plan_output(report, title="x", stamp=STAMP), "ics")
    assert raised.value.exit_status == 1
    explained = json.loads(rendered(plan_output(report, title="x", stamp=STAMP), "json"))
    assert set(explained) == {"near_misses", "without"}
    assert explained["near_misses"][0]["free"] == "1/2"
    assert explained["without"][0]["left_out"] in {"omar", "guest"}


def test_plan_rows_show_viewer_times_and_each_local_time_with_its_mark() -> None:
    report = plan_meeting(TEAM, OPTIONS, now=NOW)
    (first, *_) = json.loads(rendered(plan_output(report, title="x", stamp=STAMP), "json"))
    assert first == {
        "rank": 1,
        "start": "2026-01-05T13:00:00+03:00",
        "end": "2026-01-05T13:45:00+03:00",
        "score": 58.6,  # omar 3.25h / 3.625h from his day's end, guest 1h / 3.625h
        "omar": "Mon 13:00-13:45",
        "guest": "Mon 10:00-10:45",
    }
    everything = plan_meeting(TEAM, replace(OPTIONS, top=500), now=NOW)
    rows = json.loads(rendered(plan_output(everything, title="x", stamp=STAMP), "json"))
    (at_noon,) = [row for row in rows if row["start"] == "2026-01-05T12:00:00+03:00"]
    assert at_noon["guest"] == "Mon 09:00-09:45 early"
    table = rendered(plan_output(report, title="x", stamp=STAMP), "table")
    assert table.splitlines()[0].split()[:6] == [
        "rank",
        "start",
        "end",
        "score",
        "omar",
        "(Asia/Riyadh)",
    ]
    rows = list(
        csv.reader(io.StringIO(rendered(plan_output(report, title="x", stamp=STAMP), "csv")))
    )
    assert rows[0] == ["rank", "start", "end", "score", "omar", "guest"] and len(rows) == 4


def test_a_series_renders_weeks_and_totals_in_every_format() -> None:
    request = PlanOptions(("omar", "layla"), duration="45m", start=date(2026, 1, 4))
    report = plan_series(TEAM, request, count=2, rotate=True, now=NOW)
    output = series_output(report, title="x", stamp=STAMP)
    data = json.loads(rendered(output, "json"))
    assert [w["week"] for w in data["weeks"]] == [1, 2]
    assert data["inconvenience"] == [
        {"participant": "omar", "inconvenience": 0, "early": 0, "late": 0, "soft": 0},
        {"participant": "layla", "inconvenience": 0, "early": 0, "late": 0, "soft": 0},
    ]
    assert yaml.safe_load(rendered(output, "yaml")) == data
    lines = rendered(output, "jsonl").splitlines()
    assert [json.loads(line)["section"] for line in lines] == ["weeks"] * 2 + ["inconvenience"] * 2
    blocks = rendered(output, "csv").split("\n\n")
    assert [b.splitlines()[0].split(",")[0] for b in blocks] == ["week", "participant"]
    table = rendered(output, "table")
    assert table.startswith("weeks:\n") and "\ninconvenience:\n" in table
    assert len(list(icalendar.Calendar.from_ical(rendered(output, "ics")).walk("VEVENT"))) == 2


class _Cells(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.classes: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.classes += [value or "" for name, value in attrs if name == "class" and tag == "td"]


def test_overlap_html_is_a_standalone_page_with_statuses_in_words() -> None:
    report = overlap_day(TEAM, ("omar", "guest=Europe/London 09:00-17:00"), date(2026, 1, 5),
                         timezone=None, now=NOW)  # fmt: skip
    page = rendered(overlap_output(report), "html")
    assert page.startswith("<!doctype html>") and page.rstrip().endswith("</html>")
    parser = _Cells()
    parser.feed(page)
    assert parser.tags.count("tr") == 25 and {"html", "head", "title", "caption"} <= set(
        parser.tags
    )
    assert parser.classes.count("work") == 8 + 8
    assert '<td class="work">12:00 work</td><td class="work">09:00 work</td>' in page
    assert '<td class="everyone">yes</td>' in page
    with pytest.raises(UsageError, match="cannot write --format ics"):
        rendered(overlap_output(report), "ics")


def test_sections_and_by_format_in_the_shared_renderer() -> None:
    numbers = Table(("n",), [{"n": 1}])
    when = Table(("at",), [{"at": datetime(2026, 1, 1, tzinfo=UTC)}])
    both = Sections({"numbers": numbers, "when": when})
    assert json.loads(rendered(both, "json")) == {
        "numbers": [{"n": 1}],
        "when": [{"at": "2026-01-01T00:00:00+00:00"}],
    }
    assert "2026-01-01 03:00 +03" in rendered(both, "table")
    chosen = ByFormat(numbers, {"html": lambda: "<p>page</p>"})
    assert rendered(chosen, "html") == "<p>page</p>\n"
    assert json.loads(rendered(chosen, "json")) == [{"n": 1}]
