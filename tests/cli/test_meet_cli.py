"""``supportctl meet plan`` and ``meet overlap`` end to end: formats, exit statuses and
one-line errors for bad input."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import icalendar
import pytest

from tests.conftest import Run

CONFIG = """\
version: 1
timezone: Asia/Riyadh
calendars:
  riyadh:
    timezone: Asia/Riyadh
    hours: {sun-thu: "09:00-17:00"}
    holidays: {country: SA}
  cairo:
    timezone: Africa/Cairo
    hours: {sun-thu: "09:00-17:00"}
  night:
    timezone: Asia/Riyadh
    hours: {sat-thu: "22:00-06:00"}
team:
  - {id: omar, name: Omar, calendar: riyadh, roles: [lead],
     leave: [{from: 2026-01-18, to: 2026-01-22}]}
  - {id: layla, name: Layla, calendar: riyadh}
  - {id: alice, name: Alice, calendar: cairo, meeting_hours: {sun-thu: "08:00-19:00"}}
  - {id: sara, name: Sara, calendar: night}
meetings: {duration: 45m, step: 15m, days: 14, edge_margin: 1h}
"""
NOW = {"SUPPORTCTL_NOW": "2026-01-04T05:00:00Z"}  # Sunday 08:00 in Riyadh


@pytest.fixture
def meet(run: Run, tmp_path: Path) -> Run:
    path = tmp_path / "team.yaml"
    path.write_text(CONFIG, encoding="utf-8")

    def invoke(*args: str, fmt: str = "table") -> object:
        return run("-c", str(path), "--format", fmt, "meet", *args, env=NOW)

    return invoke  # type: ignore[return-value]


def test_plan_ranks_slots_in_a_table(meet: Run) -> None:
    result = meet("plan", "--with", "omar,@cairo", "--top", "3")
    assert result.exit_code == 0 and result.stderr == ""
    header, _, first, *rest = result.stdout.splitlines()
    assert header.split()[:6] == ["rank", "start", "end", "score", "omar", "(Asia/Riyadh)"]
    assert header.split()[6:] == ["alice", "(Africa/Cairo)"]
    # Omar's centrality falls after 12:37, Alice's (an hour behind) rises until 13:37:
    # from 12:45 on they trade off evenly, and the earliest of the equals wins.
    assert first.split()[:3] == ["1", "2026-01-04", "12:45"] and len(rest) == 2
    assert "Sun 12:45-13:30" in first and "Sun 11:45-12:30" in first and "86.2" in first


def test_plan_in_json_csv_and_another_viewer_zone(meet: Run) -> None:
    rows = json.loads(
        meet("plan", "--with", "omar", "--with", "alice", "--tz", "UTC", fmt="json").stdout
    )
    assert rows[0]["start"] == "2026-01-04T09:45:00+00:00" and rows[0]["omar"] == "Sun 12:45-13:30"
    table = list(
        csv.DictReader(io.StringIO(meet("plan", "--with", "omar,alice", fmt="csv").stdout))
    )
    assert table[0]["start"] == "2026-01-04T12:45:00+03:00" and len(table) == 10


def test_plan_as_ics_imports_one_event_per_slot(meet: Run) -> None:
    result = meet("plan", "--with", "omar,alice", "--top", "4", "--title", "Weekly sync", fmt="ics")
    assert result.exit_code == 0 and result.stdout.startswith("BEGIN:VCALENDAR\n")
    events = icalendar.Calendar.from_ical(result.stdout).walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in events] == ["Weekly sync"] * 4
    assert events[0]["DTSTART"].to_ical() == b"20260104T094500Z"


def test_the_ics_bytes_on_stdout_end_lines_in_crlf(tmp_path: Path) -> None:
    # click's test runner turns CRLF into LF when it decodes stdout: read the bytes of a
    # real process instead.
    (tmp_path / "team.yaml").write_text(CONFIG, encoding="utf-8")
    argv = ["-c", "team.yaml", "--format", "ics", "meet", "plan", "--with", "omar", "--top", "1"]
    completed = subprocess.run(
        [sys.executable, "-m", "supportctl", *argv],
        cwd=tmp_path, capture_output=True, env={**os.environ, **NOW}, check=True,
    )  # fmt: skip
    lines = completed.stdout.split(b"\r\n")
    assert lines[0] == b"BEGIN:VCALENDAR" and lines[-2:] == [b"END:VCALENDAR", b""]
    assert all(b"\n" not in line for line in lines)


def test_soft_hours_and_edges_are_marked(meet: Run) -> None:
    rows = json.loads(
        meet(
            "plan",
            "--with",
            "alice,g=Africa/Cairo 16:00-22:00",
            "--days",
            "1",
            "--top",
            "50",
            fmt="json",
        ).stdout
    )
    cells = [row["alice"].split(" ", 2) for row in rows]
    marks = {cell[2] for cell in cells if len(cell) == 3}
    assert {"soft late", "late"} <= marks


def test_nothing_fits_explains_and_exits_1(meet: Run) -> None:
    result = meet("plan", "--with", "omar,sara", "--days", "3", "--top", "2")
    assert result.exit_code == 1
    assert (
        result.stderr
        == "supportctl: warning: no slot fits all 2 participants; near misses follow\n"
    )
    assert result.stdout.startswith("near misses:\n")
    assert "sara: hours (" in result.stdout and "\nwithout:\n" in result.stdout
    blocked = meet("plan", "--with", "omar,sara", "--days", "3", fmt="ics")
    assert blocked.exit_code == 1 and blocked.stdout == ""
    assert blocked.stderr.splitlines()[-1].startswith("supportctl: error: no slot fits everyone")


def test_leave_is_named_in_the_near_misses(meet: Run) -> None:
    result = meet("plan", "--with", "omar,layla", "--from", "2026-01-18", "--days", "1", fmt="json")
    data = json.loads(result.stdout)
    assert result.exit_code == 1
    assert data["near_misses"][0]["blocked"] == "omar: leave (2026-01-18 to 2026-01-22)"
    assert data["without"][0]["left_out"] == "omar"


def test_a_recurring_series_with_rotation_and_totals(meet: Run) -> None:
    result = meet("plan", "--with", "omar,g=Europe/London mon-fri 09:00-17:00",
                  "--recurring", "weekly", "--count", "4", "--rotate", fmt="json")  # fmt: skip
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert [week["week"] for week in data["weeks"]] == [1, 2, 3, 4]
    totals = {row["participant"]: row["inconvenience"] for row in data["inconvenience"]}
    assert set(totals) == {"omar", "g"}
    table = meet("plan", "--with", "omar,layla", "--recurring", "weekly", "--count", "2")
    assert table.stdout.startswith("weeks:\n") and "\ninconvenience:\n" in table.stdout


def test_overlap_table_and_html_grid(meet: Run) -> None:
    result = meet(
        "overlap", "--with", "omar,alice,k=Asia/Kolkata 09:00-17:00", "--date", "2026-01-05"
    )
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 2 + 24
    ten = next(line for line in lines if line.startswith("2026-01-05 10:00"))
    assert ten.split()[3:] == ["10:00", "work", "09:00", "work", "12:30", "work", "yes"]
    page = meet("overlap", "--with", "omar,alice", "--date", "2026-01-05", fmt="html").stdout
    assert page.startswith("<!doctype html>") and '<td class="work">10:00 work</td>' in page
    night = meet(
        "overlap", "--with", "omar,ny=America/New_York 09:00-17:00", "--date", "2026-01-05"
    )
    midnight = night.stdout.splitlines()[2]  # 00:00 Monday in Riyadh: 16:00 Sunday in New York
    assert midnight.split()[3:] == ["00:00", "off", "Sun", "16:00", "work", "1/2"]


@pytest.mark.parametrize(
    "args,message",
    [
        (("plan", "--with", "nobody"), "--with 'nobody': no agent with that id"),
        (("plan", "--with", "@admins"), "--with '@admins': no agent has that role or calendar"),
        (("plan", "--with", "@calendar:mars"), "no agent has that role or calendar"),
        (("plan", "--with", "omar", "--duration", "45"), "--duration '45': malformed duration"),
        (("plan", "--with", "g=America/New_York 9-5"), "malformed time '9'"),
        (("plan", "--with", "g=Nowhere/Town 09:00-17:00"), "unknown time zone 'Nowhere/Town'"),
        (("plan", "--with", "omar", "--days", "0"), "--days 0: must be 1 to 366"),
        (("plan", "--with", "omar", "--days", "-3"), "--days -3: must be 1 to 366"),
        (("plan", "--with", "omar", "--tz", "Moon/Base"), "--tz 'Moon/Base': unknown time zone"),
        (("plan", "--with", "omar", "--from", "next week"), "--from 'next week' is not a date"),
        (("plan", "--with", "omar", "--rotate"), "--count and --rotate go with --recurring"),
        (
            ("overlap", "--with", "omar", "--date", "2026-13-01"),
            "--date '2026-13-01' is not a date",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(meet: Run, args: tuple[str, ...], message: str) -> None:
    result = meet(*args)
    assert result.exit_code == 2, result.stderr
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("supportctl: error: ") and message in line


@pytest.mark.parametrize(
    "command,fmt", [(("plan", "--with", "omar"), "html"), (("overlap", "--with", "omar"), "ics")]
)
def test_a_format_the_command_has_no_document_for_is_refused(
    meet: Run, command: tuple[str, ...], fmt: str
) -> None:
    result = meet(*command, fmt=fmt)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"supportctl: error: this command cannot write --format {fmt}")
