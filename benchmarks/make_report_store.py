"""Build a store for reports: 1,000,000 messages in 250,000 conversations over two years.

    python3 benchmarks/make_report_store.py --store sqlite:///tmp/reports.db
    python3 benchmarks/make_report_store.py --store postgresql://postgres@127.0.0.1/test
    python3 benchmarks/make_report_store.py --small --store ...   # 2,000 / 8,000, for tests

The mailboxes, team, tags, SLA policies and calendars are the example config's
(``config/example.yaml``: Riyadh with SA holidays and the Eid closure, Cairo, the night
chat desk). Conversations start between 2025-01-01 and 2026-12-20 (Riyadh time), two in
three inside office hours; each has 1 to 8 messages (exactly ``--messages`` in all)
alternating customer and team, the team's replies minutes to days later, about one in
thirty Cc'd back to the shared inbox (a second copy of the same message). As sync and
triage would: a reply makes the conversation pending, a customer's message opens it again,
agents close most (some after a reply, and some are reopened), each status change and assignment
is an event, and a few conversations are started by the team (some created closed).
The SLA columns and business times are then worked out by ``sla refresh`` itself.

Rows go in with ``executemany`` in batches (one transaction per batch); the store's
conversations, messages and events are replaced.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from supportctl.config import load_config
from supportctl.config.model import Config
from supportctl.store import open_store
from supportctl.store.database import Store
from supportctl.store.sla import SlaRefreshReport, refresh_sla

FULL = (250_000, 1_000_000)
SMALL = (2_000, 8_000)
EXAMPLE = Path(__file__).resolve().parent.parent / "config" / "example.yaml"
START = datetime(2024, 12, 31, 21, tzinfo=UTC)  # 2025-01-01 00:00 in Riyadh
LAST_START = datetime(2026, 12, 19, 21, tzinfo=UTC)
NOW = datetime(2027, 1, 1, tzinfo=UTC)
MAILBOXES = (("support", "email"), ("support", "email"), ("billing", "email"), ("egypt", "email"))
CHAT = ("chat", "chat")
AGENTS = ("omar", "layla", "alice", "youssef", "sara", None)
PRIORITIES = ("low", "normal", "normal", "normal", "high", "urgent")
TAGS = (("vip", 0.1), ("refund", 0.15), ("arabic", 0.3), ("invoice", 0.05))
MAX_MESSAGES = 8
BATCH = 5_000  # conversations per transaction
OFFICE_HOURS_UTC = (6 * 3600, 14 * 3600)  # 09:00-17:00 in Riyadh


@dataclass
class Conversation:
    """One generated conversation: its row, messages, events and tags."""

    row: dict[str, Any]
    messages: list[tuple[Any, ...]] = field(default_factory=list)
    events: list[tuple[Any, ...]] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


MESSAGE_COLUMNS = (
    "mailbox",
    "folder",
    "uidvalidity",
    "uid",
    "message_id",
    "from_address",
    "to_addresses",
    "subject",
    "sent_at",
    "received_at",
    "direction",
    "size",
    "snippet",
    "conversation_id",
)
CONVERSATION_COLUMNS = (
    "id",
    "mailbox",
    "channel",
    "customer",
    "subject",
    "subject_key",
    "status",
    "priority",
    "assignee",
    "created_at",
    "updated_at",
    "last_inbound_at",
    "last_outbound_at",
    "first_response_at",
    "resolved_at",
    "reopened_count",
    "message_count",
)
EVENT_COLUMNS = ("conversation_id", "at", "actor", "kind", "old_value", "new_value", "reason")


def message_counts(rng: random.Random, conversations: int, messages: int) -> list[int]:
    """Messages per conversation, 1 to ``MAX_MESSAGES``, summing to exactly ``messages``."""
    base, extra = divmod(messages, conversations)
    counts = [base + (i < extra) for i in range(conversations)]
    for _ in range(conversations):
        a, b = rng.randrange(conversations), rng.randrange(conversations)
        moved = rng.randint(0, 3)
        if counts[a] - moved >= 1 and counts[b] + moved <= MAX_MESSAGES:
            counts[a] -= moved
            counts[b] += moved
    return counts


def conversations(count: int, messages: int, seed: int) -> Iterator[Conversation]:
    """The generated conversations, numbered from 1."""
    rng = random.Random(seed)
    uids = {"INBOX": 0, "Sent": 0}
    for number, size in enumerate(message_counts(rng, count, messages), start=1):
        yield _conversation(rng, number, size, uids)


def _created(rng: random.Random) -> int:
    start, end = int(START.timestamp()), int(LAST_START.timestamp())
    moment = rng.randrange(start, end)
    if rng.random() < 2 / 3:  # inside office hours, Riyadh time
        day = moment - moment % 86_400
        moment = day + rng.randrange(*OFFICE_HOURS_UTC)
    return moment


def _conversation(rng: random.Random, number: int, size: int, uids: dict[str, int]) -> Conversation:
    mailbox, channel = CHAT if rng.random() < 0.15 else rng.choice(MAILBOXES)
    customer = f"customer{rng.randrange(60_000)}@example.net"
    created = _created(rng)
    team_first = rng.random() < 0.02
    conversation = Conversation(
        row={
            "id": number,
            "mailbox": mailbox,
            "channel": channel,
            "customer": customer,
            "subject": f"Question {number}",
            "subject_key": f"question {number}",
            "priority": rng.choice(PRIORITIES),
            "assignee": rng.choice(AGENTS),
            "created_at": created,
            "reopened_count": 0,
        },
        tags=[tag for tag, share in TAGS if rng.random() < share],
    )
    status = "pending" if team_first else "open"
    if team_first and rng.random() < 0.3:
        status = "closed"
    at = created
    inbound = not team_first
    first_response = resolved = last_in = last_out = None
    written = 0
    while written < size:
        delay = _delay(rng, inbound)
        direction = "inbound" if inbound else "outbound"
        folder = "INBOX" if inbound else "Sent"
        uids[folder] += 1
        message = _Message(number, mailbox, customer, f"{number}.{written}@example.net", at)
        conversation.messages.append(message.row(direction, folder, uids[folder], at))
        written += 1
        if inbound:
            last_in = at
            if status != "open" and written > 1:
                conversation.events.append((number, at, "sync", "status", status, "open", None))
                if status == "closed":
                    conversation.row["reopened_count"] += 1
                    resolved = None
                status = "open"
        else:
            last_out = at
            if last_in is not None and first_response is None:
                first_response = at
            if written > 1 and status == "open":
                conversation.events.append((number, at, "sync", "status", "open", "pending", None))
                status = "pending"
            if written < size and rng.random() < 1 / 30:  # Cc'd back to the shared inbox
                uids["INBOX"] += 1
                conversation.messages.append(
                    message.row(direction, "INBOX", uids["INBOX"], at + 30)
                )
                written += 1
            if rng.random() < 0.35 and status == "pending":
                resolved = at + rng.randrange(1, delay)  # before the next message
                conversation.events.append(
                    (number, resolved, "layla", "status", "pending", "closed", None)
                )
                status = "closed"
        at += delay
        inbound = not inbound
    if status != "closed" and rng.random() < 0.85:  # an agent closes it at the end
        resolved = at + rng.randrange(3600, 2 * 86_400)
        conversation.events.append((number, resolved, "omar", "status", status, "closed", None))
        status = "closed"
    if status == "closed" and resolved is None:
        resolved = created  # created closed by the team: no event
    if conversation.row["assignee"]:
        conversation.events.append(
            (
                number,
                created + 60,
                "rule:assign",
                "assignee",
                None,
                conversation.row["assignee"],
                None,
            )
        )
    conversation.row.update(
        status=status,
        updated_at=max(at, resolved or at),
        last_inbound_at=last_in,
        last_outbound_at=last_out,
        first_response_at=first_response,
        resolved_at=resolved if status == "closed" else None,
        message_count=len({message[4] for message in conversation.messages}),
    )
    return conversation


@dataclass(frozen=True)
class _Message:
    conversation: int
    mailbox: str
    customer: str
    message_id: str
    sent_at: int

    def row(self, direction: str, folder: str, uid: int, received_at: int) -> tuple[Any, ...]:
        """A message row in ``MESSAGE_COLUMNS`` order."""
        ours = "support@example.com"
        sender, recipient = (
            (self.customer, ours) if direction == "inbound" else (ours, self.customer)
        )
        return (
            self.mailbox,
            folder,
            1,
            uid,
            self.message_id,
            sender,
            recipient,
            f"Question {self.conversation}",
            self.sent_at,
            received_at,
            direction,
            2048,
            "...",
            self.conversation,
        )


def _delay(rng: random.Random, after_inbound: bool) -> int:
    """Seconds to the next message: a reply within minutes to a couple of days; the
    customer's answer within hours to days."""
    mean = 4 * 3600 if after_inbound else 20 * 3600
    return 60 + min(int(rng.expovariate(1 / mean)), 4 * 86_400)


def fill(store: Store, count: int, messages: int, seed: int = 1) -> None:
    """Replace the store's conversations, messages and events with generated ones."""
    with store.transaction() as tx:
        for table in ("event", "message", "conversation_tag", "conversation", "state"):
            tx.execute(f"DELETE FROM {table}")
    batch: list[Conversation] = []
    for conversation in conversations(count, messages, seed):
        batch.append(conversation)
        if len(batch) == BATCH:
            _write(store, batch)
            batch = []
    _write(store, batch)
    if store.dialect == "postgresql":
        with store.transaction() as tx:  # explicit ids leave the identity sequence behind
            tx.execute(
                "SELECT setval(pg_get_serial_sequence('conversation', 'id'),"
                " (SELECT MAX(id) FROM conversation))"
            )
            tx.execute("ANALYZE")


def _write(store: Store, batch: list[Conversation]) -> None:
    if not batch:
        return
    with store.transaction() as tx:
        tx.executemany(
            _insert("conversation", CONVERSATION_COLUMNS),
            [tuple(c.row[column] for column in CONVERSATION_COLUMNS) for c in batch],
        )
        tx.executemany(
            "INSERT INTO conversation_tag (conversation_id, tag) VALUES (?, ?)",
            [(c.row["id"], tag) for c in batch for tag in c.tags],
        )
        tx.executemany(_insert("message", MESSAGE_COLUMNS), [m for c in batch for m in c.messages])
        tx.executemany(_insert("event", EVENT_COLUMNS), [e for c in batch for e in c.events])


def _insert(table: str, columns: tuple[str, ...]) -> str:
    names = ", ".join(f'"{column}"' for column in columns)
    return f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' for _ in columns)})"


def example_config(store_url: str) -> Config:
    return replace(load_config(EXAMPLE, {"SUPPORT_IMAP_PASSWORD": "unused"}), store=store_url)


def build(store_url: str, count: int, messages: int, seed: int = 1) -> SlaRefreshReport:
    """Fill the store at ``store_url`` and work out its SLA columns as of ``NOW``."""
    with open_store(store_url) as store:
        fill(store, count, messages, seed)
        return refresh_sla(example_config(store_url), store, now=NOW, everything=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", help="store URL (default: a new SQLite file, then removed)")
    parser.add_argument("--small", action="store_true", help="2,000 conversations, 8,000 messages")
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args(argv)
    count, messages = SMALL if options.small else FULL
    with tempfile.TemporaryDirectory() as scratch:
        url = options.store or f"sqlite:///{scratch}/reports.db"
        started = time.perf_counter()
        report = build(url, count, messages, options.seed)
        print(
            f"{count:,} conversations, {messages:,} messages in {url}:"
            f" {time.perf_counter() - started:.1f} s (sla refresh {report.seconds:.1f} s,"
            f" {report.errors} errors)"
        )
    return 0 if not report.errors else 1


if __name__ == "__main__":
    sys.exit(main())
