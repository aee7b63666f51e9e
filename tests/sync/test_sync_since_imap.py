"""``sync --since`` and the no-change path over IMAP, against the real Dovecot, into
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from supportctl.mail.sources import open_source
from tests.sync.imap_fixtures import ImapSync
from tests.sync.test_sync_local import message

pytestmark = pytest.mark.dovecot


class Recording:
    """The real source, recording which of its operations sync calls."""

    def __init__(self, inner: Any, calls: list[str]):
        self._inner, self._calls = inner, calls

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._inner, name)
        if not callable(attribute):
            return attribute

        def recorded(*args: Any, **kwargs: Any) -> Any:
            self._calls.append(name)
            return attribute(*args, **kwargs)

        return recorded


def recording(calls: list[str]):
    return lambda mailbox: Recording(open_source(mailbox), calls)


def received(day: int) -> datetime:
    return datetime(2026, 2 if day > 10 else 3, day, 12, tzinfo=UTC)


def test_since_skips_older_mail_now_and_later_and_still_notices_removals(
    imap_sync: ImapSync,
) -> None:
    dovecot, user = imap_sync.dovecot, imap_sync.user
    uids = [
        dovecot.append(
            user, "INBOX", [message(n, sender=f"c{n}@x.org")], internaldate=received(day)
        )[0]
        for n, day in enumerate((20, 2, 3), start=1)  # 20 Feb, 2 Mar, 3 Mar
    ]
    first = imap_sync.sync(since=date(2026, 3, 1)).mailboxes[0]
    assert (first.status, first.new_messages) == ("ok", 2)
    assert imap_sync.store.scalar("SELECT MIN(uid) FROM message") == uids[1]

    calls: list[str] = []
    again = imap_sync.sync(open_source=recording(calls)).mailboxes[0]
    assert (again.new_messages, again.gone) == (0, 0)
    assert calls == ["folder_status", "folder_status", "close"]  # INBOX and Sent: STATUS only

    # New mail is fetched whatever its date; the skipped message stays skipped.
    dovecot.append(user, "INBOX", [message(9, sender="late@x.org")], internaldate=received(15))
    assert imap_sync.sync().mailboxes[0].new_messages == 1

    dovecot.delete_messages(user, "INBOX", uids[2:])  # a stored one
    assert imap_sync.sync().mailboxes[0].gone == 1
    dovecot.delete_messages(user, "INBOX", uids[:1])  # the skipped one
    assert imap_sync.sync().mailboxes[0].gone == 0
    calls.clear()
    assert imap_sync.sync(open_source=recording(calls)).mailboxes[0].new_messages == 0
    assert calls == ["folder_status", "folder_status", "close"]
    assert imap_sync.store.scalar("SELECT COUNT(*) FROM message") == 3


def test_a_run_with_nothing_new_only_asks_status(imap_sync: ImapSync) -> None:
    imap_sync.dovecot.append(imap_sync.user, "INBOX", [message(n) for n in range(4)])
    imap_sync.sync()
    calls: list[str] = []
    assert imap_sync.sync(open_source=recording(calls)).mailboxes[0].new_messages == 0
    assert calls == ["folder_status", "folder_status", "close"]
    imap_sync.dovecot.set_flags(imap_sync.user, "INBOX", [1], ["\\Flagged"])
    calls.clear()
    assert imap_sync.sync(open_source=recording(calls)).mailboxes[0].flags_changed == 1
    assert "flag_changes" in calls
