"""The IMAP mail source: what ``supportctl sync`` reads from one configured mailbox.

Read-only by construction: folders are opened with EXAMINE (RFC 3501 §6.3.2) and bodies
fetched with ``BODY.PEEK`` (§6.4.5), so the server never sets ``\\Seen`` and nothing is
stored, copied or expunged.

imapclient 4.x traps handled here (shared/notes/test-servers.md):

- ``fetch("N:*")`` raises ValueError after the command ran, so every FETCH takes an
  explicit UID list, found by UID SEARCH first;
- ``N:*`` always matches the highest UID, even one below N (RFC 3501 §6.4.8 and the
  sequence-set rule of §9), so searched UIDs are filtered again;
- ``IMAPClient(host, port)`` means implicit TLS unless told otherwise;
- without a socket timeout a lost network can block a read for ever.

Every read is idempotent, so a connection dropped (or timed out) in the middle of one is
retried on a fresh connection with bounded exponential back-off; see ``ImapSource``.
"""

from __future__ import annotations

import contextlib
import logging
import ssl
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import partial
from typing import Any, TypeVar

from imapclient import IMAPClient
from imapclient.exceptions import (
    CapabilityError,
    IMAPClientAbortError,
    IMAPClientError,
    LoginError,
)

from supportctl.config.model import Mailbox
from supportctl.errors import AuthenticationError, MailboxError
from supportctl.mail.imap_fetch import parse_fetch
from supportctl.mail.source import FetchedMessage, FolderStatus, NewMessages
from supportctl.mail.tls import connection_failure, tls_context

# Waits in seconds before the second, third and fourth attempt of a read that lost its
# connection.
RETRY_DELAYS: tuple[float, ...] = (0.5, 1.0, 2.0)
SNIPPET_BYTES = 2048
# RFC 7162 §4 asks clients to keep command lines under 8,192 octets; a UID is at most ten
# digits and a comma, and batch_size may be 10,000.
MAX_UIDS_PER_COMMAND = 700

# A dropped connection, a reset, a read timeout, a TLS failure: a new connection may cure it.
_CONNECTION_LOST = (IMAPClientAbortError, OSError)
# \Recent belongs to one session (RFC 3501 §2.3.2) and IMAP4rev2 dropped it (RFC 9051):
# kept, it would record only which client happened to look first.
_SESSION_FLAG = b"\\Recent"
_STATUS_ITEMS = ("UIDNEXT", "UIDVALIDITY", "MESSAGES")
_COMMON_ITEMS = ("BODY.PEEK[HEADER]", "INTERNALDATE", "RFC822.SIZE", "FLAGS")

T = TypeVar("T")


@dataclass(frozen=True)
class FetchPlan:
    """What FETCH asks for, and the key imapclient returns the body under."""

    items: tuple[str, ...]
    body_key: bytes


# No BODYSTRUCTURE: benchmarks/bench_imap_fetch.py --bodystructure measured it adding 30
# to 110 % to the FETCH loop's time (imapclient parses its nested lists in Python), where
# all of ImapSource's own work adds about 2 %.
FETCH_PLANS = {
    "summary": FetchPlan((*_COMMON_ITEMS, f"BODY.PEEK[TEXT]<0.{SNIPPET_BYTES}>"), b"BODY[TEXT]<0>"),
    "full": FetchPlan((*_COMMON_ITEMS, "BODY.PEEK[TEXT]"), b"BODY[TEXT]"),
}


@dataclass(frozen=True)
class _Connector:
    """Opens logged-in connections to one mailbox, on connect and on every reconnect."""

    mailbox: Mailbox
    password: str = field(repr=False)
    tls_context: ssl.SSLContext | None

    def open(self) -> IMAPClient:
        """A logged-in client with aware INTERNALDATEs.

        A refusal no reconnection can cure raises AuthenticationError or MailboxError;
        a lost or unreachable connection (``_CONNECTION_LOST``) propagates unchanged, for
        the caller to retry or report.
        """
        mailbox = self.mailbox
        client = IMAPClient(
            mailbox.host,
            port=mailbox.port,
            ssl=mailbox.security == "tls",
            ssl_context=self.tls_context,
            timeout=mailbox.timeout,
        )
        _quiet_imaplib(client)
        try:
            self._log_in(client)
        except BaseException:
            _shut_down(client)
            raise
        client.normalise_times = False
        return client

    def _log_in(self, client: IMAPClient) -> None:
        """STARTTLS (RFC 3501 §6.2.1) if configured, then LOGIN (§6.2.3)."""
        mailbox = self.mailbox
        try:
            if mailbox.security == "starttls":
                client.starttls(self.tls_context)
            client.login(mailbox.username, self.password)
        except LoginError as exc:
            raise AuthenticationError(
                f"mailbox {mailbox.name}: the server refused the login for {mailbox.username}",
                hint="check the mailbox's password",
            ) from exc
        except CapabilityError as exc:
            raise MailboxError(
                f"mailbox {mailbox.name}: {_address(mailbox)} does not offer STARTTLS",
                hint="use security: tls with the server's IMAPS port",
            ) from exc


class ImapSource:
    """``MailSource`` (supportctl.mail.source) over IMAP for one configured mailbox.

    >>> source = ImapSource.connect(mailbox, password="...")
    >>> source.folder_status("INBOX")
    FolderStatus(uidvalidity=1712345678, uidnext=4021, messages=4020, highest_modseq=9120)
    >>> for batch in source.fetch_new("INBOX", after_uid=4000, batch_size=500):
    ...     [message.uid for message in batch]
    [4001, 4002, ..., 4020]
    >>> source.close()

    Each public method is one read. When its connection drops or times out, the source
    waits ``retry_delays[0]``, connects and logs in again, re-EXAMINEs the folder and
    repeats the read; then ``retry_delays[1]`` and so on, and raises MailboxError once
    ``len(retry_delays) + 1`` attempts have failed. Only reads are retried, and every
    read here is idempotent: UIDs name the same messages for as long as the folder's
    UIDVALIDITY stays (RFC 3501 §2.3.1.1), which is checked again after a reconnection.
    """

    uids_ascending = True

    def __init__(
        self,
        connector: _Connector,
        client: IMAPClient,
        *,
        retry_delays: Sequence[float] = RETRY_DELAYS,
        sleep: Callable[[float], object] = time.sleep,
    ) -> None:
        """Use ``connect()``; this wraps a client it has logged in."""
        self._connector = connector
        self._name = connector.mailbox.name
        self._plan = FETCH_PLANS[connector.mailbox.fetch]
        self._retry_delays = tuple(retry_delays)
        self._sleep = sleep
        self._client: IMAPClient | None = client
        self._selected: str | None = None

    @classmethod
    def connect(
        cls,
        mailbox: Mailbox,
        *,
        password: str,
        retry_delays: Sequence[float] = RETRY_DELAYS,
        sleep: Callable[[float], object] = time.sleep,
    ) -> ImapSource:
        """Connect to ``mailbox`` and log in, once: the next sync run is the retry.

        ``security`` tls is implicit TLS, starttls upgrades the plain port (RFC 3501
        §6.2.1), none stays plain. Certificates are verified against the system's CAs or
        ``ca_file``, unless ``verify`` is false. ``timeout`` bounds every socket wait.
        ``retry_delays`` and ``sleep`` set the back-off of later reads (see the class).

        Raises AuthenticationError when the login is refused (never naming the password)
        and MailboxError with a one-line reason when the server cannot be reached, its
        certificate is not trusted, or it does not answer in time.
        """
        if mailbox.host is None or mailbox.username is None:
            raise MailboxError(f"mailbox {mailbox.name}: not an IMAP mailbox (no host or username)")
        connector = _Connector(mailbox, password, tls_context(mailbox))
        try:
            client = connector.open()
        except (IMAPClientError, OSError) as exc:
            raise _unreachable(mailbox, exc) from exc
        return cls(connector, client, retry_delays=retry_delays, sleep=sleep)

    def close(self) -> None:
        """LOGOUT (RFC 3501 §6.1.3); a connection that is already dead is just closed."""
        client = self._forget_connection()
        if client is not None:
            try:
                client.logout()
            except (IMAPClientError, OSError):
                _shut_down(client)

    def __enter__(self) -> ImapSource:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- the reads ------------------------------------------------------------------

    def folder_status(self, folder: str) -> FolderStatus:
        """STATUS (RFC 3501 §6.3.10) UIDNEXT UIDVALIDITY MESSAGES, plus HIGHESTMODSEQ
        (RFC 7162 §3.1.7) when the server offers CONDSTORE: one round trip, no SELECT.

        ``highest_modseq`` is None without CONDSTORE, and for the 0 a server reports for a
        folder that keeps no mod-sequences (§3.1.7, §3.1.2.2). A folder that does not
        exist raises MailboxError naming it.
        """
        return self._read(folder, partial(self._status, folder))

    def fetch_new(
        self, folder: str, after_uid: int, batch_size: int, *, since: datetime | None = None
    ) -> NewMessages:
        """Messages with UID > ``after_uid``, ascending, in lists of up to ``batch_size``.

        EXAMINE and ``UID SEARCH UID after_uid+1:*`` (§6.4.4) now, so ``count`` is known
        before the first batch; then one ``UID FETCH`` per batch of explicit UIDs as the
        batches are asked for: ``BODY.PEEK[HEADER]``, ``BODY.PEEK[TEXT]<0.2048>`` (the
        whole ``BODY.PEEK[TEXT]`` with ``fetch: full``), INTERNALDATE (as UTC),
        RFC822.SIZE and FLAGS (without the session-only ``\\Recent``). Messages expunged
        after the search are left out; a batch left empty is not yielded. If the folder
        gets a new UIDVALIDITY during the fetch, MailboxError is raised.

        With ``since``, the search adds ``SINCE <its date>`` (SINCE compares INTERNALDATE's
        date, disregarding time and zone), and a second one, ``BEFORE <date>``, counts
        the messages left out as ``skipped``.
        """
        day = None if since is None else since.date()
        uidvalidity, uids, skipped = self._read(
            folder, partial(self._search_new, folder, after_uid, day)
        )
        return NewMessages(len(uids), self._batches(folder, uidvalidity, uids, batch_size), skipped)

    def _batches(
        self, folder: str, uidvalidity: int, uids: list[int], batch_size: int
    ) -> Iterator[list[FetchedMessage]]:
        for batch in _slices(uids, batch_size):
            messages = self._read(folder, partial(self._fetch_batch, folder, uidvalidity, batch))
            if messages:
                yield messages

    def uids(self, folder: str) -> set[int]:
        """Every UID in ``folder`` now: ``UID SEARCH ALL`` (§6.4.4, §6.4.8) on EXAMINE."""
        return self._read(folder, partial(self._all_uids, folder))

    def flag_changes(self, folder: str, since_modseq: int) -> dict[int, tuple[str, ...]]:
        """UID → flags of the messages whose mod-sequence rose above ``since_modseq``
        (RFC 7162 §3.1.4.1 CHANGEDSINCE); ``{}`` when the server offers no CONDSTORE.

        ``UID SEARCH MODSEQ since+1`` (§3.1.5), then ``UID FETCH uids (FLAGS)
        (CHANGEDSINCE since)`` on what it found rather than ``FETCH 1:*``, whose answer
        imapclient 4.x cannot return. Both commands enable CONDSTORE for the session
        (§3.1), so no ENABLE is sent.
        """
        return self._read(folder, partial(self._changed_flags, folder, since_modseq))

    def folder_names(self) -> list[str]:
        """LIST "" "*" (RFC 3501 §6.3.8), leaving out \\Noselect names that cannot be opened."""
        return self._read("*", self._selectable_folders)

    # -- one attempt of each read ---------------------------------------------------

    def _status(self, folder: str) -> FolderStatus:
        client = self._connected()
        items = [*_STATUS_ITEMS]
        if client.has_capability("CONDSTORE"):
            items.append("HIGHESTMODSEQ")
        response = client.folder_status(folder, items)
        return FolderStatus(
            uidvalidity=response[b"UIDVALIDITY"],
            uidnext=response[b"UIDNEXT"],
            messages=response[b"MESSAGES"],
            highest_modseq=response.get(b"HIGHESTMODSEQ") or None,
        )

    def _search_new(
        self, folder: str, after_uid: int, since: date | None
    ) -> tuple[int, list[int], int]:
        """(UIDVALIDITY, UIDs above ``after_uid`` ascending, how many ``since`` left out)."""
        client, uidvalidity = self._examine(folder)
        after = ["UID", f"{after_uid + 1}:*"]
        if since is None:
            return uidvalidity, _above(after_uid, client.search(after)), 0
        found = _above(after_uid, client.search([*after, "SINCE", since]))
        left_out = _above(after_uid, client.search([*after, "BEFORE", since]))
        return uidvalidity, found, len(left_out)

    def _fetch_batch(self, folder: str, uidvalidity: int, uids: list[int]) -> list[FetchedMessage]:
        client = self._still_examined(folder, uidvalidity)
        response: dict[int, dict[bytes, Any]] = {}
        for chunk in _slices(uids, MAX_UIDS_PER_COMMAND):
            response.update(_uid_fetch(client, chunk, self._plan.items))
        body_key = self._plan.body_key
        return [_fetched_message(uid, response[uid], body_key) for uid in uids if uid in response]

    def _all_uids(self, folder: str) -> set[int]:
        client, _ = self._examine(folder)
        return set(client.search("ALL"))

    def _selectable_folders(self) -> list[str]:
        listed = self._connected().list_folders()
        return [name for flags, _, name in listed if b"\\Noselect" not in flags]

    def _changed_flags(self, folder: str, since_modseq: int) -> dict[int, tuple[str, ...]]:
        if not self._connected().has_capability("CONDSTORE"):
            return {}
        client, _ = self._examine(folder)
        changed = sorted(client.search(["MODSEQ", since_modseq + 1]))
        modifiers = [f"CHANGEDSINCE {since_modseq}"]
        flags: dict[int, tuple[str, ...]] = {}
        for chunk in _slices(changed, MAX_UIDS_PER_COMMAND):
            for uid, data in client.fetch(chunk, ["FLAGS"], modifiers=modifiers).items():
                flags[uid] = _flag_names(data[b"FLAGS"])
        return flags

    # -- connection and retries -----------------------------------------------------

    def _read(self, folder: str, attempt: Callable[[], T]) -> T:
        """``attempt()``, repeated on a fresh connection after each delay while the
        connection keeps failing; IMAP refusals become MailboxError naming ``folder``."""
        delays = iter(self._retry_delays)
        while True:
            try:
                return attempt()
            except _CONNECTION_LOST as exc:
                _shut_down(self._forget_connection())
                delay = next(delays, None)
                if delay is None:
                    raise self._gave_up(folder, exc) from exc
                self._sleep(delay)
            except IMAPClientError as exc:
                raise MailboxError(
                    f"mailbox {self._name}: cannot read folder {folder}: {_server_text(exc)}"
                ) from exc

    def _connected(self) -> IMAPClient:
        if self._client is None:
            self._client = self._connector.open()
        return self._client

    def _examine(self, folder: str) -> tuple[IMAPClient, int]:
        """EXAMINE ``folder`` (RFC 3501 §6.3.2, a read-only SELECT): (client, UIDVALIDITY)."""
        client = self._connected()
        self._selected = None  # a failed EXAMINE leaves no folder selected (§6.3.1)
        response = client.select_folder(folder, readonly=True)
        self._selected = folder
        return client, response[b"UIDVALIDITY"]

    def _still_examined(self, folder: str, uidvalidity: int) -> IMAPClient:
        """The connection with ``folder`` still open, or a new one on which it is opened
        again and must have kept ``uidvalidity``: else the UIDs in hand name other
        messages (RFC 3501 §2.3.1.1)."""
        if self._client is not None and self._selected == folder:
            return self._client
        client, now = self._examine(folder)
        if now != uidvalidity:
            raise MailboxError(
                f"mailbox {self._name}: folder {folder} changed its UIDVALIDITY from "
                f"{uidvalidity} to {now} during the fetch",
                hint="run sync again",
            )
        return client

    def _forget_connection(self) -> IMAPClient | None:
        client, self._client, self._selected = self._client, None, None
        return client

    def _gave_up(self, folder: str, exc: BaseException) -> MailboxError:
        mailbox = self._connector.mailbox
        attempts = len(self._retry_delays) + 1
        return MailboxError(
            f"mailbox {mailbox.name}: connection to {_address(mailbox)} lost {attempts} times "
            f"reading folder {folder}: {_reason(exc, mailbox.timeout)}"
        )


def _uid_fetch(
    client: IMAPClient, uids: list[int], items: Sequence[str]
) -> dict[int, dict[bytes, Any]]:
    """``client.fetch(uids, items)``, its answer read by supportctl.mail.imap_fetch
    instead of imapclient's slower general parser.

    The command goes through imaplib's ``uid()`` on imapclient's connection (``_imap``,
    which imapclient exposes to no public method); imaplib raises imapclient's own
    error classes, which are imaplib's.
    """
    uid_set = ",".join(str(uid) for uid in uids)
    status, data = client._imap.uid("FETCH", uid_set, f"({' '.join(items)})")
    if status != "OK":
        raise IMAPClientError(f"fetch failed: {_joined(data)}")
    return parse_fetch(data)


def _joined(data: Sequence[Any]) -> str:
    return " ".join(piece.decode("utf-8", "replace") for piece in data if isinstance(piece, bytes))


def _quiet_imaplib(client: IMAPClient) -> None:
    """Stop imaplib formatting log lines no one reads.

    imapclient sets imaplib's debug level to 5 so that imaplib formats every protocol
    line (the repr of each fetched literal included) for the ``imapclient.imaplib``
    logger. With that logger silent — supportctl configures no logging — the formatting
    alone added about half to the time of a FETCH (benchmarks/bench_sync.py). Whoever
    enables the logger for DEBUG gets the lines as before.
    """
    if not logging.getLogger("imapclient.imaplib").isEnabledFor(logging.DEBUG):
        client._imap.debug = 0


def _fetched_message(uid: int, data: dict[bytes, Any], body_key: bytes) -> FetchedMessage:
    internaldate = data.get(b"INTERNALDATE")
    return FetchedMessage(
        uid=uid,
        header=data.get(b"BODY[HEADER]", b""),
        body=data.get(body_key),
        internaldate=None if internaldate is None else internaldate.astimezone(UTC),
        size=data.get(b"RFC822.SIZE"),
        flags=_flag_names(data.get(b"FLAGS", ())),
    )


def _above(after_uid: int, found: Sequence[int]) -> list[int]:
    """``found`` without the highest UID that ``n:*`` matches even below n, ascending."""
    return sorted(uid for uid in found if uid > after_uid)


def _flag_names(flags: Sequence[bytes]) -> tuple[str, ...]:
    return tuple(flag.decode("utf-8", "replace") for flag in flags if flag != _SESSION_FLAG)


def _slices(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _unreachable(mailbox: Mailbox, exc: BaseException) -> MailboxError:
    if isinstance(exc, ssl.SSLCertVerificationError):
        hint = "set ca_file to the CA that signed the server's certificate"
    elif isinstance(exc, ssl.SSLError):
        hint = "check that the port matches security (tls: IMAPS, starttls and none: IMAP)"
    else:
        hint = None
    return MailboxError(
        f"mailbox {mailbox.name}: cannot connect to {_address(mailbox)}: "
        f"{_reason(exc, mailbox.timeout)}",
        hint=hint,
    )


def _reason(exc: BaseException, timeout: int) -> str:
    """What went wrong with a connection, in a few words."""
    if isinstance(exc, IMAPClientAbortError):
        return f"connection closed ({exc})"
    return connection_failure(exc, timeout)


def _server_text(exc: IMAPClientError) -> str:
    """The server's words from imapclient's ``"<command> failed: <words>"``."""
    text = str(exc)
    return text.partition(" failed: ")[2] or text


def _address(mailbox: Mailbox) -> str:
    return f"{mailbox.host}:{mailbox.port}" if mailbox.port else f"{mailbox.host}"


def _shut_down(client: IMAPClient | None) -> None:
    """Close the socket without LOGOUT; an already dead one (or none) is fine."""
    if client is not None:
        with contextlib.suppress(OSError, IMAPClientError):
            client.shutdown()
