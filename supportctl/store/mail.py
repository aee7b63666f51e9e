"""Queries of mail sync: folder checkpoints, messages, conversations and their events.

Every function takes an open ``Tx``; instants are epoch seconds (UTC). Sync writes one
batch of messages and the folder's checkpoint in one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence, Sized
from dataclasses import dataclass
from typing import Any

from supportctl.store.database import Row, Tx

# Values bound in one ``IN (...)``: well under SQLite's and PostgreSQL's limits, and
# small enough for the planner to use the index for each.
IN_LIST_SIZE = 500
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
        rows = tx.query(
            "SELECT uid FROM message WHERE mailbox = ? AND folder = ? AND uidvalidity = ?"
            f" AND uid IN ({_marks(chunk)})",
            (mailbox, folder, uidvalidity, *chunk),
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
        rows += tx.query(
            "SELECT m.id, m.conversation_id, m.message_id, m.from_address, c.customer"
            " FROM message m JOIN conversation c ON c.id = m.conversation_id"
            f" WHERE m.mailbox = ? AND m.message_id IN ({_marks(chunk)})",
            (mailbox, *chunk),
        )
    rows.sort(key=lambda row: row["id"], reverse=True)
    return rows


def conversations_by_id(tx: Tx, conversation_ids: Iterable[int]) -> list[Row]:
    rows: list[Row] = []
    for chunk in _chunks(sorted(set(conversation_ids))):
        rows += tx.query(f"SELECT * FROM conversation WHERE id IN ({_marks(chunk)})", chunk)
    return rows


def conversations_by_subject(
    tx: Tx, mailbox: str, customers_and_subjects: Iterable[tuple[str, str]]
) -> list[Row]:
    """The conversations of ``mailbox`` with one of these (customer, subject_key) pairs."""
    wanted = sorted(set(customers_and_subjects))
    rows: list[Row] = []
    for chunk in _chunks(wanted):
        customers = sorted({customer for customer, _ in chunk})
        subjects = sorted({subject for _, subject in chunk})
        rows += tx.query(
            f"SELECT * FROM conversation WHERE mailbox = ? AND customer IN ({_marks(customers)})"
            f" AND subject_key IN ({_marks(subjects)})",
            (mailbox, *customers, *subjects),
        )
    pairs = set(wanted)
    return [row for row in rows if (row["customer"], row["subject_key"]) in pairs]


class ConversationNumbers:
    """Conversation numbers never used before, handed out one by one as a transaction
    starts conversations, which ``insert_conversations`` then stores with those ids: a
    number is known at once (a later message may name it) without one INSERT ...
    RETURNING per conversation.

    SQLite: counting on from the AUTOINCREMENT high-water mark, read once; the write
    transaction holds the database, so no one else takes them meanwhile. PostgreSQL:
    ``nextval`` of the identity's sequence, which hands each number out once.
    """

    def __init__(self, tx: Tx):
        self._tx = tx
        self._last: int | None = None

    def next(self) -> int:
        if self._tx.dialect != "sqlite":
            return self._tx.scalar("SELECT nextval(pg_get_serial_sequence('conversation', 'id'))")
        if self._last is None:
            self._last = (
                self._tx.scalar("SELECT seq FROM sqlite_sequence WHERE name = 'conversation'") or 0
            )
        self._last += 1
        return self._last


def insert_conversations(tx: Tx, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert whole conversation rows, ``id`` included (see ConversationNumbers)."""
    for names, group in _by_columns(rows):
        tx.executemany(
            f"INSERT INTO conversation ({', '.join(names)}) VALUES ({_marks(names)})",
            [[row[name] for name in names] for row in group],
        )


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
    names = ", ".join(f'"{column}"' for column in columns)
    tx.executemany(f"INSERT INTO message ({names}) VALUES ({_marks(columns)})", values)


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


def _marks(values: Sized) -> str:
    return ", ".join(["?"] * len(values))
