"""A small store whose report figures were worked out by hand (``test_fixture_figures``).

``fixture.yaml`` beside this file: e-mail on Riyadh hours (Sun–Thu 09:00–17:00, closed
for Eid al-Fitr 19–24 March 2026), chat on London hours (Mon–Fri 09:00–17:30), reports
in Europe/London, whose clocks go forward at 01:00 UTC on 29 March 2026.

    #1 support  Thu 5 Mar 16:30 Riyadh; reply Sun 8 Mar 09:30 (stored twice: Sent and a
                Cc'd copy in INBOX); closed Mon 9 Mar 10:00 — across the Fri–Sat weekend
    #2 support  Wed 18 Mar 16:00 Riyadh; reply Wed 25 Mar 10:00 — across the Eid closure;
                still pending
    #3 chat     Fri 27 Mar 17:00 London; reply Mon 30 Mar 09:30 BST, closed 10:00 BST —
                across the weekend and the DST change
    #4 support  Sun 29 Mar 02:30 BST (01:30 UTC, just after the change); unanswered
    #5 support  Thu 26 Feb; reply 27 Feb; closed 2 Mar, reopened by the customer 10 Mar,
                closed again 12 Mar (figures of March, created in February)
    #6 support  started by the team Sun 15 Mar 08:00 UTC and created closed (no events)
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from supportctl.config import load_config
from supportctl.config.model import Config
from supportctl.store.database import Store
from supportctl.store.sla import refresh_sla

CONFIG = Path(__file__).with_name("fixture.yaml")
NOW = datetime(2026, 4, 5, 12, tzinfo=UTC)


def at(text: str) -> int:
    """Epoch seconds of an ISO 8601 UTC time."""
    return int(datetime.fromisoformat(text + "+00:00").timestamp())


def fixture_config(store_url: str) -> Config:
    from dataclasses import replace

    return replace(load_config(CONFIG, {}), store=store_url)


CONVERSATIONS = (
    # id, mailbox, channel, status, assignee, created, first response, resolved, reopened
    (1, "support", "email", "closed", "layla", "2026-03-05T13:30", "2026-03-08T06:30",
     "2026-03-09T07:00", 0),
    (2, "support", "email", "pending", "omar", "2026-03-18T13:00", "2026-03-25T07:00", None, 0),
    (3, "chat", "chat", "closed", "sara", "2026-03-27T17:00", "2026-03-30T08:30",
     "2026-03-30T09:00", 0),
    (4, "support", "email", "open", None, "2026-03-29T01:30", None, None, 0),
    (5, "support", "email", "closed", "layla", "2026-02-26T10:00", "2026-02-27T08:00",
     "2026-03-12T10:00", 1),
    (6, "support", "email", "closed", None, "2026-03-15T08:00", None, "2026-03-15T08:00", 0),
)  # fmt: skip
MESSAGES = (
    # conversation, folder, direction, Message-ID, received
    (1, "INBOX", "inbound", "c1@customer", "2026-03-05T13:30"),
    (1, "Sent", "outbound", "r1@support", "2026-03-08T06:30"),
    (1, "INBOX", "outbound", "r1@support", "2026-03-08T06:30:30"),
    (2, "INBOX", "inbound", "c2@customer", "2026-03-18T13:00"),
    (2, "Sent", "outbound", "r2@support", "2026-03-25T07:00"),
    (3, "INBOX", "inbound", "c3@customer", "2026-03-27T17:00"),
    (3, "Sent", "outbound", "r3@support", "2026-03-30T08:30"),
    (4, "INBOX", "inbound", "c4@customer", "2026-03-29T01:30"),
    (5, "INBOX", "inbound", "c5@customer", "2026-02-26T10:00"),
    (5, "Sent", "outbound", "r5@support", "2026-02-27T08:00"),
    (5, "INBOX", "inbound", "c5b@customer", "2026-03-10T09:15"),
    (6, "Sent", "outbound", "r6@support", "2026-03-15T08:00"),
)
STATUS_EVENTS = (
    # conversation, at, old, new
    (1, "2026-03-08T06:30", "open", "pending"),
    (1, "2026-03-09T07:00", "pending", "closed"),
    (2, "2026-03-25T07:00", "open", "pending"),
    (3, "2026-03-30T08:30", "open", "pending"),
    (3, "2026-03-30T09:00", "pending", "closed"),
    (5, "2026-02-27T08:00", "open", "pending"),
    (5, "2026-03-02T08:00", "pending", "closed"),
    (5, "2026-03-10T09:15", "closed", "open"),
    (5, "2026-03-12T10:00", "open", "closed"),
)
TAGS = ((1, "refund"), (2, "refund"), (2, "vip"))


def fill_fixture(store: Store, config: Config) -> None:
    """Write the six conversations as sync and triage would have, then ``sla refresh``."""
    rows = []
    for (
        number,
        mailbox,
        channel,
        status,
        assignee,
        created,
        first,
        resolved,
        reopened,
    ) in CONVERSATIONS:
        inbound = [at(m[4]) for m in MESSAGES if m[0] == number and m[2] == "inbound"]
        outbound = [at(m[4]) for m in MESSAGES if m[0] == number and m[2] == "outbound"]
        distinct = {m[3] for m in MESSAGES if m[0] == number}
        rows.append(
            (number, mailbox, channel, f"customer{number}@example.net", f"Question {number}",
             status, assignee, at(created), max(inbound + outbound),
             max(inbound) if inbound else None, max(outbound) if outbound else None,
             at(first) if first else None, at(resolved) if resolved else None, reopened,
             len(distinct))
        )  # fmt: skip
    with store.transaction() as tx:
        tx.executemany(
            "INSERT INTO conversation (id, mailbox, channel, customer, subject, status,"
            " assignee, created_at, updated_at, last_inbound_at, last_outbound_at,"
            " first_response_at, resolved_at, reopened_count, message_count)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        tx.executemany(
            "INSERT INTO message (mailbox, folder, uidvalidity, uid, message_id,"
            " received_at, sent_at, direction, conversation_id) VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?)",
            [
                (_mailbox(conversation), folder, uid, message_id, at(received), at(received),
                 direction, conversation)
                for uid, (conversation, folder, direction, message_id, received) in enumerate(
                    MESSAGES, start=1
                )
            ],
        )  # fmt: skip
        tx.executemany(
            "INSERT INTO event (conversation_id, at, actor, kind, old_value, new_value)"
            " VALUES (?, ?, 'sync', 'status', ?, ?)",
            [(number, at(when), old, new) for number, when, old, new in STATUS_EVENTS],
        )
        tx.executemany("INSERT INTO conversation_tag (conversation_id, tag) VALUES (?, ?)", TAGS)
    report = refresh_sla(config, store, now=NOW, everything=True)
    assert report.errors == 0, report.problems


def _mailbox(conversation: int) -> str:
    return next(row[1] for row in CONVERSATIONS if row[0] == conversation)
