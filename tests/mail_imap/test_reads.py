"""ImapSource's reads against the real Dovecot: STATUS, new messages in UID batches,
UIDs present, flag changes since a mod-sequence."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta, timezone

import pytest

from supportctl.errors import MailboxError
from supportctl.mail.imap import SNIPPET_BYTES
from supportctl.mail.source import FetchedMessage, FolderStatus
from tests.mail_imap.imap_helpers import body_of, connect, header_of, message_of
from tests.servers.dovecot import DovecotServer

RIYADH_OFFSET = timezone(timedelta(hours=3))


def uids_of(batches: list[list[FetchedMessage]]) -> list[list[int]]:
    return [[message.uid for message in batch] for batch in batches]


# -- folder_status ----------------------------------------------------------------------


def test_folder_status_of_an_empty_folder(dovecot: DovecotServer, fresh_dovecot_user: str) -> None:
    dovecot.create_folder(fresh_dovecot_user, "Sent")
    expected = dovecot.status(fresh_dovecot_user, "Sent")
    with connect(dovecot, fresh_dovecot_user) as source:
        status = source.folder_status("Sent")
    assert status == FolderStatus(
        uidvalidity=expected["UIDVALIDITY"], uidnext=1, messages=0, highest_modseq=1
    )


def test_folder_status_of_a_filled_folder(dovecot: DovecotServer, fresh_dovecot_user: str) -> None:
    dovecot.append(fresh_dovecot_user, "INBOX", [message_of(n) for n in range(1, 4)])
    dovecot.set_flags(fresh_dovecot_user, "INBOX", [2], ["\\Flagged"])
    expected = dovecot.status(fresh_dovecot_user, "INBOX")
    with connect(dovecot, fresh_dovecot_user) as source:
        status = source.folder_status("INBOX")
    assert status == FolderStatus(
        uidvalidity=expected["UIDVALIDITY"], uidnext=4, messages=3, highest_modseq=3
    )


def test_folder_status_of_a_missing_folder_names_it(
    dovecot: DovecotServer, fresh_dovecot_user: str
) -> None:
    with connect(dovecot, fresh_dovecot_user) as source, pytest.raises(MailboxError) as raised:
        source.folder_status("Archive")
    assert raised.value.message.startswith(
        "mailbox support: cannot read folder Archive: Mailbox doesn't exist: Archive"
    )


# -- fetch_new --------------------------------------------------------------------------


def test_fetch_new_returns_every_message_in_ascending_uid_batches(
    dovecot: DovecotServer, fresh_dovecot_user: str
) -> None:
    sent = datetime(2026, 3, 19, 9, 30, tzinfo=RIYADH_OFFSET)
    dovecot.append(
        fresh_dovecot_user, "INBOX", [message_of(n) for n in range(1, 8)], internaldate=sent
    )
    with connect(dovecot, fresh_dovecot_user) as source:
        batches = list(source.fetch_new("INBOX", after_uid=0, batch_size=3))
    assert uids_of(batches) == [[1, 2, 3], [4, 5, 6], [7]]
    messages = [message for batch in batches for message in batch]
    assert messages[0] == FetchedMessage(
        uid=1,
        header=header_of(1),
        body=body_of(1),
        internaldate=datetime(2026, 3, 19, 6, 30, tzinfo=UTC),
        size=len(message_of(1)),
        flags=(),
    )
    assert [message.header for message in messages] == [header_of(n) for n in range(1, 8)]
    assert all(message.internaldate.tzinfo is UTC for message in messages)  # type: ignore[union-attr]


def test_fetch_new_cuts_the_body_at_2048_bytes_and_keeps_flags_but_recent(
    dovecot: DovecotServer, fresh_dovecot_user: str
) -> None:
    dovecot.append(fresh_dovecot_user, "INBOX", [message_of(1, 5000)], flags=["\\Flagged"])
    with connect(dovecot, fresh_dovecot_user) as source:
        [[message]] = list(source.fetch_new("INBOX", after_uid=0, batch_size=10))
    assert message.body == body_of(1, 5000)[:SNIPPET_BYTES]
    assert message.size == len(header_of(1)) + 5000
    assert message.flags == ("\\Flagged",)  # Dovecot also says \Recent: not a lasting flag


def test_fetch_full_returns_whole_bodies(dovecot: DovecotServer, fresh_dovecot_user: str) -> None:
    dovecot.append(fresh_dovecot_user, "INBOX", [message_of(1, 5000), message_of(2, 7)])
    with connect(dovecot, fresh_dovecot_user, fetch="full") as source:
        [batch] = list(source.fetch_new("INBOX", after_uid=0, batch_size=10))
    assert [(m.uid, m.header, m.body) for m in batch] == [
        (1, header_of(1), body_of(1, 5000)),
        (2, header_of(2), body_of(2, 7)),
    ]


@pytest.mark.parametrize(
    ("after_uid", "expected"),
    [(0, [[1, 2], [3, 4], [5]]), (2, [[3, 4], [5]]), (4, [[5]]), (5, []), (6, []), (1000, [])],
)
def test_fetch_new_returns_only_uids_after_after_uid(
    dovecot: DovecotServer, fresh_dovecot_user: str, after_uid: int, expected: list[list[int]]
) -> None:
    """UID SEARCH UID 6:* still matches UID 5, the highest (RFC 3501 §9): dropped."""
    dovecot.append(fresh_dovecot_user, "INBOX", [message_of(n) for n in range(1, 6)])
    with connect(dovecot, fresh_dovecot_user) as source:
        batches = list(source.fetch_new("INBOX", after_uid=after_uid, batch_size=2))
    assert uids_of(batches) == expected


def test_fetch_new_sees_messages_arriving_between_calls(
    dovecot: DovecotServer, fresh_dovecot_user: str
) -> None:
    dovecot.append(fresh_dovecot_user, "INBOX", [message_of(1)])
    with connect(dovecot, fresh_dovecot_user) as source:
        first = list(source.fetch_new("INBOX", after_uid=0, batch_size=10))
        dovecot.append(fresh_dovecot_user, "INBOX", [message_of(2), message_of(3)])
        second = list(source.fetch_new("INBOX", after_uid=1, batch_size=10))
    assert (uids_of(first), uids_of(second)) == ([[1]], [[2, 3]])


def test_fetches_of_two_folders_can_interleave(
    dovecot: DovecotServer, fresh_dovecot_user: str
) -> None:
    """Each batch reads its own folder, whatever the other generator selected meanwhile."""
    dovecot.append(fresh_dovecot_user, "INBOX", [message_of(n) for n in range(1, 5)])
    dovecot.append(fresh_dovecot_user, "Sent", [message_of(n) for n in range(101, 105)])
    with connect(dovecot, fresh_dovecot_user) as source:
        inbox = source.fetch_new("INBOX", after_uid=0, batch_size=2)
        sent = source.fetch_new("Sent", after_uid=0, batch_size=2)
        alternating = [next(inbox), next(sent), next(inbox), next(sent)]
        assert source.uids("Sent") == {1, 2, 3, 4}
        assert list(inbox) == list(sent) == []
    headers = [[message.header for message in batch] for batch in alternating]
    assert headers == [
        [header_of(1), header_of(2)],
        [header_of(101), header_of(102)],
        [header_of(3), header_of(4)],
        [header_of(103), header_of(104)],
    ]


def test_fetch_new_changes_nothing_on_the_server(
    dovecot: DovecotServer, fresh_dovecot_user: str
) -> None:
    """No \\Seen (BODY.PEEK), and \\Recent still there: a read-write SELECT would have
    taken it (RFC 3501 §6.3.2: EXAMINE must not)."""
    dovecot.append(fresh_dovecot_user, "INBOX", [message_of(n, 3000) for n in range(1, 4)])
    for fetch in ("summary", "full"):
        with connect(dovecot, fresh_dovecot_user, fetch=fetch) as source:
            assert len(list(source.fetch_new("INBOX", after_uid=0, batch_size=2))) == 2
    with dovecot.imap_client(fresh_dovecot_user) as observer:
        observer.select_folder("INBOX", readonly=True)
        flags = observer.get_flags([1, 2, 3])
    assert flags == {1: (b"\\Recent",), 2: (b"\\Recent",), 3: (b"\\Recent",)}


def test_fetch_new_from_a_missing_folder_names_it(
    dovecot: DovecotServer, fresh_dovecot_user: str
) -> None:
    with connect(dovecot, fresh_dovecot_user) as source, pytest.raises(MailboxError) as raised:
        next(source.fetch_new("Archive", after_uid=0, batch_size=10))
    assert raised.value.message.startswith("mailbox support: cannot read folder Archive: ")


def test_a_batch_larger_than_one_command_line_is_fetched_in_pieces(
    dovecot: DovecotServer, fresh_dovecot_user: str
) -> None:
    """10-digit UIDs: 7,000 in one UID FETCH would be a 77 kB line, over Dovecot's 64 kB."""
    count = 7_000
    dovecot.create_folder(fresh_dovecot_user, "Big")
    first_uid = 4_000_000_000
    subprocess.run(
        ["doveadm", "-c", str(dovecot.config_file), "mailbox", "update",
         "-u", fresh_dovecot_user, "--min-next-uid", str(first_uid), "Big"],
        check=True, capture_output=True, timeout=30,
    )  # fmt: skip
    seeded = dovecot.seed_maildir(fresh_dovecot_user, "Big", [message_of(n) for n in range(count)])
    assert seeded == list(range(first_uid, first_uid + count))
    with connect(dovecot, fresh_dovecot_user) as source:
        batches = list(source.fetch_new("Big", after_uid=first_uid, batch_size=count))
    assert uids_of(batches) == [seeded[1:]]
    assert batches[0][-1].header == header_of(count - 1)


# -- uids and flag_changes --------------------------------------------------------------


def test_uids_after_deleting_some(dovecot: DovecotServer, fresh_dovecot_user: str) -> None:
    dovecot.append(fresh_dovecot_user, "INBOX", [message_of(n) for n in range(1, 7)])
    dovecot.delete_messages(fresh_dovecot_user, "INBOX", [2, 3, 6])
    with connect(dovecot, fresh_dovecot_user) as source:
        assert source.uids("INBOX") == {1, 4, 5}


def test_uids_of_an_empty_folder(dovecot: DovecotServer, fresh_dovecot_user: str) -> None:
    with connect(dovecot, fresh_dovecot_user) as source:
        assert source.uids("INBOX") == set()


def test_flag_changes_returns_exactly_the_messages_changed(
    dovecot: DovecotServer, fresh_dovecot_user: str
) -> None:
    dovecot.append(fresh_dovecot_user, "INBOX", [message_of(n) for n in range(1, 6)])
    with connect(dovecot, fresh_dovecot_user) as source:
        before = source.folder_status("INBOX").highest_modseq
        assert before is not None
        dovecot.set_flags(fresh_dovecot_user, "INBOX", [2, 4], ["\\Flagged"])
        assert source.flag_changes("INBOX", before) == {2: ("\\Flagged",), 4: ("\\Flagged",)}
        dovecot.set_flags(fresh_dovecot_user, "INBOX", [4], ["\\Seen", "\\Answered"])
        assert source.flag_changes("INBOX", before + 1) == {4: ("\\Answered", "\\Seen")}
        now = source.folder_status("INBOX").highest_modseq
        assert now is not None
        assert source.flag_changes("INBOX", now) == {}
