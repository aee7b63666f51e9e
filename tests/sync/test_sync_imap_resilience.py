"""Sync over IMAP when things go wrong, against the real Dovecot, into SQLite and PostgreSQL:
connections cut mid-batch (the DroppingProxy) or killed with the server's imap process,
overlapping runs in separate processes, TLS and STARTTLS with the fixture's own CA, and
a corpus of real-world malformed mail. Each scenario ends by checking that the mailbox
password shows up in no output, no error and no text column of any table of the store."""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from supportctl.config.model import Mailbox
from supportctl.errors import ExitStatus
from supportctl.mail.imap import ImapSource
from supportctl.mail.sync import SourceFactory
from tests.conftest import Result, Run
from tests.mail.test_parse_corpus import CORPUS, FILES, HAND_CHECKED
from tests.mail_imap.imap_helpers import NO_WAIT
from tests.servers.dovecot import DovecotServer
from tests.servers.proxy import DroppingProxy
from tests.sync.imap_fixtures import (
    ImapSync,
    assert_secret_kept,
    password_variable,
    stored,
    text_values,
)
from tests.sync.test_sync_local import message

pytestmark = pytest.mark.dovecot

BATCH = 20
CUSTOMERS = 50
FOLLOW_UPS = 3  # each customer opens a thread and writes three more times in it
# A batch of twenty answers is about 7 kB on the wire: this cuts inside the next one.
CUT_AFTER_BYTES = 2000
PROCESS_TIMEOUT_SECONDS = 60
# How long a run waiting for the lock is kept waiting.
HOLD_SECONDS = 1.0


def customer_threads(customers: int = CUSTOMERS) -> list[bytes]:
    """``customers`` × 4 inbound messages in ``customers`` conversations, in UID order:
    customer k opens "Order k", then three follow-ups answer that first message."""
    messages = []
    for customer in range(customers):
        first = customer * (FOLLOW_UPS + 1)
        sender = f"customer{customer}@example.com"
        messages.append(message(first, sender=sender, subject=f"Order {customer}"))
        messages.extend(
            message(
                first + later,
                sender=sender,
                subject=f"Re: Order {customer}",
                in_reply_to=f"m{first}@example.com",
                date=f"Sun, 22 Feb 2026 1{later}:00:00 +0300",
            )
            for later in range(1, FOLLOW_UPS + 1)
        )
    return messages


def stored_once(last_uid: int, customers: int = CUSTOMERS) -> dict[str, int]:
    """``stored()`` once all of customer_threads() is in, each message exactly once."""
    count = customers * (FOLLOW_UPS + 1)
    return {
        "messages": count,
        "message_ids": count,
        "conversations": customers,
        "last_uid": last_uid,
    }


def on_call(number: int, action: Callable[[], object]) -> Callable[[object], None]:
    """A progress callback that runs ``action`` at its ``number``-th call, that is right
    after the ``number``-th batch is committed."""
    calls = itertools.count(1)

    def progress(_progress: object) -> None:
        if next(calls) == number:
            action()

    return progress


def sources_with(
    dovecot: DovecotServer,
    retry_delays: Sequence[float],
    sleep: Callable[[float], object] = time.sleep,
) -> SourceFactory:
    """Opens each mailbox as sync does, but with these back-off delays and ``sleep``."""

    def open_source(mailbox: Mailbox) -> ImapSource:
        password = dovecot.users[mailbox.username or ""]
        return ImapSource.connect(
            mailbox, password=password, retry_delays=retry_delays, sleep=sleep
        )

    return open_source


# --- connections cut mid-batch -----------------------------------------------------------


def test_a_cut_mid_batch_cured_by_the_retry_loses_and_doubles_nothing(
    imap_sync: ImapSync, dropping_proxy: DroppingProxy
) -> None:
    uids = imap_sync.dovecot.append(imap_sync.user, "INBOX", customer_threads())
    config = imap_sync.write_config(
        imap_sync.mailbox(host=dropping_proxy.host, port=dropping_proxy.port, batch_size=BATCH)
    )
    cut_inside_the_second_batch = on_call(
        1, lambda: dropping_proxy.drop_after(CUT_AFTER_BYTES, reset=True)
    )
    report = imap_sync.sync(config, progress=cut_inside_the_second_batch)
    (result,) = report.mailboxes
    assert (result.status, result.new_messages, result.conversations_opened) == ("ok", 200, 50)
    assert (dropping_proxy.connections, dropping_proxy.drops) == (2, 1)
    assert stored(imap_sync.store) == stored_once(uids[-1])
    assert_secret_kept(imap_sync.password, imap_sync.store, result.error)


def test_cuts_outlasting_the_retries_fail_that_mailbox_keep_its_batches_and_resume(
    imap_sync: ImapSync, dropping_proxy: DroppingProxy
) -> None:
    dovecot = imap_sync.dovecot
    uids = dovecot.append(imap_sync.user, "INBOX", customer_threads())
    sales_user = imap_sync.add_user()
    dovecot.append(sales_user, "INBOX", customer_threads(customers=2))
    config = imap_sync.write_config(
        imap_sync.mailbox(host=dropping_proxy.host, port=dropping_proxy.port, batch_size=BATCH),
        imap_sync.mailbox(sales_user, name="sales"),
    )
    # The third batch's answer is cut, and so is every reconnection before its greeting.
    report = imap_sync.sync(
        config,
        open_source=sources_with(dovecot, NO_WAIT, sleep=lambda _s: dropping_proxy.drop_after(0)),
        progress=on_call(2, lambda: dropping_proxy.drop_after(0)),
    )
    support, sales = report.mailboxes
    assert (support.status, support.new_messages) == ("failed", 2 * BATCH)
    assert (support.error or "").startswith(
        f"mailbox support: connection to 127.0.0.1:{dropping_proxy.port} lost 4 times "
        "reading folder INBOX"
    )
    assert (sales.status, sales.new_messages) == ("ok", 8)
    assert report.exit_status == ExitStatus.PARTIAL
    assert dropping_proxy.drops == 4
    first_two_batches = {"messages": 40, "message_ids": 40, "conversations": 10}
    assert stored(imap_sync.store) == first_two_batches | {"last_uid": uids[2 * BATCH - 1]}

    resumed = imap_sync.sync(config)
    assert [(r.status, r.new_messages) for r in resumed.mailboxes] == [("ok", 160), ("ok", 0)]
    assert stored(imap_sync.store) == stored_once(uids[-1])
    assert_secret_kept(imap_sync.password, imap_sync.store, support.error)


# --- the server's imap process killed ----------------------------------------------------


@pytest.mark.parametrize(
    ("retry_delays", "first_run"),
    [((), ("failed", 2 * BATCH)), (NO_WAIT, ("ok", 200))],
    ids=["no-retry-then-next-run", "retried-within-the-run"],
)
def test_killing_the_imap_process_mid_sync_then_resuming_gives_exact_counts(
    imap_sync: ImapSync, retry_delays: tuple[float, ...], first_run: tuple[str, int]
) -> None:
    dovecot = imap_sync.dovecot
    uids = dovecot.append(imap_sync.user, "INBOX", customer_threads())
    config = imap_sync.write_config(imap_sync.mailbox(batch_size=BATCH))
    killed: list[int] = []
    first = imap_sync.sync(
        config,
        open_source=sources_with(dovecot, retry_delays),
        progress=on_call(2, lambda: killed.append(dovecot.kill_imap_processes())),
    ).mailboxes[0]
    assert len(killed) == 1 and killed[0] >= 1
    assert (first.status, first.new_messages) == first_run
    resumed = imap_sync.sync(config).mailboxes[0]
    assert (resumed.status, resumed.new_messages) == ("ok", 200 - first_run[1])
    assert stored(imap_sync.store) == stored_once(uids[-1])
    assert_secret_kept(imap_sync.password, imap_sync.store, first.error)


# --- two runs at once, in two processes --------------------------------------------------


class PasswordGate:
    """A ``password_command`` that holds a run inside its mailbox lock (sync asks for the
    password after taking the lock) until the test opens the gate."""

    def __init__(self, directory: Path, user: str) -> None:
        self.asked = directory / "password-asked"
        self._opened = directory / "gate-open"
        self.command = (
            f"touch {shlex.quote(str(self.asked))}; "
            f"while [ ! -e {shlex.quote(str(self._opened))} ]; do sleep 0.02; done; "
            f'printf "%s\\n" "${password_variable(user)}"'
        )

    def wait_until_asked(self, run: subprocess.Popen[str]) -> None:
        deadline = time.monotonic() + PROCESS_TIMEOUT_SECONDS
        while not self.asked.exists():
            if run.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the run never asked for its password (exit {run.returncode})")
            time.sleep(0.01)

    def open(self) -> None:
        self._opened.touch()


@dataclass
class GatedRuns:
    """``supportctl sync`` processes over one mailbox whose runs wait at ``gate``."""

    imap_sync: ImapSync
    config: Path
    gate: PasswordGate
    uids: list[int]

    @contextlib.contextmanager
    def start(self, *args: str) -> Iterator[subprocess.Popen[str]]:
        """``supportctl -c CONFIG --format json ARGS`` in a process of its own, killed if
        the test leaves it running."""
        command = [sys.executable, "-m", "supportctl", "-c", str(self.config), "--format", "json"]
        env = {**os.environ, **self.imap_sync.env}
        with subprocess.Popen(
            [*command, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        ) as process:
            try:
                yield process
            finally:
                if process.poll() is None:
                    process.kill()

    @contextlib.contextmanager
    def holding_the_lock(self) -> Iterator[subprocess.Popen[str]]:
        """A first run, started and stopped at the gate with the mailbox lock taken."""
        with self.start("sync") as holder:
            self.gate.wait_until_asked(holder)
            yield holder


def finish(process: subprocess.Popen[str]) -> tuple[int, list[dict[str, Any]], str]:
    """(exit status, the summary rows, stderr) once ``process`` ends."""
    stdout, stderr = process.communicate(timeout=PROCESS_TIMEOUT_SECONDS)
    return process.returncode, json.loads(stdout) if stdout else [], stderr


def statuses(rows: list[dict[str, Any]]) -> list[tuple[str, int]]:
    return [(row["status"], row["new_messages"]) for row in rows]


@pytest.fixture
def gated(imap_sync: ImapSync) -> GatedRuns:
    uids = imap_sync.dovecot.append(imap_sync.user, "INBOX", customer_threads(customers=5))
    gate = PasswordGate(imap_sync.directory, imap_sync.user)
    config = imap_sync.write_config(
        imap_sync.mailbox(password=None, password_command=gate.command, batch_size=BATCH),
        name="gated.yaml",
    )
    return GatedRuns(imap_sync, config, gate, uids)


def test_an_overlapping_run_exits_75_at_once_with_one_line(
    imap_sync: ImapSync, gated: GatedRuns
) -> None:
    with gated.holding_the_lock() as holder:
        with gated.start("sync") as second:
            second_status, second_rows, second_stderr = finish(second)
        holder_was_still_syncing = holder.poll() is None
        gated.gate.open()
        holder_status, holder_rows, holder_stderr = finish(holder)
    assert second_status == ExitStatus.LOCKED
    assert holder_was_still_syncing
    assert second_stderr.splitlines() == [
        "supportctl: warning: mailbox support: another run holds the lock 'mailbox:support'"
    ]
    assert statuses(second_rows) == [("locked", 0)]
    assert (holder_status, holder_stderr) == (ExitStatus.OK, "")
    assert statuses(holder_rows) == [("ok", 20)]
    assert stored(imap_sync.store) == stored_once(gated.uids[-1], customers=5)
    assert_secret_kept(imap_sync.password, imap_sync.store, second_stderr, json.dumps(holder_rows))


def test_an_overlapping_run_with_wait_waits_then_finds_nothing_new(
    imap_sync: ImapSync, gated: GatedRuns
) -> None:
    with gated.holding_the_lock() as holder, gated.start("-v", "sync", "--wait", "60") as waiter:
        assert waiter.stderr is not None
        # -v names the config as it loads, a moment before the run asks for the lock.
        assert waiter.stderr.readline().startswith("supportctl: config: ")
        time.sleep(HOLD_SECONDS)
        waiter_was_waiting = waiter.poll() is None
        gated.gate.open()
        holder_status, holder_rows, _ = finish(holder)
        waiter_status, waiter_rows, waiter_stderr = finish(waiter)
    assert waiter_was_waiting
    assert (holder_status, waiter_status) == (ExitStatus.OK, ExitStatus.OK)
    assert statuses(holder_rows) == [("ok", 20)]
    (waited,) = waiter_rows
    assert (waited["status"], waited["new_messages"], waited["error"]) == ("ok", 0, None)
    assert waited["seconds"] >= HOLD_SECONDS / 2  # the wait for the lock counts in
    assert stored(imap_sync.store) == stored_once(gated.uids[-1], customers=5)
    assert_secret_kept(imap_sync.password, imap_sync.store, waiter_stderr, json.dumps(waiter_rows))


# --- TLS with the fixture's self-signed CA -----------------------------------------------


@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_tls_verified_with_ca_file_syncs_and_without_it_fails_in_one_line(
    imap_sync: ImapSync, run: Run, security: str
) -> None:
    dovecot = imap_sync.dovecot
    dovecot.append(imap_sync.user, "INBOX", customer_threads(customers=1))
    port = dovecot.imaps_port if security == "tls" else dovecot.imap_port
    encrypted = {"security": security, "port": port, "allow_plaintext_password": None}
    untrusted = imap_sync.write_config(imap_sync.mailbox(**encrypted), name="untrusted.yaml")
    trusted = imap_sync.write_config(
        imap_sync.mailbox(**encrypted, ca_file=str(dovecot.ca_file)), name="trusted.yaml"
    )

    refused = run("-c", str(untrusted), "--format", "json", "sync", env=imap_sync.env)
    assert refused.exit_code == ExitStatus.FAILED
    (line,) = refused.stderr.splitlines()
    assert line.startswith("supportctl: warning: mailbox support: ")
    assert f"cannot connect to 127.0.0.1:{port}: TLS certificate not trusted (" in line
    assert line.endswith("(set ca_file to the CA that signed the server's certificate)")
    assert stored(imap_sync.store)["messages"] == 0

    synced = run("-c", str(trusted), "--format", "json", "sync", env=imap_sync.env)
    assert (synced.exit_code, synced.stderr) == (ExitStatus.OK, "")
    assert statuses(json.loads(synced.stdout)) == [("ok", 4)]
    outputs = (refused.stdout, refused.stderr, synced.stdout)
    assert_secret_kept(imap_sync.password, imap_sync.store, *outputs)


def test_a_failed_mailbox_is_named_once_in_its_line(imap_sync: ImapSync, run: Run) -> None:
    untrusted = imap_sync.mailbox(security="tls", port=imap_sync.dovecot.imaps_port)
    config = imap_sync.write_config(untrusted, name="untrusted.yaml")
    refused = run("-c", str(config), "sync", env=imap_sync.env)
    (line,) = refused.stderr.splitlines()
    assert line.count("mailbox support") == 1


# --- real-world malformed mail -----------------------------------------------------------

ARABIC_SUBJECT = "استرداد المبلغ"
ARABIC_BODY = "أرجو استرداد المبلغ عن الطلب رقم 42"
# Known-broken corpus messages and a problem each must be flagged with.
BROKEN = {
    "flanker__missing-final-boundary.eml": "multipart has no closing boundary",
    "flanker__false-multipart.eml": "multipart boundary not found in body; read as text",
    "rubymail__error_emails__bad_date_header.eml": "unreadable Date '<HR>'",
    "phpmime__issue230.eml": "unknown charset 'x-mac-cyrillic'",
    "rubymail__error_emails__content_transfer_encoding_plain.eml": (
        "unknown Content-Transfer-Encoding 'plain'; read as is"
    ),
}
CLEAN = ("ar_driverdev_training1_utf8.eml", "ar_intelgvt_moe_windows1256.eml")


def iso_8859_6_message() -> bytes:
    """The corpus has no ISO-8859-6 subject: an RFC 2047 one, and an 8-bit body."""
    subject = base64.b64encode(ARABIC_SUBJECT.encode("iso-8859-6")).decode("ascii")
    header = (
        "From: customer@example.com\r\nTo: support@example.com\r\n"
        f"Subject: =?ISO-8859-6?B?{subject}?=\r\n"
        "Date: Sun, 22 Feb 2026 10:00:00 +0300\r\nMessage-ID: <iso-8859-6@example.com>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=ISO-8859-6\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
    )
    return header.encode("ascii") + ARABIC_BODY.encode("iso-8859-6") + b"\r\n"


@pytest.fixture
def corpus_synced(imap_sync: ImapSync, run: Run) -> tuple[dict[str, dict[str, Any]], Result]:
    """The corpus and iso_8859_6_message() APPENDed and synced by ``supportctl sync``:
    (file name → its stored row, the finished run's result)."""
    if not FILES:
        pytest.skip("mail corpus not found (shared/mail-corpus beside the repository)")
    names = [path.name for path in FILES] + ["iso-8859-6"]
    raw = [path.read_bytes() for path in FILES] + [iso_8859_6_message()]
    uids = imap_sync.dovecot.append(imap_sync.user, "INBOX", raw)
    config = imap_sync.write_config(imap_sync.mailbox(batch_size=50), name="corpus.yaml")
    result = run("-c", str(config), "--format", "json", "sync", env=imap_sync.env)
    by_uid = {row["uid"]: row for row in imap_sync.store.query("SELECT * FROM message")}
    return {name: by_uid.get(uid, {}) for name, uid in zip(names, uids, strict=True)}, result


def test_the_malformed_corpus_is_stored_whole_and_flagged(
    imap_sync: ImapSync, corpus_synced: tuple[dict[str, dict[str, Any]], Result]
) -> None:
    rows, result = corpus_synced
    assert (result.exit_code, result.stderr) == (ExitStatus.OK, "")
    (summary,) = json.loads(result.stdout)
    flagged = {name for name, row in rows.items() if row.get("parse_problem")}
    assert (summary["status"], summary["new_messages"]) == ("ok", len(FILES) + 1)
    assert summary["parse_problems"] == len(flagged)
    assert stored(imap_sync.store)["messages"] == len(FILES) + 1
    assert [name for name, row in rows.items() if row.get("conversation_id") is None] == []
    assert {name: BROKEN[name] in rows[name]["parse_problem"] for name in BROKEN} == dict.fromkeys(
        BROKEN, True
    )
    assert [rows[name]["parse_problem"] for name in CLEAN] == [None] * len(CLEAN)
    assert_secret_kept(imap_sync.password, imap_sync.store, result.stdout, result.stderr)


def test_header_fields_named_like_credentials_stay_out_of_the_store(
    imap_sync: ImapSync, run: Run
) -> None:
    """Sync keeps a message's other header fields for rules; one that may carry a
    credential is never kept, so the password a form mailer or gateway put there is in no
    column (the secrecy check reads every text column, header_fields included)."""
    secret = imap_sync.password
    carrier = (
        f"X-Auth-Token: {secret}\r\nX-Password: {secret}\r\nAuthorization: Basic {secret}\r\n"
        f"X-Session-Id: {secret}\r\nX-Priority: 1\r\n"
    ).encode() + message(1)
    imap_sync.dovecot.append(imap_sync.user, "INBOX", [carrier])
    result = run("-c", str(imap_sync.config), "--format", "json", "sync", env=imap_sync.env)
    assert (result.exit_code, result.stderr) == (ExitStatus.OK, "")
    kept = ("message", "header_fields", '{"x-priority":"1"}')
    assert kept in set(text_values(imap_sync.store))  # what the secrecy check reads
    assert_secret_kept(secret, imap_sync.store, result.stdout, result.stderr)


def test_arabic_and_encoded_headers_come_through_imap_decoded(
    corpus_synced: tuple[dict[str, dict[str, Any]], Result],
) -> None:
    rows, _ = corpus_synced
    fields = ("subject", "from_name")
    expected = {
        name: {field: values[field] for field in fields if field in values}
        for name, values in HAND_CHECKED.items()
        if any(field in values for field in fields)
    }
    observed = {
        name: {field: rows[name][field] for field in checks} for name, checks in expected.items()
    }
    assert observed == expected
    assert len(expected) >= 10
    iso = rows["iso-8859-6"]
    assert (iso["subject"], iso["snippet"], iso["parse_problem"]) == (
        ARABIC_SUBJECT,
        ARABIC_BODY,
        None,
    )


def test_a_body_cut_by_the_snippet_fetch_adds_no_parse_problem(imap_sync: ImapSync) -> None:
    cut_inside_a_part_header = CORPUS / "phpmime__issue408.eml"
    if not cut_inside_a_part_header.exists():
        pytest.skip(f"{cut_inside_a_part_header} not found")
    imap_sync.dovecot.append(imap_sync.user, "INBOX", [cut_inside_a_part_header.read_bytes()])
    assert imap_sync.sync().mailboxes[0].new_messages == 1
    assert imap_sync.store.query("SELECT parse_problem FROM message") == [{"parse_problem": None}]
