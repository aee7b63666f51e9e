"""Sync from a local Maildir into SQLite and PostgreSQL: counts, threading, statuses,
removals, resumption after a failure, and the per-mailbox lock."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from supportctl.config import load_config
from supportctl.errors import ExitStatus, MailboxError
from supportctl.mail.local import LocalSource
from supportctl.mail.sync import sync
from supportctl.store import open_store
from supportctl.store.database import Store
from tests.conftest import Run

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def message(
    number: int,
    *,
    sender: str = "customer@example.com",
    to: str = "support@example.com",
    subject: str = "Where is my order?",
    date: str = "Sun, 22 Feb 2026 10:00:00 +0300",
    in_reply_to: str | None = None,
    message_id: str | None = None,
) -> bytes:
    lines = [
        f"From: {sender}",
        f"To: {to}",
        f"Subject: {subject}",
        f"Date: {date}",
        f"Message-ID: <{message_id or f'm{number}@example.com'}>",
    ]
    if in_reply_to:
        lines += [f"In-Reply-To: <{in_reply_to}>", f"References: <{in_reply_to}>"]
    return ("\r\n".join(lines) + f"\r\n\r\nBody of message {number}\r\n").encode()


def deliver(maildir: Path, folder: str, name: str, raw: bytes) -> Path:
    for sub in ("cur", "new", "tmp"):
        (maildir / folder / sub).mkdir(parents=True, exist_ok=True)
    path = maildir / folder / "cur" / f"{name}:2,S"
    path.write_bytes(raw)
    return path


@pytest.fixture
def setup(tmp_path: Path, store_url: str) -> Iterator[tuple[Path, Path, Store]]:
    maildir = tmp_path / "mail"
    for folder in ("INBOX", "Sent"):
        for sub in ("cur", "new", "tmp"):
            (maildir / folder / sub).mkdir(parents=True)
    config = tmp_path / "supportctl.yaml"
    config.write_text(
        f"version: 1\nstore: {store_url}\nmailboxes:\n"
        f"  - {{name: demo, maildir: {maildir}, folders: [INBOX], sent_folder: Sent,"
        " addresses: [support@example.com], batch_size: 2}\n"
    )
    with open_store(store_url) as store:
        yield maildir, config, store


def run_sync(config: Path, store: Store, **kwargs):
    return sync(load_config(config, {}), store, now=NOW, **kwargs)


def counts(store: Store) -> dict[str, int]:
    return {
        "messages": store.scalar("SELECT COUNT(*) FROM message"),
        "conversations": store.scalar("SELECT COUNT(*) FROM conversation"),
        "gone": store.scalar("SELECT COUNT(*) FROM message WHERE gone_at IS NOT NULL"),
    }


def test_first_sync_threads_replies_and_a_rerun_changes_nothing(setup) -> None:
    maildir, config, store = setup
    deliver(maildir, "INBOX", "1.a", message(1))
    deliver(maildir, "INBOX", "2.b", message(2, sender="other@example.org", subject="Invoice"))
    deliver(
        maildir,
        "Sent",
        "3.c",
        message(
            3,
            sender="support@example.com",
            to="customer@example.com",
            subject="Re: Where is my order?",
            in_reply_to="m1@example.com",
            date="Sun, 22 Feb 2026 11:00:00 +0300",
        ),
    )
    report = run_sync(config, store)
    (result,) = report.mailboxes
    assert (result.status, result.new_messages, result.conversations_opened) == ("ok", 3, 2)
    assert report.exit_status == ExitStatus.OK
    order = store.query_one("SELECT * FROM conversation WHERE customer = 'customer@example.com'")
    assert order["message_count"] == 2
    assert order["status"] == "pending"
    assert order["first_response_at"] - order["created_at"] == 3600
    events = store.query("SELECT kind, old_value, new_value, actor FROM event")
    assert events == [
        {"kind": "status", "old_value": "open", "new_value": "pending", "actor": "sync"}
    ]
    again = run_sync(config, store).mailboxes[0]
    assert (again.new_messages, again.conversations_opened) == (0, 0)
    assert counts(store) == {"messages": 3, "conversations": 2, "gone": 0}


def test_new_mail_between_runs_and_removed_mail(setup) -> None:
    maildir, config, store = setup
    first = deliver(maildir, "INBOX", "1.a", message(1))
    run_sync(config, store)
    deliver(maildir, "INBOX", "2.b", message(2, sender="new@example.net", subject="Hello"))
    first.unlink()
    result = run_sync(config, store).mailboxes[0]
    assert (result.new_messages, result.gone) == (1, 1)
    assert counts(store) == {"messages": 2, "conversations": 2, "gone": 1}


def test_customer_message_reopens_a_closed_conversation(setup) -> None:
    maildir, config, store = setup
    deliver(maildir, "INBOX", "1.a", message(1))
    run_sync(config, store)
    with store.transaction() as tx:
        tx.execute("UPDATE conversation SET status = 'closed', resolved_at = created_at + 60")
    deliver(
        maildir,
        "INBOX",
        "2.b",
        message(
            2,
            subject="Re: Where is my order?",
            in_reply_to="m1@example.com",
            date="Mon, 23 Feb 2026 10:00:00 +0300",
        ),
    )
    result = run_sync(config, store).mailboxes[0]
    assert result.conversations_reopened == 1
    conversation = store.query_one("SELECT status, reopened_count, resolved_at FROM conversation")
    assert conversation == {"status": "open", "reopened_count": 1, "resolved_at": None}
    assert store.query("SELECT old_value, new_value, reason FROM event") == [
        {"old_value": "closed", "new_value": "open", "reason": "the customer wrote again"}
    ]


def test_reused_message_id_from_another_sender_does_not_swallow_a_conversation(setup) -> None:
    maildir, config, store = setup
    deliver(maildir, "INBOX", "1.a", message(1, message_id="dup@example.com"))
    deliver(
        maildir,
        "INBOX",
        "2.b",
        message(
            2, sender="stranger@example.org", subject="Unrelated", message_id="dup@example.com"
        ),
    )
    deliver(
        maildir,
        "INBOX",
        "3.c",
        message(
            3,
            sender="stranger@example.org",
            subject="Re: Unrelated",
            in_reply_to="dup@example.com",
            date="Mon, 23 Feb 2026 10:00:00 +0300",
        ),
    )
    run_sync(config, store)
    rows = store.query("SELECT customer, message_count FROM conversation ORDER BY customer")
    assert rows == [
        {"customer": "customer@example.com", "message_count": 1},
        {"customer": "stranger@example.org", "message_count": 2},
    ]


class FailingAfter:
    """A real local source that loses its connection after ``batches`` batches."""

    uids_ascending = False

    def __init__(self, inner: LocalSource, batches: int):
        self.inner, self.batches = inner, batches

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def fetch_unknown(self, folder, known, batch_size):
        for served, batch in enumerate(self.inner.fetch_unknown(folder, known, batch_size)):
            if served == self.batches:
                raise MailboxError("connection lost")
            yield batch


def test_a_run_cut_short_resumes_without_loss_or_duplicates(setup) -> None:
    maildir, config, store = setup
    for number in range(7):
        deliver(maildir, "INBOX", f"{number}.x", message(number, sender=f"c{number}@example.com"))
    mailbox = load_config(config, {}).mailboxes[0]
    cut = run_sync(
        config, store, open_source=lambda _m: FailingAfter(LocalSource(maildir=mailbox.maildir), 2)
    )
    assert cut.mailboxes[0].status == "failed"
    assert cut.mailboxes[0].error == "connection lost"
    assert cut.exit_status == ExitStatus.FAILED
    assert counts(store)["messages"] == 4  # two batches of two committed
    resumed = run_sync(config, store).mailboxes[0]
    assert resumed.new_messages == 3
    assert counts(store) == {"messages": 7, "conversations": 7, "gone": 0}


def _hold_lock(url: str, ready, release) -> None:
    with open_store(url) as store, store.lock("mailbox:demo"):
        ready.set()
        release.wait(10)


def test_an_overlapping_run_is_locked_out(setup, store_url: str) -> None:
    maildir, config, store = setup
    deliver(maildir, "INBOX", "1.a", message(1))
    context = multiprocessing.get_context("spawn")
    ready, release = context.Event(), context.Event()
    holder = context.Process(target=_hold_lock, args=(store_url, ready, release))
    holder.start()
    try:
        assert ready.wait(20)
        report = run_sync(config, store)
        assert report.mailboxes[0].status == "locked"
        assert report.exit_status == ExitStatus.LOCKED
        assert counts(store)["messages"] == 0
    finally:
        release.set()
        holder.join(10)
    assert run_sync(config, store).mailboxes[0].new_messages == 1


def test_cli_summary_and_partial_failure(run: Run, tmp_path: Path) -> None:
    good = tmp_path / "good"
    deliver(good, "INBOX", "1.a", message(1))
    config = tmp_path / "supportctl.yaml"
    config.write_text(
        "version: 1\nstore: sqlite:s.db\nmailboxes:\n"
        f"  - {{name: good, maildir: {good}}}\n"
        f"  - {{name: missing, maildir: {tmp_path / 'nope'}}}\n"
    )
    result = run("-c", str(config), "--format", "json", "sync")
    assert result.exit_code == ExitStatus.PARTIAL
    import json

    rows = {row["mailbox"]: row for row in json.loads(result.stdout)}
    assert rows["good"]["new_messages"] == 1
    assert rows["missing"]["status"] == "failed"
    assert "no Maildir folder 'INBOX'" in rows["missing"]["error"]
    assert "mailbox missing:" in result.stderr
    assert run("-c", str(config), "sync", "--mailbox", "nope").exit_code == 2


def test_ticket_token_threads_only_for_the_conversations_customer(setup) -> None:
    maildir, config, store = setup
    deliver(maildir, "INBOX", "1.a", message(1))
    run_sync(config, store)
    number = store.scalar("SELECT id FROM conversation")
    deliver(
        maildir,
        "INBOX",
        "2.b",
        message(2, subject=f"More details [#{number}]", date="Mon, 23 Feb 2026 10:00:00 +0300"),
    )
    deliver(
        maildir,
        "INBOX",
        "3.c",
        message(3, sender="stranger@example.org", subject=f"Hijack [#{number}]"),
    )
    run_sync(config, store)
    rows = store.query("SELECT customer, message_count FROM conversation ORDER BY id")
    assert rows == [
        {"customer": "customer@example.com", "message_count": 2},
        {"customer": "stranger@example.org", "message_count": 1},
    ]


def test_demo_data_syncs_into_its_planned_conversations(tmp_path: Path) -> None:
    from tests.conftest import REPO

    demo = REPO / "config" / "demo.yaml"
    config = load_config(demo, {})
    with open_store(f"sqlite://{tmp_path}/demo.db") as store:
        report = sync(config, store, now=NOW)
        (result,) = report.mailboxes
        assert (result.status, result.new_messages, result.conversations_opened) == ("ok", 546, 150)
        # Replies Cc'd to the shared inbox are stored as the copies they are, but count
        # once in their conversation.
        assert store.scalar("SELECT COUNT(*) FROM message WHERE direction = 'outbound'") == 316
        assert store.scalar("SELECT SUM(message_count) FROM conversation") == 511
        distinct = "SELECT DISTINCT message_id, from_address FROM message"
        assert store.scalar(f"SELECT COUNT(*) FROM ({distinct}) copies") == 511
        # The Eid closure: customers who wrote during it were first answered after it.
        assert store.scalar(
            "SELECT MIN(first_response_at) FROM conversation"
            " WHERE created_at >= ? AND created_at < ?",
            (
                int(datetime(2026, 3, 18, 21, tzinfo=UTC).timestamp()),
                int(datetime(2026, 3, 24, 21, tzinfo=UTC).timestamp()),
            ),
        ) >= int(datetime(2026, 3, 25, 6, tzinfo=UTC).timestamp())
        assert sync(config, store, now=NOW).mailboxes[0].new_messages == 0
