"""``config check``: can every mailbox be read? Logs in and asks each folder's STATUS.

Nothing is fetched and nothing is written: a folder's STATUS (RFC 3501 §6.3.10) proves
the login works and the folder exists, at the same cost for any folder size. A missing
folder is reported with the nearest names the server does have, as admins often type
``Sent`` where the server says ``Sent Items`` or ``INBOX.Sent``.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from supportctl.config.model import Config, Mailbox
from supportctl.errors import SupportctlError
from supportctl.mail.source import MailSource

CHECK_COLUMNS = ("mailbox", "folder", "status", "messages", "detail")


@dataclass(frozen=True)
class FolderCheck:
    mailbox: str
    folder: str | None  # None: the mailbox as a whole (the login) failed
    status: str  # ok | missing | failed | skipped
    messages: int | None = None
    detail: str | None = None

    @property
    def failed(self) -> bool:
        return self.status in ("missing", "failed")


SourceFactory = Callable[[Mailbox], MailSource]


def check_mailboxes(
    config: Config,
    *,
    connect: bool,
    mailboxes: tuple[str, ...] = (),
    open_source: SourceFactory | None = None,
) -> Iterator[FolderCheck]:
    """One FolderCheck per folder of each chosen mailbox (all when none named).

    A password whose ``${VAR}`` is not set fails its mailbox. IMAP mailboxes are only
    contacted when ``connect`` is true; otherwise their folders are reported as skipped.
    Local mailboxes are always read, as that touches no server.
    """
    from supportctl.mail.sources import open_source as default_open_source

    chosen = [config.mailbox(name) for name in mailboxes] if mailboxes else config.mailboxes
    for mailbox in chosen:
        folders = [*mailbox.folders, *([mailbox.sent_folder] if mailbox.sent_folder else [])]
        if mailbox.password_error is not None:
            yield FolderCheck(mailbox.name, None, "failed", detail=str(mailbox.password_error))
            continue
        if not (connect or mailbox.is_local):
            yield from (
                FolderCheck(mailbox.name, folder, "skipped", detail="pass --connect to log in")
                for folder in folders
            )
            continue
        try:
            source = (open_source or default_open_source)(mailbox)
        except SupportctlError as exc:
            yield FolderCheck(mailbox.name, None, "failed", detail=str(exc))
            continue
        try:
            yield from _check_folders(mailbox, source, folders)
        finally:
            source.close()


def _check_folders(
    mailbox: Mailbox, source: MailSource, folders: list[str]
) -> Iterator[FolderCheck]:
    existing: list[str] | None = None
    for folder in folders:
        try:
            status = source.folder_status(folder)
        except SupportctlError as exc:
            if existing is None:
                existing = _folder_names(source)
            if existing and folder not in existing:
                yield FolderCheck(
                    mailbox.name, folder, "missing", detail=_missing(folder, existing)
                )
            else:
                yield FolderCheck(mailbox.name, folder, "failed", detail=str(exc))
            continue
        yield FolderCheck(mailbox.name, folder, "ok", messages=status.messages)


def _folder_names(source: MailSource) -> list[str]:
    try:
        return source.folder_names()
    except SupportctlError:
        return []


def _missing(folder: str, existing: list[str]) -> str:
    close = difflib.get_close_matches(folder, existing, n=3, cutoff=0.5)
    if not close:
        close = [name for name in existing if folder.lower() in name.lower()][:3]
    suggestion = f"; did you mean {' or '.join(repr(name) for name in close)}?" if close else ""
    return f"no folder {folder!r} on the server{suggestion}"
