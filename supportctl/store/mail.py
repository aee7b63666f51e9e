"""Queries of mail sync: folder checkpoints, messages, conversations and their events.

Every function takes an open ``Tx``; instants are epoch seconds (UTC). Sync writes one
batch of messages and the folder's checkpoint in one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from supportctl.store.database import Row, Tx

# Values looked up in one statement (``Tx.one_of``): well under SQLite's limit of bound
# parameters, and few enough for the planner to use the index for each.
IN_LIST_SIZE = 500
# The tables sync looks rows up in by value (see gather_missing_statistics).
_LOOKUP_TABLES = ("message", "conversation")
# Columns of message stored as JSON text, with their separators: header_fields without
# blanks (a few bytes on each of a million messages), attachments as first released.
_JSON_COLUMNS = {"attachments": (", ", ": "), "header_fields": (",", ":")}


@dataclass(frozen=True)
class FolderCheckpoint:
    uidvalidity: int
    last_uid: int
    highest_modseq: int | None
    messages: int | None = None  # the folder's count when the last complete run began
    skipped: int = 0  # messages on the server that ``--since`` left out on purpose
    skip_before: int | None = None  # that ``--since`` instant


def folder_checkpoint(tx: Tx, mailbox: str, folder: str) -> FolderCheckpoint | None:
    row = tx.query_one(
        "SELECT uidvalidity, last_uid, highest_modseq, messages, skipped, skip_before"
        " FROM sync_state WHERE mailbox = ? AND folder = ?",
        (mailbox, folder),
    )
    return FolderCheckpoint(**row) if row else None


def save_folder_checkpoint(
    tx: Tx, mailbox: str, folder: str, checkpoint: FolderCheckpoint, synced_at: int
) -> None:
    tx.execute(
        "INSERT INTO sync_state (mailbox, folder, uidvalidity, last_uid, highest_modseq,"
        " messages, skipped, skip_before, synced_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (mailbox, folder) DO UPDATE SET uidvalidity = excluded.uidvalidity,"
        " last_uid = excluded.last_uid, highest_modseq = excluded.highest_modseq,"
        " messages = excluded.messages, skipped = excluded.skipped,"
        " skip_before = excluded.skip_before, synced_at = excluded.synced_at",
        (
            mailbox,
            folder,
            checkpoint.uidvalidity,
            checkpoint.last_uid,
            checkpoint.highest_modseq,
            checkpoint.messages,
            checkpoint.skipped,
            checkpoint.skip_before,
            synced_at,
        ),
    )


def known_uids(tx: Tx, mailbox: str, folder: str, uidvalidity: int) -> set[int]:
    rows = tx.query(
        "SELECT uid FROM message WHERE mailbox = ? AND folder = ? AND uidvalidity = ?",
        (mailbox, folder, uidvalidity),
    )
    return {row["uid"] for row in rows}


def stored_uids(
    tx: Tx, mailbox: str, folder: str, uidvalidity: int, uids: Sequence[int]
) -> set[int]:
    """Which of ``uids`` the store holds already (a batch an interrupted run stored)."""
    stored: set[int] = set()
    for chunk in _chunks(uids):
        # The range keeps the index scan to the batch's UIDs however the planner guesses:
        # early in an initial sync PostgreSQL has no statistics of the table.
        one_of, params = tx.one_of("uid", chunk)
        rows = tx.query(
            "SELECT uid FROM message WHERE mailbox = ? AND folder = ? AND uidvalidity = ?"
            f" AND uid BETWEEN ? AND ? AND {one_of}",
            (mailbox, folder, uidvalidity, min(chunk), max(chunk), *params),
        )
        stored.update(row["uid"] for row in rows)
    return stored


def present_message_count(tx: Tx, mailbox: str, folder: str, uidvalidity: int) -> int:
    return tx.scalar(
        "SELECT COUNT(*) FROM message WHERE mailbox = ? AND folder = ? AND uidvalidity = ?"
        " AND gone_at IS NULL",
        (mailbox, folder, uidvalidity),
    )


def mark_gone(
    tx: Tx, mailbox: str, folder: str, uidvalidity: int, uids: Iterable[int], at: int
) -> int:
    """Messages removed from the server stay in the store, marked with when we noticed."""
    return sum(
        tx.execute(
            "UPDATE message SET gone_at = ? WHERE mailbox = ? AND folder = ? AND uidvalidity = ?"
            " AND uid = ? AND gone_at IS NULL",
            (at, mailbox, folder, uidvalidity, uid),
        )
        for uid in uids
    )


def update_flags(
    tx: Tx, mailbox: str, folder: str, uidvalidity: int, flags: Mapping[int, tuple[str, ...]]
) -> int:
    return sum(
        tx.execute(
            "UPDATE message SET flags = ? WHERE mailbox = ? AND folder = ? AND uidvalidity = ?"
            " AND uid = ? AND flags <> ?",
            (" ".join(value), mailbox, folder, uidvalidity, uid, " ".join(value)),
        )
        for uid, value in flags.items()
    )


def relocate_message(
    tx: Tx,
    mailbox: str,
    folder: str,
    message_id: str,
    from_address: str | None,
    uidvalidity: int,
    uid: int,
) -> bool:
    """After a UIDVALIDITY change, give a message we already hold its new UID instead of
    storing it twice; matched by Message-ID *and* sender, so a reused Message-ID from
    someone else is stored as the new message it is."""
    return bool(
        tx.execute(
            "UPDATE message SET uidvalidity = ?, uid = ?, gone_at = NULL WHERE id = ("
            " SELECT id FROM message WHERE mailbox = ? AND folder = ? AND message_id = ?"
            " AND COALESCE(from_address, '') = ? AND uidvalidity <> ? ORDER BY id LIMIT 1)",
            (uidvalidity, uid, mailbox, folder, message_id, from_address or "", uidvalidity),
        )
    )


def messages_by_message_id(tx: Tx, mailbox: str, message_ids: Iterable[str]) -> list[Row]:
    """The messages of ``mailbox`` under any of ``message_ids`` that belong to a
    conversation, newest first: conversation_id, message_id, from_address and the
    conversation's customer."""
    rows: list[Row] = []
    for chunk in _chunks(sorted(set(message_ids))):
        one_of, params = tx.one_of("m.message_id", chunk)
        rows += tx.query(
            "SELECT m.id, m.conversation_id, m.message_id, m.from_address, c.customer"
            " FROM message m JOIN conversation c ON c.id = m.conversation_id"
            f" WHERE m.mailbox = ? AND {one_of}",
            (mailbox, *params),
        )
    rows.sort(key=lambda row: row["id"], reverse=True)
    return rows


def conversations_by_id(tx: Tx, conversation_ids: Iterable[int]) -> list[Row]:
    rows: list[Row] = []
    for chunk in _chunks(sorted(set(conversation_ids))):
        one_of, params = tx.one_of("id", chunk)
        rows += tx.query(f"SELECT * FROM conversation WHERE {one_of}", params)
    return rows


def conversations_by_subject(
    tx: Tx, mailbox: str, customers_and_subjects: Iterable[tuple[str, str]]
) -> list[Row]:
    """The conversations of ``mailbox`` with one of these (customer, subject_key) pairs."""
    wanted = sorted(set(customers_and_subjects))
    rows: list[Row] = []
    for chunk in _chunks(wanted):
        customers, customer_params = tx.one_of(
            "customer", sorted({customer for customer, _ in chunk})
        )
        subjects, subject_params = tx.one_of(
            "subject_key", sorted({subject for _, subject in chunk})
        )
        rows += tx.query(
            f"SELECT * FROM conversation WHERE mailbox = ? AND {customers} AND {subjects}",
            (mailbox, *customer_params, *subject_params),
        )
    pairs = set(wanted)
    return [row for row in rows if (row["customer"], row["subject_key"]) in pairs]


def gather_missing_statistics(tx: Tx) -> list[str]:
    """ANALYZE the tables sync looks messages and conversations up in, where PostgreSQL has
    no statistics of them yet (a new store); return their names. SQLite needs none.

    Knowing nothing of a table, PostgreSQL plans a lookup as if a mailbox held a handful
    of rows and filters all of them instead of using the index; autovacuum would gather
    statistics a minute or more later, when an initial sync may be over. Statistics of
    the first batch are enough: the planner scales them to the table's size.
    """
    if tx.dialect == "sqlite":
        return []
    rows = tx.rows(
        "SELECT name FROM unnest(?::text[]) AS wanted (name) WHERE NOT EXISTS ("
        " SELECT 1 FROM pg_stats WHERE schemaname = current_schema() AND tablename = name)",
        (list(_LOOKUP_TABLES),),
    )
    for (table,) in rows:
        tx.execute(f"ANALYZE {table}")
    return [table for (table,) in rows]


class ConversationNumbers:
    """The numbers of the conversations one transaction starts: handed out at once while
    it threads its messages (a later message may name one in a ``[#n]`` token), taken for
    good in one statement when it writes them (``take``) rather than a round trip each.

    They count on from a guess at the store's next number. On SQLite the guess is right:
    the write transaction holds the database. On PostgreSQL another writer may take
    numbers between the guess and ``take``; the batch's numbers then move up to the ones
    it got, and the only thing read differently than alone is a ``[#n]`` token naming a
    number the batch was about to hand out itself.
    """

    def __init__(self, first: int):
        self._first = first
        self._count = 0

    @classmethod
    def guess(cls, tx: Tx, above: int) -> ConversationNumbers:
        """Numbers from the store's next one, all greater than ``above`` (the highest
        stored number the caller holds), so that none is mistaken for a stored one."""
        return cls(max(_next_conversation_number(tx), above + 1))

    def next(self) -> int:
        self._count += 1
        return self._first + self._count - 1

    def take(self, tx: Tx) -> dict[int, int]:
        """Reserve as many numbers as were handed out; each handed out → its number for
        good (itself, unless the guess was overtaken)."""
        handed = range(self._first, self._first + self._count)
        return dict(zip(handed, reserve_conversation_numbers(tx, self._count), strict=True))


def _next_conversation_number(tx: Tx) -> int:
    """The number the store is likely to give the next conversation it starts."""
    if tx.dialect == "sqlite":
        last = tx.scalar("SELECT seq FROM sqlite_sequence WHERE name = 'conversation'")
    else:  # NULL while the sequence has handed out nothing
        last = tx.scalar(
            "SELECT pg_sequence_last_value(pg_get_serial_sequence('conversation', 'id'))"
        )
    return (last or 0) + 1


def reserve_conversation_numbers(tx: Tx, count: int) -> list[int]:
    """``count`` conversation numbers never handed out before, ascending, in one statement,
    for conversations this transaction inserts under them (``insert_conversations``).

    PostgreSQL takes them from the identity's sequence, which hands each number out once
    whoever else is writing; the numbers of a transaction that rolls back are not handed
    out again (a gap). SQLite moves the AUTOINCREMENT high-water mark on, inside the write
    transaction that holds the database: a rollback moves it back.
    """
    if count == 0:
        return []
    if tx.dialect == "sqlite":
        return _advance_sqlite_sequence(tx, "conversation", count)
    # The sequence's name looked up once, not once a number: half the time of the call.
    rows = tx.rows(
        "WITH identity AS MATERIALIZED ("
        " SELECT pg_get_serial_sequence('conversation', 'id')::regclass AS sequence)"
        " SELECT nextval(sequence) FROM identity, generate_series(1, ?)",
        (count,),
    )
    return sorted(number for (number,) in rows)


def _advance_sqlite_sequence(tx: Tx, table: str, count: int) -> list[int]:
    """The next ``count`` AUTOINCREMENT ids of ``table``, taken: inserting them later
    leaves the high-water mark where this puts it."""
    last = tx.scalar(
        "UPDATE sqlite_sequence SET seq = seq + ? WHERE name = ? RETURNING seq", (count, table)
    )
    if last is None:  # nothing was ever inserted into the table
        tx.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (table, count))
        last = count
    return list(range(last - count + 1, last + 1))


def insert_conversations(tx: Tx, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert whole conversation rows, ``id`` included (see ConversationNumbers)."""
    for names, group in _by_columns(rows):
        tx.insert_rows("conversation", names, [[row[name] for name in names] for row in group])


def update_conversations(tx: Tx, changes: Mapping[int, Mapping[str, Any]]) -> None:
    """Apply each conversation's column changes; one statement per set of columns."""
    rows = [{**values, "id": number} for number, values in changes.items() if values]
    for names, group in _by_columns(rows):
        columns = [name for name in names if name != "id"]
        assignments = ", ".join(f"{column} = ?" for column in columns)
        tx.executemany(
            f"UPDATE conversation SET {assignments} WHERE id = ?",
            [[*(row[column] for column in columns), row["id"]] for row in group],
        )


def insert_messages(tx: Tx, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert message rows, all with the same columns (``attachments`` a list,
    ``header_fields`` a mapping or None)."""
    if not rows:
        return
    columns = list(rows[0])
    as_json = [
        (position, _JSON_COLUMNS[column])
        for position, column in enumerate(columns)
        if column in _JSON_COLUMNS
    ]
    values = []
    for row in rows:
        value = [row[column] for column in columns]
        for position, separators in as_json:
            if value[position] is not None:
                value[position] = json.dumps(
                    value[position], ensure_ascii=False, separators=separators
                )
        values.append(value)
    # Quoted: "references" is a reserved word.
    tx.insert_rows("message", [f'"{column}"' for column in columns], values)


def decode_header_fields(stored: str | None) -> dict[str, str] | None:
    """The mapping ``insert_messages`` stored as ``message.header_fields``."""
    return json.loads(stored) if stored else None


def _by_columns(
    rows: Sequence[Mapping[str, Any]],
) -> Iterator[tuple[tuple[str, ...], list[Mapping[str, Any]]]]:
    """The rows grouped by their set of columns (sorted names), for one statement each."""
    groups: dict[tuple[str, ...], list[Mapping[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row)), []).append(row)
    yield from groups.items()


def _chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), IN_LIST_SIZE):
        yield values[start : start + IN_LIST_SIZE]
