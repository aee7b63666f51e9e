"""Open the right source for a configured mailbox (imports IMAP only when needed)."""

from __future__ import annotations

from supportctl.config.model import Mailbox
from supportctl.config.secrets import mailbox_password
from supportctl.mail.source import MailSource

SNIPPET_FETCH_BYTES = 2048


def open_source(mailbox: Mailbox) -> MailSource:
    if mailbox.is_local:
        from supportctl.mail.local import LocalSource

        body_bytes = None if mailbox.fetch == "full" else SNIPPET_FETCH_BYTES
        return LocalSource(maildir=mailbox.maildir, mbox=mailbox.mbox, body_bytes=body_bytes)
    from supportctl.mail.imap import ImapSource

    password = mailbox_password(mailbox)
    return ImapSource.connect(mailbox, password=password)
