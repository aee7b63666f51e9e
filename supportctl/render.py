"""Every command's output goes through here: table, json, jsonl, csv, yaml, markdown.

Commands hand over a ``Table`` (columns plus rows, rows may be a generator so that
jsonl and csv stream) or a ``Document`` (nested data such as a resolved config).
Instants are aware datetimes in UTC; tables show them in the viewer's zone, machine
formats as ISO 8601 with offset.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any, TextIO

from supportctl.errors import UsageError

MACHINE_FORMATS = ("json", "jsonl", "csv", "yaml")
FORMATS = ("table", *MACHINE_FORMATS, "markdown")


@dataclass(frozen=True)
class Table:
    """Rows of records; ``columns`` fixes their order (and is the JSON key of each)."""

    columns: Sequence[str]
    rows: Iterable[Mapping[str, Any]] | Iterable[Sequence[Any]]  # sequences: ``plain``
    headers: Mapping[str, str] = field(default_factory=dict)  # column → table heading
    # In table format, one line per row from this template instead of a grid
    # (``{file}:{line}:{column}: ...`` is what editors and CI logs parse).
    line_template: str | None = None
    # Each row is a tuple of ``columns``' values, every one a str, int, float or None:
    # csv and jsonl write them as they are (an export of millions of rows).
    plain: bool = False
    # In table format, shown instead of the rows (too many for a person to read; see
    # ``summary_of``); every other format still writes each row.
    summary: Table | None = None


@dataclass(frozen=True)
class Document:
    """Nested data rendered whole (``table`` shows it as YAML)."""

    data: Any


@dataclass(frozen=True)
class Text:
    """Pre-rendered text (a publish page, an iCalendar file), written as is."""

    text: str


@dataclass(frozen=True)
class Sections:
    """Several tables that belong together (a plan and its totals). ``table`` titles
    each; json and yaml map each name to its rows; jsonl adds ``section`` to each row;
    csv writes one block per table (its header row first), blocks parted by a blank line."""

    tables: Mapping[str, Table]


@dataclass(frozen=True)
class ByFormat:
    """A result that some formats write as a whole document of their own (an iCalendar
    file, an HTML page): ``documents`` maps such a format to a function building it;
    every other format renders ``default``."""

    default: Table | Document | Sections
    documents: Mapping[str, Callable[[], str]]


Output = Table | Document | Text | Sections | ByFormat


def render(output: Output, fmt: str, stream: TextIO, *, tz: str = "UTC") -> None:
    """Write ``output`` to ``stream`` in ``fmt``."""
    if isinstance(output, ByFormat):
        build = output.documents.get(fmt)
        output = Text(build()) if build else output.default
    if isinstance(output, Sections):
        _render_sections(output, fmt, stream, tz)
    elif isinstance(output, Text):
        stream.write(output.text if output.text.endswith("\n") else output.text + "\n")
    elif isinstance(output, Document):
        _render_document(output.data, fmt, stream)
    elif fmt == "table" and output.summary is not None:
        _render_table(output.summary, stream, tz)
    elif fmt == "table" and output.line_template:
        for row in output.rows:
            stream.write(output.line_template.format_map(row) + "\n")
    elif fmt == "table":
        _render_table(output, stream, tz)
    elif fmt == "json":
        rows = [_machine_row(row, output.columns) for row in output.rows]
        stream.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
    elif fmt == "jsonl" and output.plain:
        dumps = json.JSONEncoder(ensure_ascii=False).encode
        columns = output.columns
        stream.writelines(dumps(dict(zip(columns, row, strict=True))) + "\n" for row in output.rows)
    elif fmt == "jsonl":
        for row in output.rows:
            stream.write(json.dumps(_machine_row(row, output.columns), ensure_ascii=False) + "\n")
    elif fmt == "csv":
        _render_csv(output, stream)
    elif fmt == "yaml":
        _dump_yaml([_machine_row(row, output.columns) for row in output.rows], stream)
    elif fmt == "markdown":
        _render_markdown(output, stream, tz)
    else:
        raise UsageError(
            f"this command cannot write --format {fmt}", hint=f"use one of {', '.join(FORMATS)}"
        )


def _render_sections(sections: Sections, fmt: str, stream: TextIO, tz: str) -> None:
    if fmt in ("json", "yaml"):
        data = {
            name: [_machine_row(row, table.columns) for row in table.rows]
            for name, table in sections.tables.items()
        }
        _render_document(data, fmt, stream)
        return
    for index, (name, table) in enumerate(sections.tables.items()):
        if fmt == "jsonl":
            rows = ({"section": name, **row} for row in table.rows)
            render(Table(("section", *table.columns), rows), fmt, stream, tz=tz)
            continue
        if index:
            stream.write("\n")
        if fmt == "table":
            stream.write(name.replace("_", " ") + ":\n")
        elif fmt == "markdown":
            stream.write(f"## {name.replace('_', ' ')}\n\n")
        render(table, fmt, stream, tz=tz)


def _render_document(data: Any, fmt: str, stream: TextIO) -> None:
    plain = _machine_value(data)
    if fmt == "json":
        stream.write(json.dumps(plain, ensure_ascii=False, indent=2) + "\n")
    elif fmt == "jsonl":
        stream.write(json.dumps(plain, ensure_ascii=False) + "\n")
    elif fmt in ("yaml", "table"):
        _dump_yaml(plain, stream)
    else:
        raise UsageError(
            f"this command cannot write --format {fmt}", hint="use table, json, jsonl or yaml"
        )


def _dump_yaml(data: Any, stream: TextIO) -> None:
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    yaml.dump(data, stream, Dumper=dumper, allow_unicode=True, sort_keys=False, width=100)


def _render_table(table: Table, stream: TextIO, tz: str) -> None:
    rows = [[table_value(row.get(column), tz) for column in table.columns] for row in table.rows]
    headers = [table.headers.get(column, column) for column in table.columns]
    # No rows still shows the headings, as csv does: an empty result, not a silent failure.
    stream.write(_simple_table(headers, rows) + "\n")


def _simple_table(headers: list[str], rows: list[list[str]]) -> str:
    """``tabulate(rows, headers, tablefmt="simple", disable_numparse=True)``, the same text.

    Written out here because tabulate costs tens of milliseconds to import and tens of
    microseconds a cell, which ``conversations list`` and ``assign auto`` feel. Cells
    tabulate treats specially (line breaks, terminal escapes and every other unprintable
    character) are left to tabulate itself.
    """
    every_cell = "".join(headers) + "".join("".join(row) for row in rows)
    if not every_cell.isprintable():
        from tabulate import tabulate

        return tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True)
    width = len if every_cell.isascii() else _display_width()
    # Left-aligned columns, cells stripped, at least two columns wider than the heading.
    stripped = [[cell.strip() for cell in row] for row in rows]
    columns = zip(*stripped, strict=True) if stripped else [()] * len(headers)
    widths = [
        max([width(heading) + 2, *map(width, cells)])
        for heading, cells in zip(headers, columns, strict=True)
    ]

    def line(cells: Sequence[str]) -> str:
        padded = (
            cell + " " * (size - width(cell)) for cell, size in zip(cells, widths, strict=True)
        )
        return "  ".join(padded).rstrip()

    lines = [line(headers), "  ".join("-" * size for size in widths)]
    lines += map(line, stripped)
    return "\n".join(lines)


def _display_width() -> Callable[[str], int]:
    """The width of text on a terminal as tabulate measures it: wcwidth's when installed
    (Arabic marks take no column, CJK two), else one column a character."""
    try:
        from wcwidth import wcswidth
    except ImportError:
        return len
    return lambda text: len(text) if text.isascii() else wcswidth(text)


def summary_of(table: Table, *, leave_out: Collection[str], count_column: str) -> Table:
    """``table`` summed up: one row per distinct combination of its columns but
    ``leave_out``, with how many rows share it in ``count_column``, most first. Reads
    ``table.rows`` only when rendered, so a generator of rows serves both tables."""
    columns = tuple(column for column in table.columns if column not in leave_out)

    def rows() -> Iterator[dict[str, Any]]:
        counts = Counter(tuple(map(row.get, columns)) for row in table.rows)
        for values, count in counts.most_common():
            yield {**dict(zip(columns, values, strict=True)), count_column: count}

    return Table((*columns, count_column), rows(), headers=table.headers)


def _render_markdown(table: Table, stream: TextIO, tz: str) -> None:
    """A GitHub-flavoured pipe table, values as the table format shows them."""
    headers = [table.headers.get(column, column) for column in table.columns]
    stream.write(_markdown_row(headers) + "\n" + _markdown_row(["---"] * len(headers)) + "\n")
    for row in table.rows:
        cells = [table_value(row.get(column), tz) for column in table.columns]
        stream.write(_markdown_row(cells) + "\n")


def _markdown_row(cells: Sequence[str]) -> str:
    escaped = (cell.replace("|", "\\|").replace("\n", " ") for cell in cells)
    return "| " + " | ".join(escaped) + " |"


def _render_csv(table: Table, stream: TextIO) -> None:
    import csv

    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(table.columns)
    if table.plain:
        writer.writerows(table.rows)
        return
    for row in table.rows:
        writer.writerow([_csv_value(row.get(column)) for column in table.columns])


@cache
def _zone(tz: str) -> Any:
    import pytz

    return pytz.timezone(tz)


def table_value(value: Any, tz: str) -> str:
    """``value`` as a table cell: instants in ``tz``, lists joined, None empty."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        zone = _zone(tz)  # only here: a table without instants needs no zone data
        local = zone.normalize(value.astimezone(zone))
        return local.strftime("%Y-%m-%d %H:%M %Z")
    if isinstance(value, timedelta):
        return format_timedelta(value)
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(str(item) for item in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _csv_value(value: Any) -> Any:
    value = _machine_value(value)
    if isinstance(value, list):
        return " ".join(str(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _machine_row(row: Mapping[str, Any], columns: Sequence[str]) -> dict[str, Any]:
    return {column: _machine_value(row.get(column)) for column in columns}


def _machine_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Mapping):
        return {str(key): _machine_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_machine_value(item) for item in value]
    return value


def format_timedelta(value: timedelta) -> str:
    """``timedelta(hours=26, minutes=5)`` → ``1d 2h 5m`` (for people)."""
    seconds = int(value.total_seconds())
    sign = "-" if seconds < 0 else ""
    minutes, _ = divmod(abs(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    parts = [f"{v}{u}" for v, u in ((days, "d"), (hours, "h"), (minutes, "m")) if v]
    return sign + (" ".join(parts) or "0m")
