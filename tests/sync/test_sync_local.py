"""Sync from a local Maildir into SQLite and PostgreSQL: counts, threading, statuses,
removals, resumption after a failure, and the per-mailbox lock."""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from supportctl.cli.sync import TerminalProgress
from supportctl.config import load_config
from supportctl.errors import ExitStatus, MailboxError
from supportctl.mail.local import LocalSource
from supportctl.mail.source import NewMessages
from supportctl.mail.sync import FolderProgress, sync
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

    def fetch_unknown(self, folder, known, batch_size, *, since=None):
        new = self.inner.fetch_unknown(folder, known, batch_size, since=since)
        return NewMessages(new.count, self._cut(new), new.skipped)

    def _cut(self, batches):
        for served, batch in enumerate(batches):
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
    assert cut.mailboxes[0].error == "mailbox demo: connection lost"
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


def test_a_ticket_token_can_name_a_conversation_its_own_batch_started(setup) -> None:
    maildir, config, store = setup  # batches of two: both messages in one
    deliver(maildir, "INBOX", "1.a", message(1, subject="Where is my order?"))
    deliver(maildir, "INBOX", "2.b", message(2, subject="[#1] still waiting"))

    result = run_sync(config, store).mailboxes[0]

    assert (result.new_messages, result.conversations_opened) == (2, 1)
    rows = store.query("SELECT DISTINCT conversation_id FROM message")
    assert rows == [{"conversation_id": 1}]


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


def test_a_copied_maildir_keeps_delivery_times_from_the_file_names(tmp_path: Path) -> None:
    """A fresh clone gives every file the clone's time: the message with no Date must
    still date from its delivery (the time its Maildir name starts with)."""
    from tests.conftest import REPO

    copied = tmp_path / "demo-mail"
    shutil.copytree(REPO / "config" / "demo-mail", copied, copy_function=shutil.copy)
    (tmp_path / "demo.yaml").write_text(
        (REPO / "config" / "demo.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    config = load_config(tmp_path / "demo.yaml", {})
    with open_store(f"sqlite://{tmp_path}/demo.db") as store:
        sync(config, store, now=NOW)
        undated = store.query_one(
            "SELECT received_at, sent_at FROM message WHERE parse_problem LIKE '%no Date%'"
        )
        newest = store.scalar("SELECT MAX(received_at) FROM message")
    saturday_of_eid = int(datetime(2026, 3, 21, 8, 30, 34, tzinfo=UTC).timestamp())
    assert undated == {"received_at": saturday_of_eid, "sent_at": saturday_of_eid}
    assert newest < int(datetime(2026, 4, 6, tzinfo=UTC).timestamp())


# -- --since, progress -----------------------------------------------------------------


def deliver_received(maildir: Path, name: str, raw: bytes, received: datetime) -> Path:
    """Deliver into INBOX with the file time a Maildir reader takes as its arrival."""
    path = deliver(maildir, "INBOX", name, raw)
    os.utime(path, (received.timestamp(), received.timestamp()))
    return path


def test_since_leaves_older_mail_out_of_this_run_and_later_ones(setup) -> None:
    maildir, config, store = setup
    for number, day in enumerate((20, 28, 2), start=1):  # Feb 20, Feb 28, Mar 2
        month = 3 if day < 10 else 2
        received = datetime(2026, month, day, 12, tzinfo=UTC)
        deliver_received(
            maildir, f"{number}.x", message(number, sender=f"c{number}@x.org"), received
        )
    dry = run_sync(config, store, since=date(2026, 2, 28), dry_run=True).mailboxes[0]
    assert dry.new_messages == 2
    first = run_sync(config, store, since=date(2026, 2, 28)).mailboxes[0]
    assert (first.status, first.new_messages) == ("ok", 2)
    senders = "SELECT from_address FROM message ORDER BY from_address"
    assert [row["from_address"] for row in store.query(senders)] == ["c2@x.org", "c3@x.org"]
    # Later runs leave out what the last --since left out, old mail arriving late too.
    deliver_received(
        maildir, "4.x", message(4, sender="c4@x.org"), datetime(2026, 1, 5, tzinfo=UTC)
    )
    deliver_received(
        maildir, "5.x", message(5, sender="c5@x.org"), datetime(2026, 3, 3, tzinfo=UTC)
    )
    assert run_sync(config, store).mailboxes[0].new_messages == 1
    # Nor does a later --since with an earlier date bring them back.
    assert run_sync(config, store, since=date(2026, 2, 1)).mailboxes[0].new_messages == 0
    assert counts(store) == {"messages": 3, "conversations": 3, "gone": 0}


def test_since_is_a_day_in_the_configs_time_zone(setup, tmp_path: Path) -> None:
    maildir, config, store = setup
    config.write_text("timezone: Asia/Riyadh\n" + config.read_text())
    # 21:30 UTC on 1 March is 00:30 on 2 March in Riyadh (UTC+3).
    deliver_received(maildir, "1.x", message(1), datetime(2026, 3, 1, 21, 30, tzinfo=UTC))
    deliver_received(maildir, "2.x", message(2), datetime(2026, 3, 1, 20, 30, tzinfo=UTC))
    assert run_sync(config, store, since=date(2026, 3, 2)).mailboxes[0].new_messages == 1
    assert store.scalar("SELECT message_id FROM message") == "m1@example.com"


def test_removed_mail_is_noticed_beside_mail_that_since_left_out(setup) -> None:
    maildir, config, store = setup
    deliver_received(maildir, "1.x", message(1), datetime(2026, 2, 1, tzinfo=UTC))
    kept = deliver_received(
        maildir, "2.x", message(2, sender="c2@x.org"), datetime(2026, 3, 2, tzinfo=UTC)
    )
    run_sync(config, store, since=date(2026, 3, 1))
    kept.unlink()
    assert run_sync(config, store).mailboxes[0].gone == 1


def test_progress_is_reported_after_each_batch_with_the_folders_total(setup) -> None:
    maildir, config, store = setup
    for number in range(5):
        deliver(maildir, "INBOX", f"{number}.x", message(number, sender=f"c{number}@x.org"))
    seen: list[FolderProgress] = []
    run_sync(config, store, progress=seen.append)
    assert [(p.mailbox, p.folder, p.done, p.total) for p in seen] == [
        ("demo", "INBOX", 2, 5),
        ("demo", "INBOX", 4, 5),
        ("demo", "INBOX", 5, 5),
    ]
    assert all(p.seconds >= 0 and p.rate >= 0 for p in seen)


def test_the_terminal_line_is_rewritten_in_place_per_folder() -> None:
    stream = io.StringIO()
    show = TerminalProgress(stream)
    show(FolderProgress("demo", "INBOX", 1500, 20000, 0.5))
    show(FolderProgress("demo", "INBOX", 20000, 20000, 4.0))
    show(FolderProgress("demo", "INBOX", 20000, 20000, 40.0))  # shorter: padded
    show(FolderProgress("demo", "Sent", 7, 7, 0.0))
    show.finish()
    assert stream.getvalue() == (
        "\rdemo/INBOX  1,500/20,000  3,000 msg/s"
        "\rdemo/INBOX  20,000/20,000  5,000 msg/s"
        "\rdemo/INBOX  20,000/20,000  500 msg/s  \n"
        "\rdemo/Sent  7/7  0 msg/s\n"
    )


def test_cli_since_and_no_progress_when_stderr_is_no_terminal(run: Run, setup) -> None:
    maildir, config, _store = setup
    deliver_received(maildir, "1.x", message(1), datetime(2026, 3, 2, tzinfo=UTC))
    deliver_received(maildir, "2.x", message(2), datetime(2026, 2, 2, tzinfo=UTC))
    result = run("-c", str(config), "--format", "json", "sync", "--since", "2026-03-01")
    assert (result.exit_code, result.stderr) == (0, "")
    assert json.loads(result.stdout)[0]["new_messages"] == 1


@pytest.mark.parametrize("value", ["2026-02-30", "1.3.2026", "2026-3-1", "yesterday"])
def test_cli_a_bad_since_is_a_usage_error_naming_it(run: Run, setup, value: str) -> None:
    _maildir, config, _store = setup
    result = run("-c", str(config), "sync", "--since", value)
    assert result.exit_code == ExitStatus.USAGE
    assert result.stderr == (
        f"supportctl: error: --since {value!r} is not a date (use YYYY-MM-DD)\n"
    )


def test_since_reads_an_mbox_messages_from_line_and_keeps_undated_ones(
    tmp_path: Path, store_url: str
) -> None:
    mbox = tmp_path / "archive.mbox"
    lines = (
        "From c1@x.org Mon Feb  2 10:00:00 2026",
        "From c2@x.org Tue Mar  3 10:00:00 2026",
        "From c3@x.org sometime",
    )
    mbox.write_bytes(
        b"".join(
            f"{line}\n".encode() + message(n, sender=f"c{n}@x.org").replace(b"\r\n", b"\n")
            for n, line in enumerate(lines, start=1)
        )
    )
    config = tmp_path / "supportctl.yaml"
    config.write_text(
        f"version: 1\nstore: {store_url}\nmailboxes:\n  - {{name: a, mbox: {mbox}}}\n"
    )
    with open_store(store_url) as store:
        report = run_sync(config, store, since=date(2026, 3, 1))
        assert report.mailboxes[0].new_messages == 2
        senders = store.query("SELECT from_address FROM message ORDER BY from_address")
    assert [row["from_address"] for row in senders] == ["c2@x.org", "c3@x.org"]
