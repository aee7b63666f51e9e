"""``writeback``: mirror each conversation's state onto its messages as IMAP keywords.

For a mailbox with ``writeback: keywords``, every stored message of a conversation gets
``$support_status_<status>``, ``$support_assignee_<agent>`` and one ``$support_tag_<tag>``
per tag on the server, so agents see them in Thunderbird or any IMAP client. Keywords of
that prefix the conversation no longer has are removed; no other keyword or flag (``\\Seen``
included) is touched.

Keywords must be IMAP atoms (RFC 3501 §9: printable US-ASCII without ``(){ %*"\\]``), and
Dovecot compares them without regard to case. So ``keyword_atom`` keeps ASCII letters,
digits, ``_``, ``.`` and ``-`` as they are and writes any other run of characters (Arabic
tags, for one) as ``&`` + the lowercase hex of its UTF-8 bytes + ``-``: ``استرداد`` becomes
``&d8a7d8b3d8aad8b1d8afd8a7d8af-``. Hex, unlike base64, stays one value under a
case-insensitive comparison, and ``&`` never stands for itself, so the mapping is
reversible.

Incremental: ``message_keywords`` (store migration 0004) holds what was last written to
each message; only messages whose wanted keywords differ are sent to the server. The
first write to a message also removes ``$support_*`` keywords that sync saw on it (left
by an earlier store, say). Each folder is SELECTed read-write and changed with ``UID STORE
+FLAGS.SILENT`` / ``-FLAGS.SILENT`` (RFC 3501 §6.4.6), only while its UIDVALIDITY is the
one stored (§2.3.1.1) and its PERMANENTFLAGS hold ``\\*`` (new keywords allowed, §7.1);
otherwise the folder is skipped and reported.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from supportctl.config.model import Config, Mailbox
from supportctl.errors import (
    ExitStatus,
    LockedError,
    MailboxError,
    NotFoundError,
    SupportctlError,
)
from supportctl.store.database import Store
from supportctl.store.writeback import MessageState, message_states, save_written

if TYPE_CHECKING:
    from imapclient import IMAPClient

KEYWORD_PREFIX = "$support_"
COLUMNS = (
    "mailbox",
    "status",
    "messages_changed",
    "keywords_added",
    "keywords_removed",
    "folders_skipped",
    "error",
)
_KEPT_AS_IS = re.compile(r"[A-Za-z0-9_.-]+")
_ENCODED_RUN = re.compile(r"[^A-Za-z0-9_.-]+")
# "Any flag name may be created" (RFC 3501 §7.1, PERMANENTFLAGS).
_NEW_KEYWORDS_ALLOWED = b"\\*"
# Keeps a UID STORE command line short, as supportctl.mail.imap does for FETCH.
_UIDS_PER_COMMAND = 700


def keyword_atom(value: str) -> str:
    """``value`` as the safe part of a keyword (see the module docstring).

    >>> keyword_atom("refund"), keyword_atom("vip customer"), keyword_atom("رد")
    ('refund', 'vip&20-customer', '&d8b1d8af-')
    """
    return _ENCODED_RUN.sub(lambda run: f"&{run[0].encode().hex()}-", value)


def wanted_keywords(status: str, assignee: str | None, tags: Iterable[str]) -> frozenset[str]:
    """The keywords a message of a conversation in this state should carry."""
    wanted = {f"{KEYWORD_PREFIX}status_{status}"}
    if assignee is not None:
        wanted.add(f"{KEYWORD_PREFIX}assignee_{keyword_atom(assignee)}")
    wanted.update(f"{KEYWORD_PREFIX}tag_{keyword_atom(tag)}" for tag in tags)
    return frozenset(wanted)


@dataclass(frozen=True)
class KeywordChange:
    """What one message needs: ``add`` and ``remove`` on the server, ``wanted`` after."""

    message_id: int
    folder: str
    uidvalidity: int
    uid: int
    add: frozenset[str]
    remove: frozenset[str]
    wanted: frozenset[str]


def keyword_change(message: MessageState) -> KeywordChange | None:
    """The change ``message`` needs, or None when the server already has what it wants."""
    wanted = wanted_keywords(message.status, message.assignee, message.tags)
    if message.written is None:
        present = {flag for flag in message.flags.split() if flag.startswith(KEYWORD_PREFIX)}
    else:
        present = set(message.written.split())
    if present == wanted and message.written is not None:
        return None
    return KeywordChange(
        message.message_id,
        message.folder,
        message.uidvalidity,
        message.uid,
        add=frozenset(wanted - present),
        remove=frozenset(present - wanted),
        wanted=wanted,
    )


@dataclass
class MailboxWritebackReport:
    """What one mailbox's writeback did (also what ``--dry-run`` would do)."""

    mailbox: str
    status: str = "ok"  # ok | off | partial | failed | locked
    messages_changed: int = 0
    keywords_added: int = 0
    keywords_removed: int = 0
    folders_skipped: int = 0
    error: str | None = None

    def count(self, changes: Sequence[KeywordChange]) -> None:
        self.messages_changed += sum(1 for change in changes if change.add or change.remove)
        self.keywords_added += sum(len(change.add) for change in changes)
        self.keywords_removed += sum(len(change.remove) for change in changes)

    def skip_folder(self, reason: str) -> None:
        self.status, self.folders_skipped = "partial", self.folders_skipped + 1
        self.error = f"{self.error}; {reason}" if self.error else reason


@dataclass
class WritebackReport:
    mailboxes: list[MailboxWritebackReport] = field(default_factory=list)

    @property
    def exit_status(self) -> ExitStatus:
        """3 when some mailbox failed or skipped a folder and others did not; 1 when all
        that were tried failed; 75 when all of those were locked."""
        statuses = [r.status for r in self.mailboxes if r.status != "off"]
        troubled = [status for status in statuses if status != "ok"]
        if not troubled:
            return ExitStatus.OK
        if len(troubled) < len(statuses) or "partial" in troubled:
            return ExitStatus.PARTIAL
        return ExitStatus.LOCKED if set(troubled) == {"locked"} else ExitStatus.FAILED


def writeback(
    config: Config,
    store: Store,
    *,
    mailboxes: Sequence[str] = (),
    dry_run: bool = False,
    wait: float = 0.0,
) -> WritebackReport:
    """Mirror conversation state as keywords for the named mailboxes (all when none
    named); mailboxes with ``writeback: none`` are reported ``off`` and left alone.

    >>> writeback(config, store).mailboxes[0]
    MailboxWritebackReport(mailbox='support', status='ok', messages_changed=3, ...)
    """
    report = WritebackReport()
    for mailbox in _chosen(config, mailboxes):
        result = MailboxWritebackReport(mailbox.name)
        try:
            with store.lock(f"mailbox:{mailbox.name}", wait=wait):
                _write_mailbox(store, mailbox, result, dry_run)
        except LockedError as exc:
            result.status, result.error = "locked", str(exc)
        except SupportctlError as exc:
            result.status, result.error = "failed", str(exc)
        report.mailboxes.append(result)
    return report


def _chosen(config: Config, names: Sequence[str]) -> list[Mailbox]:
    known = {mailbox.name: mailbox for mailbox in config.mailboxes}
    for name in names:
        if name not in known:
            raise NotFoundError(
                f"no mailbox named {name!r}", hint=f"known: {', '.join(sorted(known))}"
            )
    return [known[name] for name in names] if names else list(config.mailboxes)


def _write_mailbox(
    store: Store, mailbox: Mailbox, result: MailboxWritebackReport, dry_run: bool
) -> None:
    if mailbox.writeback != "keywords":
        result.status = "off"
        return
    if mailbox.is_local:
        result.status, result.error = "off", "a local mailbox has no server to write to"
        return
    with store.transaction(readonly=True) as tx:
        states = message_states(tx, mailbox.name)
    changes = [change for change in map(keyword_change, states) if change is not None]
    if dry_run:
        result.count(changes)
        return
    if not changes:
        return
    with KeywordWriter.connect(mailbox) as writer:
        for (folder, uidvalidity), in_folder in _by_folder(changes).items():
            skipped = writer.apply(folder, uidvalidity, in_folder)
            if skipped is not None:
                result.skip_folder(f"folder {folder}: {skipped}")
                continue
            with store.transaction() as tx:
                save_written(tx, {c.message_id: " ".join(sorted(c.wanted)) for c in in_folder})
            result.count(in_folder)


def _by_folder(changes: Iterable[KeywordChange]) -> dict[tuple[str, int], list[KeywordChange]]:
    folders: dict[tuple[str, int], list[KeywordChange]] = defaultdict(list)
    for change in changes:
        folders[change.folder, change.uidvalidity].append(change)
    return folders


class KeywordWriter:
    """A read-write IMAP session that stores keywords on one mailbox's messages."""

    def __init__(self, client: IMAPClient, mailbox: str) -> None:
        """Use ``connect()``; this wraps a client it has logged in."""
        self._client = client
        self._mailbox = mailbox

    @classmethod
    def connect(cls, mailbox: Mailbox) -> KeywordWriter:
        """Log in as sync does (``supportctl.mail.imap``); MailboxError or
        AuthenticationError with a one-line reason when that fails."""
        from imapclient.exceptions import IMAPClientError

        from supportctl.config.secrets import mailbox_password
        from supportctl.mail.imap import _Connector, _unreachable
        from supportctl.mail.tls import tls_context

        connector = _Connector(mailbox, mailbox_password(mailbox), tls_context(mailbox))
        try:
            return cls(connector.open(), mailbox.name)
        except (IMAPClientError, OSError) as exc:
            raise _unreachable(mailbox, exc) from exc

    def __enter__(self) -> KeywordWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        """LOGOUT (RFC 3501 §6.1.3), or just close a connection that is already dead."""
        from imapclient.exceptions import IMAPClientError

        try:
            self._client.logout()
        except (IMAPClientError, OSError):
            self._client.shutdown()

    def apply(self, folder: str, uidvalidity: int, changes: Sequence[KeywordChange]) -> str | None:
        """SELECT ``folder`` (RFC 3501 §6.3.1) and store every change; returns why the
        folder was left alone (None when it was not): another UIDVALIDITY, or no ``\\*``
        in PERMANENTFLAGS. MailboxError when the server refuses a command or the
        connection is lost."""
        from imapclient.exceptions import IMAPClientError

        try:
            selected = self._client.select_folder(folder, readonly=False)
            if selected[b"UIDVALIDITY"] != uidvalidity:
                return f"UIDVALIDITY is now {selected[b'UIDVALIDITY']}, run sync first"
            if _NEW_KEYWORDS_ALLOWED not in selected.get(b"PERMANENTFLAGS", ()):
                return "the server does not allow new keywords here (no \\* in PERMANENTFLAGS)"
            self._store(changes)
        except (IMAPClientError, OSError) as exc:
            raise MailboxError(
                f"mailbox {self._mailbox}: cannot write keywords in folder {folder}: {exc}"
            ) from exc
        return None

    def _store(self, changes: Sequence[KeywordChange]) -> None:
        """One ``UID STORE -FLAGS.SILENT`` and one ``+FLAGS.SILENT`` (§6.4.6) per distinct
        change, for a few hundred UIDs at a time: a conversation's messages share one."""
        uids: dict[tuple[frozenset[str], frozenset[str]], list[int]] = defaultdict(list)
        for change in changes:
            uids[change.add, change.remove].append(change.uid)
        for (add, remove), group in uids.items():
            for start in range(0, len(group), _UIDS_PER_COMMAND):
                chunk = group[start : start + _UIDS_PER_COMMAND]
                if remove:
                    self._client.remove_flags(chunk, sorted(remove), silent=True)
                if add:
                    self._client.add_flags(chunk, sorted(add), silent=True)
