"""The sieve target: the script supportctl writes, and publish_sieve against the real
Dovecot ManageSieve, down to dovecot-lda delivering a message and Pigeonhole sending the
vacation reply (or not, outside the window)."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from supportctl.errors import AuthenticationError, MailboxError, UsageError
from supportctl.publish.managesieve import (
    ScriptEntry,
    ScriptRejectedError,
    connect_mailbox,
)
from supportctl.publish.sieve import (
    SieveOutcome,
    included_user_script,
    is_supportctl_script,
    publish_sieve,
    sieve_string,
    vacation_script,
)
from tests.mail_imap.imap_helpers import mailbox_for
from tests.servers.dovecot import DovecotServer

EID_2026 = (date(2026, 3, 19), date(2026, 3, 24))
PAST = (date(2020, 1, 1), date(2020, 1, 2))
BODY = 'We are closed for Eid "al-Fitr".\n.\nنعود يوم ٢٥ مارس\nC:\\support'
# The user's own rule: flag every message. It must keep running beside the vacation.
FLAG_EVERYTHING = 'require "imap4flags";\r\naddflag "\\\\Flagged";\r\n'
# Dovecot refuses scripts over sieve_max_script_size (1 MiB by default).
OVERSIZED_BODY = "closed " * 200_000


def script(**overrides: Any) -> str:
    arguments: dict[str, Any] = {
        "body": "Closed.",
        "subject": "Eid",
        "addresses": ["support@example.com"],
        "windows": [EID_2026],
        "timezone": "Asia/Riyadh",
        "during": "closures",
        "user_script": None,
    }
    return vacation_script(**(arguments | overrides))


def around_today() -> tuple[date, date]:
    """A window the server's clock is inside, whatever the time of day."""
    today = datetime.now(UTC).date()
    return today - timedelta(days=1), today + timedelta(days=1)


def publish(server: DovecotServer, user: str, **overrides: Any) -> SieveOutcome:
    mailbox = mailbox_for(
        server, user, sieve_port=server.sieve_port, addresses=(server.address_of(user),)
    )
    arguments: dict[str, Any] = {
        "password": server.users[user],
        "script_name": "supportctl",
        "body": BODY,
        "subject": "Closed for Eid",
        "windows": [around_today()],
        "timezone": "UTC",
        "during": "closures",
        "dry_run": False,
    }
    return publish_sieve(mailbox, **(arguments | overrides))


def listed(server: DovecotServer, user: str) -> list[ScriptEntry]:
    mailbox = mailbox_for(server, user, sieve_port=server.sieve_port)
    with connect_mailbox(mailbox, password=server.users[user]) as client:
        return sorted(client.list_scripts(), key=lambda entry: entry.name)


def stored_script(server: DovecotServer, user: str, name: str) -> Path:
    """Where Dovecot keeps the script (``sieve = file:~/sieve``)."""
    return server.home_of(user) / "sieve" / f"{name}.sieve"


def assert_only_ours_active(server: DovecotServer, user: str, script: str) -> None:
    """Our script is the user's only one, active, and stored exactly as ``script``."""
    assert listed(server, user) == [ScriptEntry("supportctl", active=True)]
    assert stored_script(server, user, "supportctl").read_bytes() == script.encode()


def customer_writes(server: DovecotServer, user: str) -> str:
    """Deliver a customer's message to ``user``; returns the customer's unique address."""
    sender = f"customer-{user}@example.com"
    message = (
        f"From: {sender}\r\nTo: {server.address_of(user)}\r\nSubject: order 42\r\n"
        f"Message-ID: <{user}@example.com>\r\n\r\nWhere is my order?\r\n"
    ).encode()
    server.deliver(user, message, sender)
    return sender


def replies_to(server: DovecotServer, address: str) -> list[EmailMessage]:
    messages = [
        email.message_from_bytes(raw, policy=email.policy.default) for raw in server.sent_mail()
    ]
    return [message for message in messages if message["To"].addresses[0].addr_spec == address]


def flagged_in_inbox(server: DovecotServer, user: str) -> list[int]:
    with server.imap_client(user) as client:
        client.select_folder("INBOX", readonly=True)
        return list(client.search(["FLAGGED"]))


# -- the script ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("timezone", "window", "start_zone", "end_zone"),
    [
        ("Asia/Riyadh", EID_2026, "+0300", "+0300"),
        # London's clocks go forward on 29 March 2026: the window closes at BST midnight.
        ("Europe/London", (date(2026, 3, 27), date(2026, 3, 30)), "+0000", "+0100"),
        # Cairo's go forward at midnight starting 24 April 2026: that day begins at 00:00
        # EET, so its start bound is +0200 although the day is otherwise +0300.
        ("Africa/Cairo", (date(2026, 4, 24), date(2026, 4, 24)), "+0200", "+0300"),
        ("America/St_Johns", (date(2026, 1, 5), date(2026, 1, 6)), "-0330", "-0330"),
    ],
)
def test_each_window_bound_carries_the_offset_at_that_local_midnight(
    timezone: str, window: tuple[date, date], start_zone: str, end_zone: str
) -> None:
    text = script(windows=[window], timezone=timezone)
    start, end = (day.isoformat() for day in window)
    assert f'currentdate :zone "{start_zone}" :value "ge" "date" "{start}"' in text
    assert f'currentdate :zone "{end_zone}" :value "le" "date" "{end}"' in text


def test_the_script_is_marked_and_names_the_included_user_script() -> None:
    user_script = 'roundcube "filters" ش'
    text = script(user_script=user_script)
    assert is_supportctl_script(text)
    assert included_user_script(text) == user_script
    assert text.endswith('include :personal :optional "roundcube \\"filters\\" ش";\r\n')
    assert 'require ["date", "include", "relational", "vacation"];' in text
    assert not is_supportctl_script(FLAG_EVERYTHING)
    assert included_user_script(script()) is None


def test_strings_are_escaped_and_multiline_text_is_dot_stuffed() -> None:
    assert sieve_string('say "hi" \\ now') == '"say \\"hi\\" \\\\ now"'
    assert (
        sieve_string("one\n.\n..two\r\nthree\n") == "text:\r\none\r\n..\r\n...two\r\nthree\r\n.\r\n"
    )


def test_the_subject_stays_one_line_and_always_has_no_date_test() -> None:
    text = script(subject="Closed\nfor  Eid", during="always", windows=[])
    assert ':subject "Closed for Eid"' in text
    assert "currentdate" not in text and 'require ["vacation"];' in text


@pytest.mark.parametrize(
    ("windows", "message"),
    [([], "at least one window"), ([(date(2026, 3, 24), date(2026, 3, 19))], "ends before")],
)
def test_unusable_windows_are_refused(windows: Sequence[tuple[date, date]], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        script(windows=windows)


# -- publishing over ManageSieve ----------------------------------------------------------


def test_first_publish_uploads_checks_and_activates(
    dovecot: DovecotServer, fresh_dovecot_user: str
) -> None:
    outcome = publish(dovecot, fresh_dovecot_user)
    assert outcome.action == "uploaded"
    assert outcome.user_script is None
    assert_only_ours_active(dovecot, fresh_dovecot_user, outcome.script)


def test_republishing_the_same_script_does_not_upload_it_again(
    dovecot: DovecotServer, fresh_dovecot_user: str
) -> None:
    publish(dovecot, fresh_dovecot_user)
    stored = stored_script(dovecot, fresh_dovecot_user, "supportctl")
    before = stored.stat()
    assert publish(dovecot, fresh_dovecot_user).action == "unchanged"
    # Dovecot writes every PUTSCRIPT to a new file and renames it into place.
    assert stored.stat().st_ino == before.st_ino
    assert publish(dovecot, fresh_dovecot_user, body="Closed.").action == "uploaded"
    assert stored.stat().st_ino != before.st_ino


def test_ours_deactivated_by_hand_is_activated_again_without_an_upload(
    dovecot: DovecotServer, fresh_dovecot_user: str
) -> None:
    publish(dovecot, fresh_dovecot_user)
    mailbox = mailbox_for(dovecot, fresh_dovecot_user, sieve_port=dovecot.sieve_port)
    with connect_mailbox(mailbox, password=dovecot.users[fresh_dovecot_user]) as client:
        client.set_active("")
    stored = stored_script(dovecot, fresh_dovecot_user, "supportctl")
    before = stored.stat()
    assert publish(dovecot, fresh_dovecot_user, dry_run=True).action == "would activate"
    assert publish(dovecot, fresh_dovecot_user).action == "activated"
    assert stored.stat().st_ino == before.st_ino
    assert listed(dovecot, fresh_dovecot_user) == [ScriptEntry("supportctl", active=True)]


def test_a_dry_run_reads_but_changes_nothing(
    dovecot: DovecotServer, fresh_dovecot_user: str
) -> None:
    planned = publish(dovecot, fresh_dovecot_user, dry_run=True)
    assert planned.action == "would upload"
    assert listed(dovecot, fresh_dovecot_user) == []
    assert publish(dovecot, fresh_dovecot_user).script == planned.script
    assert publish(dovecot, fresh_dovecot_user, windows=[], dry_run=True).action == "would remove"
    assert listed(dovecot, fresh_dovecot_user) == [ScriptEntry("supportctl", active=True)]


def test_the_users_active_script_keeps_running_and_is_restored(
    dovecot: DovecotServer, fresh_dovecot_user: str
) -> None:
    dovecot.install_sieve_script(fresh_dovecot_user, "flags", FLAG_EVERYTHING)
    outcome = publish(dovecot, fresh_dovecot_user)
    assert (outcome.action, outcome.user_script) == ("uploaded", "flags")
    assert listed(dovecot, fresh_dovecot_user) == [
        ScriptEntry("flags", active=False),
        ScriptEntry("supportctl", active=True),
    ]
    customer = customer_writes(dovecot, fresh_dovecot_user)
    assert len(replies_to(dovecot, customer)) == 1
    assert len(flagged_in_inbox(dovecot, fresh_dovecot_user)) == 1  # their rule ran too
    # Republishing while ours is active still includes theirs, from our header.
    assert publish(dovecot, fresh_dovecot_user).action == "unchanged"

    removed = publish(dovecot, fresh_dovecot_user, windows=[])
    assert (removed.action, removed.user_script) == ("removed", "flags")
    assert listed(dovecot, fresh_dovecot_user) == [ScriptEntry("flags", active=True)]
    assert publish(dovecot, fresh_dovecot_user, windows=[]).action == "unchanged"


def test_removing_ours_leaves_nothing_active_when_nothing_was(
    dovecot: DovecotServer, fresh_dovecot_user: str
) -> None:
    publish(dovecot, fresh_dovecot_user)
    assert publish(dovecot, fresh_dovecot_user, windows=[]).action == "removed"
    assert listed(dovecot, fresh_dovecot_user) == []


def test_a_script_the_server_rejects_changes_nothing(
    dovecot: DovecotServer, fresh_dovecot_user: str
) -> None:
    first = publish(dovecot, fresh_dovecot_user)
    with pytest.raises(ScriptRejectedError) as raised:
        publish(dovecot, fresh_dovecot_user, body=OVERSIZED_BODY)
    assert "Script is too large" in str(raised.value)  # the server's words
    assert raised.value.command == "CHECKSCRIPT"
    assert_only_ours_active(dovecot, fresh_dovecot_user, first.script)


def test_a_rejected_first_upload_leaves_the_users_script_active(
    dovecot: DovecotServer, fresh_dovecot_user: str
) -> None:
    dovecot.install_sieve_script(fresh_dovecot_user, "flags", FLAG_EVERYTHING)
    with pytest.raises(ScriptRejectedError):
        publish(dovecot, fresh_dovecot_user, body=OVERSIZED_BODY)
    assert listed(dovecot, fresh_dovecot_user) == [ScriptEntry("flags", active=True)]


def test_a_script_of_the_users_with_our_name_is_never_touched(
    dovecot: DovecotServer, fresh_dovecot_user: str
) -> None:
    theirs = dovecot.install_sieve_script(fresh_dovecot_user, "supportctl", FLAG_EVERYTHING)
    for windows in ([around_today()], []):
        with pytest.raises(MailboxError, match="'supportctl' was not written by supportctl"):
            publish(dovecot, fresh_dovecot_user, windows=windows)
    assert theirs.read_bytes() == FLAG_EVERYTHING.encode()
    assert listed(dovecot, fresh_dovecot_user) == [ScriptEntry("supportctl", active=True)]


def test_another_sieve_targets_active_script_is_refused(
    dovecot: DovecotServer, fresh_dovecot_user: str
) -> None:
    publish(dovecot, fresh_dovecot_user, script_name="supportctl-ar")
    with pytest.raises(MailboxError, match="another supportctl sieve target's"):
        publish(dovecot, fresh_dovecot_user, script_name="supportctl-en")
    assert listed(dovecot, fresh_dovecot_user) == [ScriptEntry("supportctl-ar", active=True)]


@pytest.mark.parametrize(
    ("during", "windows"), [("closures", [PAST, around_today()]), ("always", [])]
)
def test_a_customer_writing_in_the_window_gets_the_vacation_reply(
    dovecot: DovecotServer,
    fresh_dovecot_user: str,
    during: str,
    windows: list[tuple[date, date]],
) -> None:
    publish(dovecot, fresh_dovecot_user, during=during, windows=windows)
    customer = customer_writes(dovecot, fresh_dovecot_user)
    [reply] = replies_to(dovecot, customer)
    assert reply["Auto-Submitted"] == "auto-replied (vacation)"
    assert reply["Subject"] == "Closed for Eid"
    # Pigeonhole ends the body with a blank line of its own.
    assert reply.get_content().rstrip("\r\n").splitlines() == BODY.splitlines()


def test_no_reply_outside_the_window(dovecot: DovecotServer, fresh_dovecot_user: str) -> None:
    publish(dovecot, fresh_dovecot_user, windows=[PAST])
    customer = customer_writes(dovecot, fresh_dovecot_user)
    assert replies_to(dovecot, customer) == []
    assert dovecot.status(fresh_dovecot_user, "INBOX")["MESSAGES"] == 1  # it was delivered


def test_wrong_password_is_an_authentication_error(
    dovecot: DovecotServer, fresh_dovecot_user: str
) -> None:
    with pytest.raises(AuthenticationError) as raised:
        publish(dovecot, fresh_dovecot_user, password="wrong-pass-93c1")
    assert "wrong-pass-93c1" not in str(raised.value)
    assert listed(dovecot, fresh_dovecot_user) == []
