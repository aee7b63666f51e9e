"""Two syncs of different mailboxes writing into one store at once (SQLite and
PostgreSQL): each batch reserves its conversation numbers in one statement, and the two
get distinct numbers, without gaps, each thread whole in its own mailbox."""

from __future__ import annotations

from multiprocessing.context import SpawnContext
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path

from supportctl.config import load_config
from supportctl.mail.sync import sync
from supportctl.store import open_store
from supportctl.store.database import Store
from tests.store.store_helpers import run_together
from tests.sync.test_sync_local import NOW, deliver, message

MAILBOXES = ("north", "south")
CUSTOMERS = 12  # per mailbox, each writing twice: a question, then a reply to it


def write_mailboxes(tmp_path: Path, store_url: str) -> Path:
    """Two Maildir mailboxes, each with CUSTOMERS threads of two messages."""
    for mailbox in MAILBOXES:
        for number in range(CUSTOMERS):
            sender = f"{mailbox}{number}@example.com"
            first = f"{mailbox}-{number}@example.com"
            question = message(number, sender=sender, subject=f"Order {number}", message_id=first)
            deliver(tmp_path / mailbox, "INBOX", f"{number:02}.a", question)
            reply = message(
                number,
                sender=sender,
                subject=f"Re: Order {number}",
                message_id=f"re-{first}",
                in_reply_to=first,
                date="Mon, 23 Feb 2026 10:00:00 +0300",
            )
            deliver(tmp_path / mailbox, "INBOX", f"{number:02}.b", reply)
    config = tmp_path / "supportctl.yaml"
    entries = "".join(
        f"  - {{name: {name}, maildir: {tmp_path / name}, folders: [INBOX], batch_size: 3}}\n"
        for name in MAILBOXES
    )
    config.write_text(f"version: 1\nstore: {store_url}\nmailboxes:\n{entries}")
    return config


def sync_when_all_ready(config: Path, mailbox: str, ready: Barrier, results: Queue) -> None:
    """Wait for the other sync, then sync ``mailbox``; report its status and counts."""
    loaded = load_config(config, {})
    with open_store(loaded.store) as store:
        ready.wait(timeout=30)
        (result,) = sync(loaded, store, now=NOW, mailboxes=(mailbox,)).mailboxes
    results.put((mailbox, result.status, result.new_messages, result.conversations_opened))


def test_two_syncs_at_once_give_distinct_numbers_without_gaps(
    tmp_path: Path, store_url: str, spawn: SpawnContext
) -> None:
    config = write_mailboxes(tmp_path, store_url)
    with open_store(store_url):
        pass  # migrated before the syncs start, so that they only race on numbers
    arguments = [(config, name) for name in MAILBOXES]
    reports = run_together(spawn, sync_when_all_ready, arguments, timeout=120)

    assert sorted(reports) == [(name, "ok", 2 * CUSTOMERS, CUSTOMERS) for name in MAILBOXES]
    with open_store(store_url) as store:
        assert_threads_kept_together(store)


def assert_threads_kept_together(store: Store) -> None:
    numbers = [row["id"] for row in store.query("SELECT id FROM conversation ORDER BY id")]
    assert numbers == list(range(1, 2 * CUSTOMERS + 1))
    threads = store.query(
        "SELECT c.mailbox, c.customer, c.message_count, COUNT(*) AS messages,"
        " MIN(m.from_address) AS sender, MIN(m.mailbox) AS message_mailbox"
        " FROM conversation c JOIN message m ON m.conversation_id = c.id"
        " GROUP BY c.id, c.mailbox, c.customer, c.message_count"
    )
    assert len(threads) == 2 * CUSTOMERS
    for thread in threads:
        assert thread["messages"] == thread["message_count"] == 2
        assert thread["sender"] == thread["customer"]
        assert thread["message_mailbox"] == thread["mailbox"]
        assert thread["customer"].startswith(thread["mailbox"])
