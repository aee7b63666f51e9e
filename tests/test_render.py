"""One rendering module for every command: table, json, jsonl, csv, yaml."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

import pytest
import yaml

from supportctl.errors import UsageError
from supportctl.render import Document, Table, Text, format_timedelta, render

CREATED = datetime(2026, 3, 19, 13, 30, tzinfo=UTC)
TABLE = Table(
    columns=("id", "subject", "created", "tags", "waited"),
    rows=[
        {
            "id": 1234,
            "subject": "استرداد المبلغ",
            "created": CREATED,
            "tags": ["refund", "vip"],
            "waited": timedelta(hours=26, minutes=5),
        }
    ],
)


def _render(output, fmt: str, tz: str = "Asia/Riyadh") -> str:
    stream = io.StringIO()
    render(output, fmt, stream, tz=tz)
    return stream.getvalue()


def test_table_shows_instants_in_the_viewer_zone() -> None:
    lines = _render(TABLE, "table").splitlines()
    assert lines[0].split() == ["id", "subject", "created", "tags", "waited"]
    assert "2026-03-19 16:30 +03" in lines[2]
    assert "refund, vip" in lines[2]
    assert "1d 2h 5m" in lines[2]
    assert "استرداد المبلغ" in lines[2]
    assert "2026-03-19 13:30 GMT" in _render(TABLE, "table", tz="Europe/London")


def test_machine_formats_use_iso_8601_with_offset() -> None:
    (row,) = json.loads(_render(TABLE, "json"))
    assert row == {
        "id": 1234,
        "subject": "استرداد المبلغ",
        "created": "2026-03-19T13:30:00+00:00",
        "tags": ["refund", "vip"],
        "waited": 93900.0,
    }
    assert json.loads(_render(TABLE, "jsonl")) == row
    assert yaml.safe_load(_render(TABLE, "yaml")) == [row]


def test_csv_has_a_header_and_flat_values() -> None:
    assert _render(TABLE, "csv").splitlines() == [
        "id,subject,created,tags,waited",
        "1234,استرداد المبلغ,2026-03-19T13:30:00+00:00,refund vip,93900.0",
    ]


def test_jsonl_and_csv_stream_rows_as_they_come() -> None:
    """Each row is written before the next one is asked for (constant memory)."""
    written: list[str] = []
    produced: list[int] = []

    class Recorder(io.StringIO):
        def write(self, text: str) -> int:
            written.append(text)
            return len(text)

    def rows():
        for number in range(3):
            assert len(written) >= number + (1 if fmt == "csv" else 0)
            produced.append(number)
            yield {"n": number}

    for fmt in ("jsonl", "csv"):
        written.clear()
        render(Table(columns=("n",), rows=rows()), fmt, Recorder())
        assert len(written) == (3 if fmt == "jsonl" else 4)


def test_documents_and_text() -> None:
    assert yaml.safe_load(_render(Document({"a": [CREATED]}), "table")) == {
        "a": ["2026-03-19T13:30:00+00:00"]
    }
    assert _render(Text("BEGIN:VCALENDAR"), "json") == "BEGIN:VCALENDAR\n"
    with pytest.raises(UsageError, match="cannot write --format csv"):
        _render(Document({"a": 1}), "csv")
    with pytest.raises(UsageError, match="cannot write --format html"):
        _render(TABLE, "html")


def test_line_template_for_editor_parsable_output() -> None:
    table = Table(
        columns=("file", "line"),
        rows=[{"file": "a.yaml", "line": 3}],
        line_template="{file}:{line}",
    )
    assert _render(table, "table") == "a.yaml:3\n"
    assert json.loads(_render(table, "json")) == [{"file": "a.yaml", "line": 3}]


def test_format_timedelta() -> None:
    assert format_timedelta(timedelta(0)) == "0m"
    assert format_timedelta(timedelta(minutes=-90)) == "-1h 30m"
