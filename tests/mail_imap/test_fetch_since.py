"""fetch_new knows how many messages it will bring before the first batch, and ``since``
leaves out (and counts) the messages received before that day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from tests.mail_imap.imap_helpers import connect, message_of
from tests.servers.dovecot import DovecotServer

RIYADH = timezone(timedelta(hours=3))


def test_the_count_is_known_before_the_first_batch(
    dovecot: DovecotServer, fresh_dovecot_user: str
) -> None:
    dovecot.append(fresh_dovecot_user, "INBOX", [message_of(n) for n in range(1, 6)])
    with connect(dovecot, fresh_dovecot_user) as source:
        new = source.fetch_new("INBOX", after_uid=1, batch_size=3)
        assert (new.count, new.skipped) == (4, 0)
        dovecot.append(fresh_dovecot_user, "INBOX", [message_of(6)])  # after the search
        assert [[m.uid for m in batch] for batch in new] == [[2, 3, 4], [5]]


def test_since_fetches_from_that_day_on_and_counts_the_rest(
    dovecot: DovecotServer, fresh_dovecot_user: str
) -> None:
    user = fresh_dovecot_user
    for number, day in enumerate((1, 2, 3, 1), start=1):  # UIDs 1-4; UID 4 is old mail
        received = datetime(2026, 3, day, 0, 30, tzinfo=RIYADH)  # 21:30 UTC the day before
        dovecot.append(user, "INBOX", [message_of(number)], internaldate=received)
    # 2026-03-02 00:00 in Riyadh. SINCE compares dates, not instants: Dovecot takes each
    # INTERNALDATE's date in its own zone, so UID 2 (1 March in UTC) is in.
    since = datetime(2026, 3, 1, 21, 0, tzinfo=UTC)
    with connect(dovecot, user) as source:
        new = source.fetch_new("INBOX", after_uid=0, batch_size=10, since=since)
        assert (new.count, new.skipped) == (2, 2)
        assert [m.uid for batch in new for m in batch] == [2, 3]
        later = source.fetch_new("INBOX", after_uid=2, batch_size=10, since=since)
        assert (later.count, later.skipped) == (1, 1)
