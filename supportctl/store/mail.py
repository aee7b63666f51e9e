"""Queries of mail sync: folder checkpoints, messages, conversations and their events.

Every function takes an open ``Tx``; instants are epoch seconds (UTC). Sync writes one
batch of messages and the folder's checkpoint in one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from supportctl.store.database import Tx


@dataclass(frozen=True)
class FolderCheckpoint:
    uidvalidity: int
    last_uid: int
    highest_modseq: int | None


def folder_checkpoint(tx: Tx, mailbox: str, folder: str) -> FolderCheckpoint | None:
    row = tx.query_one(
        "SELECT uidvalidity, last_uid, highest_modseq FROM sync_state"
        " WHERE mailbox = ? AND folder = ?",
        (mailbox, folder),
    )
    return FolderCheckpoint(**row) if row else None


def save_folder_checkpoint(
    tx: Tx, mailbox: str, folder: str, checkpoint: FolderCheckpoint, synced_at: int
) -> None:
    tx.execute(
        "INSERT INTO sync_state (mailbox, folder, uidvalidity, last_uid, highest_modseq, synced_at)"
        " VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (mailbox, folder) DO UPDATE SET uidvalidity = excluded.uidvalidity,"
        " last_uid = excluded.last_uid, highest_modseq = excluded.highest_modseq,"
        " synced_at = excluded.synced_at",
        (
            mailbox,
            folder,
            checkpoint.uidvalidity,
            checkpoint.last_uid,
            checkpoint.highest_modseq,
            synced_at,
        ),
    )


def known_uids(tx: Tx, mailbox: str, folder: str, uidvalidity: int) -> set[int]:
    rows = tx.query(
        "SELECT uid FROM message WHERE mailbox = ? AND folder = ? AND uidvalidity = ?",
        (mailbox, folder, uidvalidity),
    )
    return {row["uid"] for row in rows}


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


def conversations_of_message_ids(
    tx: Tx, mailbox: str, message_ids: list[str]
) -> list[dict[str, Any]]:
    """Conversations holding any of ``message_ids``, newest message first, with who sent it."""
    if not message_ids:
        return []
    marks = ", ".join("?" for _ in message_ids)
    return tx.query(
        f"SELECT m.conversation_id, m.message_id, m.from_address, c.customer FROM message m"
        f" JOIN conversation c ON c.id = m.conversation_id"
        f" WHERE m.mailbox = ? AND m.message_id IN ({marks}) ORDER BY m.id DESC",
        (mailbox, *message_ids),
    )


def conversation_of_copy(
    tx: Tx, mailbox: str, message_id: str, from_address: str | None
) -> int | None:
    """The conversation of a message we already hold under this Message-ID from this
    sender (the copy of a reply Cc'd to the shared inbox, a message filed in two folders)."""
    return tx.scalar(
        "SELECT conversation_id FROM message WHERE mailbox = ? AND message_id = ?"
        " AND COALESCE(from_address, '') = ? AND conversation_id IS NOT NULL LIMIT 1",
        (mailbox, message_id, from_address or ""),
    )


def conversation_row(tx: Tx, conversation_id: int) -> dict[str, Any] | None:
    return tx.query_one("SELECT * FROM conversation WHERE id = ?", (conversation_id,))


def conversation_by_subject(
    tx: Tx, mailbox: str, customer: str, subject_key: str, active_since: int
) -> int | None:
    return tx.scalar(
        "SELECT id FROM conversation WHERE mailbox = ? AND customer = ? AND subject_key = ?"
        " AND updated_at >= ? ORDER BY updated_at DESC LIMIT 1",
        (mailbox, customer, subject_key, active_since),
    )


def insert_conversation(tx: Tx, values: Mapping[str, Any]) -> int:
    columns = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    new_id = tx.insert_returning_id(
        f"INSERT INTO conversation ({columns}) VALUES ({marks})", tuple(values.values())
    )
    assert new_id is not None
    return new_id


def update_conversation(tx: Tx, conversation_id: int, changes: Mapping[str, Any]) -> None:
    if changes:
        assignments = ", ".join(f"{column} = ?" for column in changes)
        tx.execute(
            f"UPDATE conversation SET {assignments} WHERE id = ?",
            (*changes.values(), conversation_id),
        )


def insert_message(tx: Tx, values: Mapping[str, Any]) -> int | None:
    """None when the message is already stored (same folder, UIDVALIDITY and UID)."""
    row = dict(values)
    row["attachments"] = json.dumps(row.get("attachments", []), ensure_ascii=False)
    columns = ", ".join(f'"{column}"' for column in row)
    marks = ", ".join("?" for _ in row)
    return tx.insert_returning_id(
        f"INSERT INTO message ({columns}) VALUES ({marks})"
        " ON CONFLICT (mailbox, folder, uidvalidity, uid) DO NOTHING",
        tuple(row.values()),
    )


def add_event(
    tx: Tx,
    conversation_id: int,
    at: int,
    actor: str,
    kind: str,
    old_value: str | None,
    new_value: str | None,
    reason: str | None = None,
) -> None:
    tx.execute(
        "INSERT INTO event (conversation_id, at, actor, kind, old_value, new_value, reason)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (conversation_id, at, actor, kind, old_value, new_value, reason),
    )
