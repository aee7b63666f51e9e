"""Sync against a real Dovecot over IMAP, into SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from supportctl.errors import ExitStatus
from tests.sync.imap_fixtures import ImapSync
from tests.sync.test_sync_local import message

pytestmark = pytest.mark.dovecot


def test_first_sync_rerun_new_mail_flags_and_removals(imap_sync: ImapSync) -> None:
    dovecot, user, run, store = imap_sync.dovecot, imap_sync.user, imap_sync.sync, imap_sync.store
    uids = dovecot.append(user, "INBOX", [message(n, sender=f"c{n}@example.com") for n in range(7)])
    dovecot.append(
        user,
        "Sent",
        [
            message(
                99,
                sender="support@example.com",
                to="c0@example.com",
                subject="Re: Where is my order?",
                in_reply_to="m0@example.com",
                date="Sun, 22 Feb 2026 12:00:00 +0300",
            )
        ],
    )
    first = run().mailboxes[0]
    assert (first.status, first.new_messages, first.conversations_opened) == ("ok", 8, 7)
    assert store.scalar("SELECT COUNT(*) FROM message WHERE flags LIKE '%Seen%'") == 0
    with dovecot.imap_client(user) as client:
        client.select_folder("INBOX", readonly=True)
        assert all(b"\\Seen" not in f[b"FLAGS"] for f in client.fetch(uids, ["FLAGS"]).values())

    again = run().mailboxes[0]
    assert (again.new_messages, again.flags_changed, again.gone) == (0, 0, 0)

    dovecot.append(user, "INBOX", [message(50, sender="late@example.com")])
    dovecot.set_flags(user, "INBOX", uids[:2], ["\\Flagged"])
    dovecot.delete_messages(user, "INBOX", uids[-1:])
    third = run().mailboxes[0]
    assert (third.new_messages, third.flags_changed, third.gone) == (1, 2, 1)
    assert store.scalar("SELECT COUNT(*) FROM message") == 9
    assert store.scalar("SELECT COUNT(*) FROM message WHERE flags = '\\Flagged'") == 2


def test_uidvalidity_change_rescans_without_duplicates(imap_sync: ImapSync) -> None:
    dovecot, user, run, store = imap_sync.dovecot, imap_sync.user, imap_sync.sync, imap_sync.store
    dovecot.append(user, "INBOX", [message(n, sender=f"c{n}@example.com") for n in range(4)])
    run()
    old = store.scalar("SELECT uidvalidity FROM sync_state WHERE folder = 'INBOX'")
    new = dovecot.reset_uidvalidity(user, "INBOX")
    assert new != old
    result = run().mailboxes[0]
    assert (result.status, result.new_messages, result.conversations_opened) == ("ok", 0, 0)
    assert store.scalar("SELECT COUNT(*) FROM message") == 4
    assert store.scalar("SELECT COUNT(DISTINCT uidvalidity) FROM message") == 1
    assert store.scalar("SELECT uidvalidity FROM sync_state WHERE folder = 'INBOX'") == new


def test_wrong_password_fails_that_mailbox_only(imap_sync: ImapSync) -> None:
    config = imap_sync.write_config(imap_sync.mailbox(password="wrong-password"), name="bad.yaml")
    report = imap_sync.sync(config)
    (result,) = report.mailboxes
    assert result.status == "failed"
    assert report.exit_status == ExitStatus.FAILED
    assert "wrong-password" not in (result.error or "")


def test_a_header_rule_tags_what_arrives_over_imap(imap_sync: ImapSync) -> None:
    """X-Priority is no column of the store: sync keeps it for the rule, which tags the
    conversation in the batch that stores the mail."""
    rules = {
        "tags": [{"name": "urgent-mail", "tag": "outage", "when": {"header": {"X-Priority": "^1"}}}]
    }
    config = imap_sync.write_config(imap_sync.mailbox(), name="rules.yaml", rules=rules)
    urgent = b"X-Priority: 1 (Highest)\r\nImportance: high\r\n" + message(1)
    calm = b"X-Priority: 3\r\n" + message(2, sender="other@example.com", subject="Invoice")
    imap_sync.dovecot.append(imap_sync.user, "INBOX", [urgent, calm])
    (result,) = imap_sync.sync(config).mailboxes
    assert (result.status, result.new_messages) == ("ok", 2)
    rows = imap_sync.store.query(
        "SELECT m.message_id, m.header_fields, t.tag FROM message m"
        " LEFT JOIN conversation_tag t ON t.conversation_id = m.conversation_id"
        " ORDER BY m.message_id"
    )
    assert rows == [
        {
            "message_id": "m1@example.com",
            "header_fields": '{"x-priority":"1 (Highest)","importance":"high"}',
            "tag": "outage",
        },
        {"message_id": "m2@example.com", "header_fields": '{"x-priority":"3"}', "tag": None},
    ]
    events = imap_sync.store.query("SELECT actor, new_value FROM event WHERE kind = 'tags'")
    assert events == [{"actor": "rule:urgent-mail", "new_value": "outage"}]
