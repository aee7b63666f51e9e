"""Conversations, messages and events written straight into a store, for triage tests
(sync is tested on its own; here only the rows it leaves behind matter)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from supportctl.config.model import Config
from supportctl.store.database import Store

NOW = datetime(2026, 1, 11, 7, 0, tzinfo=UTC)  # Sunday 10:00 in Riyadh
EPOCH_NOW = int(NOW.timestamp())
HOUR = 3600


def add_conversation(
    store: Store,
    *,
    tags: tuple[str, ...] = (),
    messages: tuple[dict[str, Any], ...] = (),
    **columns: Any,
) -> int:
    """One conversation (defaults: open, unassigned, created an hour before ``NOW``) with
    its tags and inbound ``messages`` (column → value overrides)."""
    row = {
        "mailbox": "support",
        "channel": "email",
        "customer": "customer@example.com",
        "subject": "Where is my order?",
        "status": "open",
        "priority": "normal",
        "created_at": EPOCH_NOW - HOUR,
        "updated_at": EPOCH_NOW - HOUR,
        "message_count": len(messages),
        **columns,
    }
    with store.transaction() as tx:
        number = tx.insert_returning_id(
            f"INSERT INTO conversation ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
            tuple(row.values()),
        )
        assert number is not None
        for tag in tags:
            tx.execute("INSERT INTO conversation_tag VALUES (?, ?)", (number, tag))
        for index, overrides in enumerate(messages):
            message = {
                "mailbox": row["mailbox"],
                "folder": "INBOX",
                "uidvalidity": 1,
                "uid": number * 100 + index,
                "message_id": f"m{number}.{index}@example.com",
                "from_address": row["customer"],
                "to_addresses": "support@example.com",
                "subject": row["subject"],
                "received_at": row["created_at"],
                "direction": "inbound",
                "snippet": "",
                "conversation_id": number,
                **overrides,
            }
            tx.execute(
                f"INSERT INTO message ({', '.join(message)})"
                f" VALUES ({', '.join('?' * len(message))})",
                tuple(message.values()),
            )
    return number


def add_event(
    store: Store, conversation: int, at: int, actor: str, kind: str, old: Any, new: Any
) -> None:
    with store.transaction() as tx:
        tx.execute(
            "INSERT INTO event (conversation_id, at, actor, kind, old_value, new_value)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (conversation, at, actor, kind, old, new),
        )


def column(store: Store, conversation: int, name: str) -> Any:
    return store.scalar(f"SELECT {name} FROM conversation WHERE id = ?", (conversation,))


def events(store: Store, conversation: int | None = None) -> list[tuple[Any, ...]]:
    rows = store.query(
        "SELECT conversation_id, actor, kind, old_value, new_value FROM event"
        + (" WHERE conversation_id = ?" if conversation is not None else "")
        + " ORDER BY id",
        () if conversation is None else (conversation,),
    )
    return [tuple(row.values()) for row in rows]


def at(hours: float) -> int:
    """Epoch seconds ``hours`` after ``NOW`` (negative: before)."""
    return int((NOW + timedelta(hours=hours)).timestamp())


CONFIG_YAML = """\
version: 1
timezone: Asia/Riyadh
store: {store}
mailboxes:
  - {{name: support, maildir: ./mail, addresses: [support@example.com]}}
calendars:
  riyadh:
    hours: {{sun-thu: "09:00-17:00"}}
    holidays: {{country: SA}}
  night:
    hours: {{sat-thu: "22:00-06:00"}}
team:
  - {{id: omar, name: Omar, calendar: riyadh, roles: [lead], max_open: 3}}
  - {{id: layla, name: Layla, calendar: riyadh, max_open: 5,
     leave: [{{from: 2026-01-11, to: 2026-01-15}}]}}
  - {{id: alice, name: Alice, calendar: riyadh}}
  - {{id: sara, name: Sara, calendar: night}}
rules:
  tags:
    - {{name: refunds, tag: refund, when: {{subject: "(?i)refund|استرداد"}}}}
    - {{name: vip, tag: vip, when: {{from_domain: big.com}}}}
    - {{name: arabic, tag: arabic, when: {{language: ar}}}}
  assign:
    strategy: {strategy}
    only_on_duty: true
    fallback: "@lead"
    routes:
      - {{name: vip-desk, when: {{tag: vip}}, to: [alice]}}
    escalation: {{before_breach: 30m}}
"""


def write_config(directory: Any, store_url: str, strategy: str = "round_robin") -> Any:
    """A config (a Riyadh team, Sara on nights, Layla on leave at ``NOW``) beside a
    store at ``store_url``; returns its path."""
    path = directory / "supportctl.yaml"
    path.write_text(CONFIG_YAML.format(store=store_url, strategy=strategy), encoding="utf-8")
    return path


def load(path: Any) -> Config:
    from supportctl.config import load_config

    return load_config(path, {})
