"""``export --format csv`` lines, whose fields the database joins, on SQLite and PostgreSQL:
the same bytes as ``csv.writer`` writes of the same rows, whatever the text holds."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import closing
from itertools import chain

import pytest

from supportctl.reports.export import write_export
from supportctl.store import open_store
from supportctl.store.database import Store
from supportctl.store.reports import EXPORT_COLUMNS, export_batches

# Each needs quotes, or looks as if it might: csv.writer (Python 3.11, "\n" line ends)
# quotes a comma, a quote and a newline only. The unit separator is what the database
# puts between a row's fields; the last four need no quotes.
AWKWARD_TEXTS = (
    "plain",
    "a, b",
    'say "hi"',
    "two\nlines",
    "carriage\rreturn",
    "windows\r\nline",
    '"',
    ",",
    "",
    " leading space",
    "unit\x1fseparator",
    "tab\there;semi",
    "50% off %s %%",
    "back\\slash",
    "مرحبا، بالعالم",
)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    with open_store(store_url) as opened:
        with opened.transaction() as tx:
            tx.execute(
                "INSERT INTO conversation (id, mailbox, channel, customer, subject, status,"
                " created_at, updated_at, message_count)"
                " VALUES (1, 'support', 'email', ?, ?, 'open', 1774000000, 1774000000, 1)",
                ('"Quoted", Customer', 'subject\nwith, everything "'),
            )
            tx.executemany(
                "INSERT INTO message (mailbox, folder, uidvalidity, uid, message_id, subject,"
                " from_name, body, received_at, direction, conversation_id)"
                " VALUES ('support', 'INBOX', 4294967295, ?, ?, ?, ?, ?, ?, 'inbound', 1)",
                [
                    (uid, f"m{uid}@example.net", text, None, text, 1774000000 + uid)
                    for uid, text in enumerate(AWKWARD_TEXTS, start=1)
                ],
            )
            tx.executemany(
                "INSERT INTO event (conversation_id, at, actor, kind, old_value, new_value,"
                " reason) VALUES (1, ?, 'agent', 'note', NULL, ?, ?)",
                [(1774000000 + i, text, text) for i, text in enumerate(AWKWARD_TEXTS)],
            )
        yield opened


def written_by_csv_module(store: Store, kind: str) -> str:
    stream = io.StringIO(newline="")
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS[kind])
    with closing(export_batches(store, kind, None)) as batches:
        writer.writerows(chain.from_iterable(batches))
    return stream.getvalue()


@pytest.mark.parametrize("kind", list(EXPORT_COLUMNS))
def test_lines_are_what_the_csv_module_writes(store: Store, kind: str) -> None:
    stream = io.StringIO(newline="")
    count = write_export(store, kind, "csv", stream)
    assert stream.getvalue() == written_by_csv_module(store, kind)
    assert count == {"conversations": 1, "messages": 15, "events": 15}[kind]


def test_fields_are_quoted_only_when_they_must_be(store: Store) -> None:
    stream = io.StringIO(newline="")
    write_export(store, "messages", "csv", stream, since=1774000000 + 2)
    lines = stream.getvalue().split("\n")
    assert lines[1] == (
        '2,1,support,INBOX,4294967295,2,inbound,m2@example.net,,,,,,,"a, b",,'
        '2026-03-20 09:46:42Z,,,,[],,"a, b",,'
    )
    assert lines[2].endswith(',[],,"say ""hi""",,')
    output = stream.getvalue()
    assert ',"two\nlines",,' in output and ",carriage\rreturn,," in output
    assert ',"""",,' in output and ',",",,' in output and ",مرحبا، بالعالم,," in output
    assert ",50% off %s %%,," in output and ",back\\slash,," in output


@pytest.mark.parametrize("kind", ["messages", "events"])
def test_rows_without_anything_to_quote_are_written_as_they_are(store: Store, kind: str) -> None:
    since = 1774000000 + AWKWARD_TEXTS.index("tab\there;semi") + (kind == "messages")
    stream = io.StringIO(newline="")
    assert write_export(store, kind, "csv", stream, since=since) == 4
    expected = written_by_csv_module(store, kind).split("\n")
    assert stream.getvalue().split("\n") == [expected[0], *expected[-5:]]
    assert '"' not in stream.getvalue()


def test_a_field_holding_the_separator_is_read_again(store: Store) -> None:
    since = 1774000000 + AWKWARD_TEXTS.index("unit\x1fseparator") + 1
    stream = io.StringIO(newline="")
    write_export(store, "messages", "csv", stream, since=since)
    assert stream.getvalue().split("\n")[1].endswith(",unit\x1fseparator,,")
