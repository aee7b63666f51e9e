"""Connection security shared by the protocols a mailbox speaks (IMAP, ManageSieve).

Standard library only, so that importing it costs nothing beyond ``ssl``.
"""

from __future__ import annotations

import ssl

from supportctl.config.model import Mailbox
from supportctl.errors import MailboxError


def tls_context(mailbox: Mailbox) -> ssl.SSLContext | None:
    """The TLS settings for ``security`` tls or starttls; None for none.

    Certificates are checked against the system's CAs or ``ca_file``, unless ``verify``
    is false.
    """
    if mailbox.security == "none":
        return None
    try:
        context = ssl.create_default_context(cafile=mailbox.ca_file)
    except OSError as exc:  # ssl.SSLError is one too
        raise MailboxError(
            f"mailbox {mailbox.name}: cannot use ca_file {mailbox.ca_file}: {exc.strerror or exc}"
        ) from exc
    if not mailbox.verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def connection_failure(exc: BaseException, timeout: float) -> str:
    """What went wrong with a connection, in a few words (never the data sent)."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"TLS certificate not trusted ({exc.verify_message})"
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed ({exc.reason or exc})"
    if isinstance(exc, TimeoutError):
        return f"no answer within {timeout:g} s"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__
