"""Queries of ``supportctl writeback``: each message's conversation state, and the
keywords last written to it (table ``message_keywords``, migration 0004)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from supportctl.store.database import Tx
from supportctl.store.triage import Selection, tags_of


class MessageState(NamedTuple):
    """One stored message still on the server, with its conversation's state."""

    message_id: int
    folder: str
    uidvalidity: int
    uid: int
    flags: str  # as sync last read them, space-separated
    status: str
    assignee: str | None
    tags: tuple[str, ...]
    written: str | None  # what the last writeback wrote; None: never written


def message_states(tx: Tx, mailbox: str) -> list[MessageState]:
    """Every message of ``mailbox`` that is in a conversation and not gone."""
    tags = tags_of(tx, Selection("mailbox = ?", (mailbox,)))
    rows = tx.rows(
        "SELECT m.id, m.folder, m.uidvalidity, m.uid, m.flags, c.status, c.assignee,"
        " c.id, w.keywords"
        " FROM message m JOIN conversation c ON c.id = m.conversation_id"
        " LEFT JOIN message_keywords w ON w.message_id = m.id"
        " WHERE m.mailbox = ? AND m.gone_at IS NULL"
        " ORDER BY m.folder, m.uidvalidity, m.uid",
        (mailbox,),
    )
    return [
        MessageState(*row[:7], tags=tuple(tags.get(row[7], ())), written=row[8]) for row in rows
    ]


def save_written(tx: Tx, keywords: Mapping[int, str]) -> None:
    """Record ``keywords`` (message id → space-separated keywords) as written."""
    tx.executemany(
        "INSERT INTO message_keywords (message_id, keywords) VALUES (?, ?)"
        " ON CONFLICT (message_id) DO UPDATE SET keywords = excluded.keywords",
        list(keywords.items()),
    )
