"""``export``: every conversation, message or event as one CSV or JSON Lines row, streamed.

Rows come from the database in batches (a server-side cursor on PostgreSQL) and go
straight to the stream, so memory stays flat whatever the store's size. Instants are
RFC 3339 in UTC (``2026-03-19 13:30:00Z``); a conversation row carries its tags, replies,
first-response and resolution times (seconds, wall clock and business) and SLA state
(``met``, ``breached``, ``running``, empty without a target). ``excel`` starts the file
with a UTF-8 byte-order mark, which Excel needs to read UTF-8 (Arabic) text.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import closing
from itertools import chain, count
from operator import itemgetter
from pathlib import Path
from typing import Any, TextIO

from supportctl.errors import UsageError
from supportctl.render import Table, render
from supportctl.store.database import Store
from supportctl.store.reports import EXPORT_COLUMNS, export_batches, export_csv_chunks

EXPORT_KINDS = tuple(EXPORT_COLUMNS)
EXPORT_FORMATS = ("csv", "jsonl")
BYTE_ORDER_MARK = "\ufeff"


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
    if fmt == "csv":
        return _write_csv(store, kind, stream, since)
    numbers = count(1)
    with closing(export_batches(store, kind, since)) as batches:
        # Flattened and counted in C: a Python generator here would cost a tenth more.
        rows = chain.from_iterable(batches)
        counted = map(itemgetter(0), zip(rows, numbers, strict=False))
        render(Table(EXPORT_COLUMNS[kind], counted, plain=True), fmt, stream)
    return next(numbers) - 1


def _write_csv(store: Store, kind: str, stream: TextIO, since: int | None) -> int:
    """The header row, then the lines of ``export_csv_chunks``."""
    render(Table(EXPORT_COLUMNS[kind], (), plain=True), "csv", stream)
    written = 0
    with closing(export_csv_chunks(store, kind, since)) as chunks:
        for rows, text in chunks:
            stream.write(text)
            written += rows
    return written


def export_file(path: Path, store: Store, kind: str, fmt: str, **options: Any) -> int:
    """``write_export`` to ``path``, atomically: a temporary file beside it, renamed over
    it when complete, so a failed export leaves what was there."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        # mkstemp makes the file private; an export gets a new file's usual mode.
        os.chmod(temporary, 0o666 & ~_umask())
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as stream:
            count = write_export(store, kind, fmt, stream, **options)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return count


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
