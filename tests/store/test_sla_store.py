"""SLA columns in the store, on SQLite and PostgreSQL: a full refresh, the overdue-only
refresh as time passes, config changes, dry runs, batches, conversations filled by a real
local sync (first response, closing, reopening), and a writer committing in between."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from supportctl.config import load_config
from supportctl.config.model import Config
from supportctl.errors import ExitStatus
from supportctl.mail.sync import sync
from supportctl.store import open_store
from supportctl.store import sla as store_sla
from supportctl.store.database import Store
from supportctl.store.sla import (
    FINGERPRINT_KEY,
    SLA_COLUMNS,
    refresh_conversations,
    refresh_sla,
)
from supportctl.timekit.sla import SlaPolicies
from tests.sync.test_sync_local import deliver, message

POLICIES = """\
  - {name: chat, match: {channel: chat}, first_response: 5m}
  - {name: vip, match: {tag: vip}, first_response: 1h, resolution: 1d, calendar: riyadh}
  - {name: email, first_response: 8h, resolution: 3d, calendar: riyadh}
"""


def epoch(iso: str) -> int:
    return int(datetime.fromisoformat(iso).timestamp())


def when(iso: str) -> datetime:
    return datetime.fromisoformat(iso).astimezone(UTC)


@dataclass
class Setup:
    tmp_path: Path
    store_url: str
    maildir: Path
    chat_maildir: Path
    store: Store

    def config(self, policies: str = POLICIES, after_reply: str = "pending") -> Config:
        path = self.tmp_path / "supportctl.yaml"
        path.write_text(
            f"version: 1\ntimezone: Asia/Riyadh\nstore: {self.store_url}\n"
            f"mailboxes:\n  - {{name: support, maildir: {self.maildir}, folders: [INBOX],"
            f" sent_folder: Sent, addresses: [support@example.com], after_reply: {after_reply}}}\n"
            f"  - {{name: chat, channel: chat, maildir: {self.chat_maildir}}}\n"
            "calendars:\n  riyadh: {timezone: Asia/Riyadh, hours: {sun-thu: '09:00-17:00'},"
            " holidays: {country: SA}}\n"
            f"sla:\n{policies}"
        )
        return load_config(path, {})

    def insert(self, created: str, *, tags: tuple[str, ...] = (), **values: Any) -> int:
        row = {
            "mailbox": "support",
            "channel": "email",
            "created_at": epoch(created),
            "updated_at": epoch(created),
            "last_inbound_at": epoch(created),
            **values,
        }
        with self.store.transaction() as tx:
            number = tx.insert_returning_id(
                f"INSERT INTO conversation ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                tuple(row.values()),
            )
            for tag in tags:
                tx.execute("INSERT INTO conversation_tag VALUES (?, ?)", (number, tag))
        assert number is not None
        return number

    def sla(self, number: int) -> tuple[Any, ...]:
        row = self.store.query_one(
            f"SELECT {', '.join(SLA_COLUMNS)} FROM conversation WHERE id = ?", (number,)
        )
        assert row is not None
        return tuple(row.values())


@pytest.fixture
def setup(tmp_path: Path, store_url: str) -> Iterator[Setup]:
    maildir, chat_maildir = tmp_path / "mail", tmp_path / "chat"
    for folder in (maildir / "INBOX", maildir / "Sent", chat_maildir / "INBOX"):
        for sub in ("cur", "new", "tmp"):
            (folder / sub).mkdir(parents=True)
    with open_store(store_url) as store:
        yield Setup(tmp_path, store_url, maildir, chat_maildir, store)


def fill(setup: Setup) -> dict[str, int]:
    """Five conversations opened on Sun 11 Jan 2026 09:00 Riyadh (email due 17:00)."""
    sunday = "2026-01-11T09:00+03:00"
    return {
        "answered": setup.insert(
            sunday,
            status="closed",
            first_response_at=epoch("2026-01-11T16:00+03:00"),
            resolved_at=epoch("2026-01-12T10:00+03:00"),
        ),
        "unanswered": setup.insert(sunday),
        "vip": setup.insert(sunday, tags=("vip", "refund")),
        "chat": setup.insert(sunday, mailbox="chat", channel="chat"),
        "outreach": setup.insert(sunday, last_inbound_at=None, last_outbound_at=epoch(sunday)),
    }


def test_full_refresh_writes_every_sla_column(setup: Setup) -> None:
    numbers = fill(setup)
    now = when("2026-01-12T12:00+03:00")  # Monday noon
    report = refresh_sla(setup.config(), setup.store, now=now)
    assert (report.scope, report.examined, report.changed, report.errors) == ("all", 5, 4, 0)
    # unanswered and vip are past their first-response due; chat too (5 minutes).
    assert (report.newly_breached, report.running, report.no_sla) == (3, 1, 1)
    assert report.exit_status == ExitStatus.OK
    email_due = (epoch("2026-01-11T17:00+03:00"), epoch("2026-01-14T09:00+03:00"))
    assert setup.sla(numbers["answered"]) == ("email", *email_due, 0, 0)
    assert setup.sla(numbers["unanswered"]) == ("email", *email_due, 1, None)
    vip_due = (epoch("2026-01-11T10:00+03:00"), epoch("2026-01-12T09:00+03:00"))
    assert setup.sla(numbers["vip"]) == ("vip", *vip_due, 1, 1)
    assert setup.sla(numbers["chat"]) == ("chat", epoch("2026-01-11T09:05+03:00"), None, 1, None)
    assert setup.sla(numbers["outreach"]) == (None, None, None, None, None)
    # Derived state: no events.
    assert setup.store.scalar("SELECT COUNT(*) FROM event") == 0
    stored = setup.store.scalar("SELECT value FROM state WHERE key = ?", (FINGERPRINT_KEY,))
    assert stored == SlaPolicies.from_config(setup.config()).fingerprint


def test_later_refreshes_decide_only_clocks_that_ran_out(setup: Setup) -> None:
    numbers = fill(setup)
    config = setup.config()
    refresh_sla(config, setup.store, now=when("2026-01-11T12:00+03:00"))
    again = refresh_sla(config, setup.store, now=when("2026-01-11T12:00+03:00"))
    assert (again.scope, again.examined, again.changed) == ("overdue", 0, 0)
    # A conversation stored by a writer that did not refresh it is picked up too.
    late = setup.insert("2026-01-11T11:00+03:00")
    # Monday 10:00: the unanswered email's first response (due Sun 17:00) and the VIP's
    # resolution (due Mon 09:00) have run out; the email resolutions (Wed) have not.
    report = refresh_sla(config, setup.store, now=when("2026-01-12T10:00+03:00"))
    assert report.scope == "overdue"
    assert (report.examined, report.changed, report.newly_breached) == (3, 3, 2)
    assert setup.sla(numbers["unanswered"])[3:] == (1, None)
    assert setup.sla(numbers["vip"])[3:] == (1, 1)
    assert setup.sla(late) == (
        "email",
        epoch("2026-01-12T11:00+03:00"),
        epoch("2026-01-14T11:00+03:00"),
        None,
        None,
    )


def test_a_config_change_recomputes_everything(setup: Setup) -> None:
    numbers = fill(setup)
    now = when("2026-01-12T12:00+03:00")
    refresh_sla(setup.config(), setup.store, now=now)
    stricter = POLICIES.replace("first_response: 8h", "first_response: 4h")
    report = refresh_sla(setup.config(stricter), setup.store, now=now)
    assert (report.scope, report.examined, report.changed) == ("all", 5, 2)
    assert setup.sla(numbers["answered"])[1:4] == (
        epoch("2026-01-11T13:00+03:00"),
        epoch("2026-01-14T09:00+03:00"),
        1,  # answered at 16:00: late under the new target
    )
    # Without a default policy, email conversations have no SLA any more.
    chat_only = POLICIES.splitlines(keepends=True)[0]
    report = refresh_sla(setup.config(chat_only), setup.store, now=now)
    assert (report.scope, report.changed, report.no_sla) == ("all", 3, 4)
    assert setup.sla(numbers["vip"]) == (None, None, None, None, None)
    assert setup.sla(numbers["chat"])[0] == "chat"


def test_all_recomputes_everything_even_without_a_config_change(setup: Setup) -> None:
    fill(setup)
    config, now = setup.config(), when("2026-01-12T12:00+03:00")
    refresh_sla(config, setup.store, now=now)
    report = refresh_sla(config, setup.store, now=now, everything=True)
    assert (report.scope, report.examined, report.changed) == ("all", 5, 0)


def test_dry_run_reports_the_same_and_writes_nothing(setup: Setup) -> None:
    numbers = fill(setup)
    config, now = setup.config(), when("2026-01-12T12:00+03:00")
    dry = refresh_sla(config, setup.store, now=now, dry_run=True)
    assert setup.sla(numbers["unanswered"]) == (None, None, None, None, None)
    assert setup.store.scalar("SELECT COUNT(*) FROM state") == 0
    real = refresh_sla(config, setup.store, now=now)
    assert {**vars(dry), "seconds": 0} == {**vars(real), "seconds": 0}


def test_batches_cover_every_conversation(setup: Setup) -> None:
    numbers = [setup.insert(f"2026-01-11T09:0{minute}+03:00") for minute in range(7)]
    report = refresh_sla(setup.config(), setup.store, now=when("2026-01-11T10:00Z"), batch_size=3)
    assert (report.examined, report.changed) == (7, 7)
    assert all(setup.sla(number)[0] == "email" for number in numbers)


def test_a_date_outside_the_holiday_data_is_reported_and_left_alone(setup: Setup) -> None:
    # First in id order, so the calendar starts there: reached from 2026 instead, it
    # would work out every year back to 1900 first (slow; the same error in the end).
    ancient = setup.insert("1900-06-01T09:00+03:00")
    good = setup.insert("2026-01-11T09:00+03:00")
    report = refresh_sla(setup.config(), setup.store, now=when("2026-01-12T00:00Z"))
    assert (report.examined, report.changed, report.errors) == (2, 1, 1)
    assert report.exit_status == ExitStatus.PARTIAL
    (problem,) = report.problems
    assert problem.startswith(f"conversation {ancient}: the holidays package has no SA holidays")
    assert setup.sla(good)[0] == "email"
    assert setup.sla(ancient) == (None, None, None, None, None)


def test_an_update_does_not_overwrite_a_writer_that_committed_in_between(setup: Setup) -> None:
    number = setup.insert("2026-01-11T09:00+03:00")
    policies = SlaPolicies.from_config(setup.config())
    stale = setup.store.query(f"{store_sla._SELECT} WHERE id = ?", (number,))
    # Another writer records the first response and refreshes, as sync does.
    now = when("2026-01-12T12:00+03:00")
    with setup.store.transaction() as tx:
        tx.execute(
            "UPDATE conversation SET first_response_at = ? WHERE id = ?",
            (epoch("2026-01-11T10:00+03:00"), number),
        )
        refresh_conversations(tx, policies, [number], now)
    # The refresh that read the row before that now writes what it computed: breached.
    report = store_sla.SlaRefreshReport(scope="all")
    with setup.store.transaction() as tx:
        store_sla._refresh_rows(tx, policies, stale, now, report, dry_run=False)
    assert report.newly_breached == 1
    assert setup.sla(number)[3] == 0


# -- on conversations a real local sync stored ---------------------------------------------


def conversation_ids(store: Store) -> list[int]:
    return [row["id"] for row in store.query("SELECT id FROM conversation ORDER BY id")]


def run_sync(config: Config, store: Store, now: str) -> None:
    report = sync(config, store, now=when(now))
    assert report.exit_status == ExitStatus.OK


def test_sync_keeps_the_sla_columns_through_answer_close_and_reopen(setup: Setup) -> None:
    config = setup.config(after_reply="closed")
    deliver(setup.maildir, "INBOX", "1.a", message(1, date="Sun, 11 Jan 2026 09:00:00 +0300"))
    run_sync(config, setup.store, "2026-01-11T12:00+03:00")
    (number,) = conversation_ids(setup.store)
    due = (epoch("2026-01-11T17:00+03:00"), epoch("2026-01-14T09:00+03:00"))
    assert setup.sla(number) == ("email", *due, None, None)

    # The team replies (and closes it) Sunday 16:00: both clocks met.
    reply = message(
        2,
        sender="support@example.com",
        to="customer@example.com",
        subject="Re: Where is my order?",
        in_reply_to="m1@example.com",
        date="Sun, 11 Jan 2026 16:00:00 +0300",
    )
    deliver(setup.maildir, "Sent", "2.b", reply)
    run_sync(config, setup.store, "2026-01-11T16:05+03:00")
    assert setup.sla(number) == ("email", *due, 0, 0)

    # The customer writes again on Thursday: reopened, the resolution clock runs against
    # the due time from creation, which has passed.
    again = message(
        3,
        subject="Re: Where is my order?",
        in_reply_to="m2@example.com",
        date="Thu, 15 Jan 2026 10:00:00 +0300",
    )
    deliver(setup.maildir, "INBOX", "3.c", again)
    run_sync(config, setup.store, "2026-01-15T10:05+03:00")
    assert conversation_ids(setup.store) == [number]
    assert setup.sla(number) == ("email", *due, 0, 1)

    # What sync wrote is what a refresh computes.
    with setup.store.transaction() as tx:
        report = refresh_conversations(
            tx, SlaPolicies.from_config(config), [number], when("2026-01-15T10:05+03:00")
        )
    assert (report.scope, report.examined, report.changed) == ("listed", 1, 0)


def test_the_benchmark_runs_on_both_stores(store_url: str) -> None:
    from benchmarks import bench_sla_refresh

    result = bench_sla_refresh.run(store_url, 300)
    first, forced, overdue = (report for _seconds, report in result.runs.values())
    assert (first.scope, first.examined, first.changed, first.errors) == ("all", 300, 300, 0)
    assert (forced.scope, forced.examined, forced.changed) == ("all", 300, 0)
    assert (overdue.scope, overdue.examined) == ("overdue", 0)
    assert result.baseline_seconds > 0 and result.ratio("first full refresh") > 0
