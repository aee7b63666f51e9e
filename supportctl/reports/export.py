"""``export``: every conversation, message or event as one CSV or JSON Lines row, streamed.

Rows come from the database in batches (a server-side cursor on PostgreSQL) and go
straight to the stream, so memory stays flat whatever the store's size. Instants are
ISO 8601 in UTC; a conversation row carries its first-response and resolution times
(seconds, wall clock and business) and SLA state (``met``, ``breached``, ``running``,
empty without a target). ``excel`` starts the file with a UTF-8 byte-order mark, which
Excel needs to read UTF-8 (Arabic) text.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any, TextIO

from supportctl.errors import UsageError
from supportctl.render import Table, render
from supportctl.store.database import Store
from supportctl.store.reports import EXPORT_COLUMNS, export_rows

EXPORT_KINDS = tuple(EXPORT_COLUMNS)
EXPORT_FORMATS = ("csv", "jsonl")
BYTE_ORDER_MARK = "\ufeff"


class RowCounter:
    """Passes rows through, counting them."""

    def __init__(self, rows: Iterable[Any]):
        self._rows = rows
        self.count = 0

    def __iter__(self) -> Iterator[Any]:
        for row in self._rows:
            self.count += 1
            yield row


def write_export(
    store: Store,
    kind: str,
    fmt: str,
    stream: TextIO,
    *,
    since: int | None = None,
    excel: bool = False,
) -> int:
    """Write every ``kind`` row (created, received or happened at or after ``since``,
    epoch seconds) to ``stream`` as ``fmt``; return how many."""
    if fmt not in EXPORT_FORMATS:
        raise UsageError(
            f"export cannot write --format {fmt}", hint=f"use {' or '.join(EXPORT_FORMATS)}"
        )
    if excel:
        stream.write(BYTE_ORDER_MARK)
    with closing(export_rows(store, kind, since)) as rows:
        counted = RowCounter(rows)
        render(Table(EXPORT_COLUMNS[kind], counted, plain=True), fmt, stream)
    return counted.count


def export_file(path: Path, store: Store, kind: str, fmt: str, **options: Any) -> int:
    """``write_export`` to ``path``, atomically: a temporary file beside it, renamed over
    it when complete, so a failed export leaves what was there."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as stream:
            count = write_export(store, kind, fmt, stream, **options)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return count
