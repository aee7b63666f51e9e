"""Mailboxes pointing at the test Dovecot, and support mail with known bytes."""

from __future__ import annotations

from typing import Any

from supportctl.config.model import Mailbox
from supportctl.mail.imap import ImapSource
from tests.servers.dovecot import DovecotServer

TIMEOUT_SECONDS = 10
NO_WAIT = (0.0, 0.0, 0.0)


def mailbox_for(server: DovecotServer, user: str, **settings: Any) -> Mailbox:
    """The config ``Mailbox`` for ``user`` on the plain port; ``settings`` override."""
    values: dict[str, Any] = {
        "name": "support",
        "host": server.host,
        "port": server.imap_port,
        "security": "none",
        "username": user,
        "timeout": TIMEOUT_SECONDS,
    }
    return Mailbox(**(values | settings))


def connect(server: DovecotServer, user: str, **settings: Any) -> ImapSource:
    return ImapSource.connect(
        mailbox_for(server, user, **settings), password=server.users[user], retry_delays=NO_WAIT
    )


def header_of(number: int) -> bytes:
    """The header block exactly as IMAP returns it: CRLF line ends, blank line included."""
    return (
        f"From: customer{number}@example.com\r\n"
        f"To: support@example.com\r\n"
        f"Subject: =?UTF-8?B?2KfYs9iq2LHYr9in2K8=?= refund {number}\r\n"
        f"Message-ID: <{number}@example.com>\r\n"
        f"\r\n"
    ).encode()


def body_of(number: int, size: int = 100) -> bytes:
    """``size`` bytes of Arabic and English text, different for each ``number``."""
    line = f"طلب رقم {number}: please refund order {number}.\r\n".encode()
    return (line * (size // len(line) + 1))[:size]


def message_of(number: int, body_size: int = 100) -> bytes:
    return header_of(number) + body_of(number, body_size)
