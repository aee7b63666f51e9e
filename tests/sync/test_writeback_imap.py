"""``supportctl writeback`` against a real Dovecot: keywords written, read back with a
plain IMAPClient, changed, and other flags left alone; SQLite and PostgreSQL stores."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from supportctl.config import load_config
from supportctl.config.model import Config
from supportctl.errors import ExitStatus
from supportctl.mail.writeback import WritebackReport, writeback
from supportctl.triage.manual import assign, change_tags
from tests.conftest import Run
from tests.sync.imap_fixtures import ImapSync
from tests.sync.test_sync_local import NOW, message

pytestmark = pytest.mark.dovecot

TEAM = [{"id": "omar", "name": "Omar"}, {"id": "alice", "name": "Alice"}]


def write_config(imap_sync: ImapSync, **settings: Any) -> Path:
    """A config with the fixture's mailbox (``settings`` added) and a team of two."""
    document = {
        "version": 1,
        "store": imap_sync.store_url,
        "mailboxes": [imap_sync.mailbox(**settings)],
        "team": TEAM,
    }
    imap_sync.config.write_text(json.dumps(document))
    return imap_sync.config


def loaded(imap_sync: ImapSync) -> Config:
    return load_config(imap_sync.config, imap_sync.env)


def server_flags(imap_sync: ImapSync, uids: Sequence[int]) -> dict[int, set[str]]:
    """Each UID's flags in INBOX, read with a plain IMAPClient (EXAMINE: changes nothing)."""
    with imap_sync.dovecot.imap_client(imap_sync.user) as client:
        client.select_folder("INBOX", readonly=True)
        fetched = client.fetch(list(uids), ["FLAGS"])
    return {uid: {flag.decode() for flag in data[b"FLAGS"]} for uid, data in fetched.items()}


def conversation_of(imap_sync: ImapSync, uid: int) -> int:
    return imap_sync.store.scalar(
        "SELECT conversation_id FROM message WHERE folder = 'INBOX' AND uid = ?", (uid,)
    )


def modseq(imap_sync: ImapSync) -> int:
    return imap_sync.dovecot.status(imap_sync.user, "INBOX")["HIGHESTMODSEQ"]


def counts(report: WritebackReport) -> tuple[str, int, int, int]:
    result = report.mailboxes[0]
    return result.status, result.messages_changed, result.keywords_added, result.keywords_removed


def seed(imap_sync: ImapSync) -> list[int]:
    """Two messages of one conversation and one of another; the first is \\Seen and
    carries the user's keyword ``todo`` and a stale ``$support_tag_old``."""
    uids = imap_sync.dovecot.append(
        imap_sync.user,
        "INBOX",
        [
            message(0, sender="c0@example.com"),
            message(1, sender="c0@example.com", in_reply_to="m0@example.com"),
            message(2, sender="c2@example.com", subject="Another question"),
        ],
    )
    flags = ["\\Seen", "todo", "$support_tag_old"]
    imap_sync.dovecot.set_flags(imap_sync.user, "INBOX", uids[:1], flags)
    assert imap_sync.sync().mailboxes[0].status == "ok"
    return uids


def test_keywords_follow_assignee_tags_and_status(imap_sync: ImapSync) -> None:
    write_config(imap_sync, writeback="keywords")
    first, second, other = seed(imap_sync)
    config, store = loaded(imap_sync), imap_sync.store
    conversation = conversation_of(imap_sync, first)
    assert conversation_of(imap_sync, second) == conversation != conversation_of(imap_sync, other)
    assign(store, config, [conversation], "omar", actor="test", now=NOW)
    change_tags(store, config, [conversation], ["refund", "استرداد"], [], actor="test", now=NOW)

    assert counts(writeback(config, store)) == ("ok", 3, 9, 1)
    ours = {
        "$support_status_open",
        "$support_assignee_omar",
        "$support_tag_refund",
        "$support_tag_&d8a7d8b3d8aad8b1d8afd8a7d8af-",  # استرداد
    }
    assert server_flags(imap_sync, [first, second, other]) == {
        first: {"\\Seen", "todo"} | ours,
        second: ours,
        other: {"$support_status_open"},
    }

    untouched = modseq(imap_sync)
    assert counts(writeback(config, store)) == ("ok", 0, 0, 0)
    assert modseq(imap_sync) == untouched

    assign(store, config, [conversation], "alice", actor="test", now=NOW)
    assert counts(writeback(config, store)) == ("ok", 2, 2, 2)
    ours = (ours - {"$support_assignee_omar"}) | {"$support_assignee_alice"}
    assert server_flags(imap_sync, [first, second])[first] == {"\\Seen", "todo"} | ours
    assert server_flags(imap_sync, [first, second])[second] == ours


def test_sync_after_writeback_keeps_the_keywords(imap_sync: ImapSync) -> None:
    write_config(imap_sync, writeback="keywords")
    first, _, _ = seed(imap_sync)
    config, store = loaded(imap_sync), imap_sync.store
    writeback(config, store)
    assert imap_sync.sync().mailboxes[0].flags_changed == 3
    assert counts(writeback(config, store)) == ("ok", 0, 0, 0)
    assert "$support_status_open" in server_flags(imap_sync, [first])[first]


def test_writeback_none_writes_nothing(imap_sync: ImapSync) -> None:
    write_config(imap_sync)
    first, second, other = seed(imap_sync)
    config, store = loaded(imap_sync), imap_sync.store
    assign(store, config, [conversation_of(imap_sync, first)], "omar", actor="test", now=NOW)
    before = modseq(imap_sync)
    report = writeback(config, store)
    assert (counts(report), report.exit_status) == (("off", 0, 0, 0), ExitStatus.OK)
    assert modseq(imap_sync) == before
    assert server_flags(imap_sync, [first, second, other]) == {
        first: {"\\Seen", "todo", "$support_tag_old"},
        second: set(),
        other: set(),
    }


def test_new_uidvalidity_skips_the_folder(imap_sync: ImapSync) -> None:
    write_config(imap_sync, writeback="keywords")
    seed(imap_sync)
    imap_sync.dovecot.reset_uidvalidity(imap_sync.user, "INBOX")
    report = writeback(loaded(imap_sync), imap_sync.store)
    result = report.mailboxes[0]
    assert (result.status, result.folders_skipped, report.exit_status) == (
        "partial",
        1,
        ExitStatus.PARTIAL,
    )
    assert "UIDVALIDITY" in (result.error or "")
    assert imap_sync.store.scalar("SELECT COUNT(*) FROM message_keywords") == 0


def test_cli_dry_run_then_run(imap_sync: ImapSync, run: Run) -> None:
    config = write_config(imap_sync, writeback="keywords")
    first, _, _ = seed(imap_sync)
    options = ("-c", str(config), "--format", "json", "writeback")

    dry = run(*options, "--dry-run", env=imap_sync.env)
    assert (dry.exit_code, json.loads(dry.stdout)[0]["messages_changed"]) == (0, 3)
    assert "$support_status_open" not in server_flags(imap_sync, [first])[first]

    done = run(*options, env=imap_sync.env)
    assert (done.exit_code, json.loads(done.stdout)[0]["messages_changed"]) == (0, 3)
    assert "$support_status_open" in server_flags(imap_sync, [first])[first]

    unknown = run(*options, "--mailbox", "nope", env=imap_sync.env)
    assert unknown.exit_code == ExitStatus.USAGE
