"""The table format: supportctl's own grid is tabulate's ``simple`` to the character,
and a ``summary`` stands in for rows too many to read."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

from hypothesis import given, settings
from hypothesis import strategies as st
from tabulate import tabulate

from supportctl.render import Table, _simple_table, render, summary_of

# Text as it comes from mail: Arabic with its marks, CJK and emoji (two columns wide),
# combining accents, padding spaces, and now and then what tabulate treats specially
# (line breaks, tabs, terminal escapes, direction marks, no-break spaces).
_PIECES = st.sampled_from(
    [
        "a",
        "Z",
        "7",
        "-",
        " ",
        "استرداد",
        "\u064b",
        "中文",
        "😀",
        "e\u0301",
        "True",
        "1.5",
        "\n",
        "\t",
        "\x1b[31m",
        "\u200f",
        "\u00a0",
    ]
)
_CELL = st.lists(_PIECES, max_size=4).map("".join)


@st.composite
def _tables(draw: st.DrawFn) -> tuple[list[str], list[list[str]]]:
    width = draw(st.integers(min_value=1, max_value=5))
    headers = draw(st.lists(_CELL, min_size=width, max_size=width))
    rows = draw(st.lists(st.lists(_CELL, min_size=width, max_size=width), max_size=4))
    return headers, rows


@settings(max_examples=500, deadline=None)
@given(_tables())
def test_the_grid_is_tabulates_simple_format(table: tuple[list[str], list[list[str]]]) -> None:
    headers, rows = table
    expected = tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True)
    assert _simple_table(headers, rows) == expected


def test_the_grid_pads_by_display_width() -> None:
    text = _simple_table(["id", "subject"], [["7", "استرداد"], ["12", "中文 order"]])
    assert text.splitlines() == [
        "id    subject",
        "----  ----------",
        "7     استرداد",
        "12    中文 order",
    ]


def _outcomes(count: int) -> list[dict[str, object]]:
    return [
        {
            "conversation": number,
            "rule": "vip-desk" if number % 3 == 0 else "round_robin",
            "to": "alice" if number % 2 else "omar",
            "reason": f"turn {number}",
            "outcome": "assigned",
        }
        for number in range(1, count + 1)
    ]


def _render(table: Table, fmt: str) -> str:
    stream = io.StringIO()
    render(table, fmt, stream, tz="UTC")
    return stream.getvalue()


def test_a_summary_counts_rows_by_the_columns_kept() -> None:
    rows = _outcomes(12)
    table = Table(("conversation", "rule", "to", "reason", "outcome"), rows)
    summary = summary_of(table, leave_out=("conversation", "reason"), count_column="n")
    lines = _render(Table(table.columns, rows, summary=summary), "table").splitlines()
    assert lines[0].split() == ["rule", "to", "outcome", "n"]
    assert sorted(tuple(line.split()) for line in lines[2:]) == [
        ("round_robin", "alice", "assigned", "4"),
        ("round_robin", "omar", "assigned", "4"),
        ("vip-desk", "alice", "assigned", "2"),
        ("vip-desk", "omar", "assigned", "2"),
    ]


def test_other_formats_still_write_every_row_and_never_read_the_summary() -> None:
    def rows() -> Iterator[dict[str, object]]:
        yield from _outcomes(60)

    table = Table(("conversation", "rule", "to", "reason", "outcome"), rows())
    summary = summary_of(table, leave_out=("conversation", "reason"), count_column="n")
    written = _render(Table(table.columns, table.rows, summary=summary), "jsonl").splitlines()
    assert [json.loads(line)["conversation"] for line in written] == list(range(1, 61))
