"""Local mail sources: a Maildir tree and an mbox file (archives, the bundled demo).

Read-only, like IMAP. UIDs are stable 63-bit hashes of the message's Maildir key (or,
for mbox, of its content), so they do not ascend: sync asks a local
source for the UIDs it does not hold yet instead of "everything after UID n".
"""

from __future__ import annotations

import contextlib
import hashlib
import mailbox as stdlib_mailbox
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from supportctl.errors import MailboxError
from supportctl.mail.parse import split_message
from supportctl.mail.source import FetchedMessage, FolderStatus, NewMessages

_INBOX_NAMES = ("INBOX", "inbox", "")
# The date of an mbox "From " line: asctime() format, in no stated zone (taken as UTC).
_FROM_LINE_DATE = "%a %b %d %H:%M:%S %Y"


def _stable_uid(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big") >> 1


class LocalSource:
    """A Maildir root whose folders are Maildirs below it (``INBOX`` may be the root
    itself), or one mbox file (its only folder is ``INBOX``)."""

    uids_ascending = False

    def __init__(
        self, *, maildir: str | None = None, mbox: str | None = None, body_bytes: int | None = 2048
    ):
        self._maildir = Path(maildir) if maildir else None
        self._mbox = Path(mbox) if mbox else None
        self._body_bytes = body_bytes
        self._cache: dict[str, dict[int, Path | int]] = {}

    def _folder_path(self, folder: str) -> Path:
        assert self._maildir is not None
        candidate = self._maildir / folder
        if (candidate / "cur").is_dir():
            return candidate
        if folder in _INBOX_NAMES and (self._maildir / "cur").is_dir():
            return self._maildir
        raise MailboxError(f"no Maildir folder {folder!r} under {self._maildir}")

    def _index(self, folder: str) -> dict[int, Path | int]:
        """UID → file (Maildir) or message key (mbox)."""
        if folder not in self._cache:
            self._cache[folder] = (
                self._maildir_index(folder) if self._maildir else self._mbox_index(folder)
            )
        return self._cache[folder]

    def _maildir_index(self, folder: str) -> dict[int, Path | int]:
        root = self._folder_path(folder)
        index: dict[int, Path | int] = {}
        for sub in ("new", "cur"):
            for entry in os.scandir(root / sub):
                if entry.is_file() and not entry.name.startswith("."):
                    index[_stable_uid(entry.name.split(":", 1)[0])] = Path(entry.path)
        return index

    def _mbox_index(self, folder: str) -> dict[int, Path | int]:
        assert self._mbox is not None
        if folder not in _INBOX_NAMES:
            raise MailboxError(f"an mbox has only the folder INBOX, not {folder!r}")
        if not self._mbox.is_file():
            raise MailboxError(f"mbox file {self._mbox} does not exist")
        box = stdlib_mailbox.mbox(str(self._mbox), create=False)
        index: dict[int, Path | int] = {}
        try:
            for key in box.iterkeys():
                # The content names the message, so edits elsewhere in the file do not
                # renumber it; an exact copy gets the next free number.
                digest = hashlib.blake2b(box.get_bytes(key), digest_size=16).hexdigest()
                copy = 0
                while (uid := _stable_uid(f"{digest}:{copy}")) in index:
                    copy += 1
                index[uid] = key
        finally:
            box.close()
        return index

    def folder_status(self, folder: str) -> FolderStatus:
        index = self._index(folder)
        origin = str((self._maildir / folder) if self._maildir else self._mbox)
        return FolderStatus(
            uidvalidity=_stable_uid(origin) & 0x7FFFFFFF, uidnext=0, messages=len(index)
        )

    def uids(self, folder: str) -> set[int]:
        return set(self._index(folder))

    def fetch_unknown(
        self,
        folder: str,
        known: set[int],
        batch_size: int,
        *,
        since: datetime | None = None,
    ) -> NewMessages:
        """The messages whose UID is not in ``known``, oldest file first, in batches;
        with ``since``, those received before it are left out (and counted)."""
        index = self._index(folder)
        unknown = [uid for uid in index if uid not in known]
        wanted = unknown if since is None else self._received_since(unknown, index, since)
        wanted.sort(key=lambda uid: str(index[uid]))
        skipped = len(unknown) - len(wanted)
        return NewMessages(len(wanted), self._batches(wanted, index, batch_size), skipped)

    def _received_since(
        self, uids: list[int], index: dict[int, Path | int], since: datetime
    ) -> list[int]:
        with self._open_mbox() as box:
            received = {uid: _received_at(index[uid], box) for uid in uids}
        return [uid for uid, at in received.items() if at is None or at >= since]

    def _batches(
        self, wanted: list[int], index: dict[int, Path | int], batch_size: int
    ) -> Iterator[list[FetchedMessage]]:
        with self._open_mbox() as box:
            for start in range(0, len(wanted), batch_size):
                yield [
                    self._read(uid, index[uid], box) for uid in wanted[start : start + batch_size]
                ]

    @contextlib.contextmanager
    def _open_mbox(self) -> Iterator[stdlib_mailbox.mbox | None]:
        box = stdlib_mailbox.mbox(str(self._mbox), create=False) if self._mbox else None
        try:
            yield box
        finally:
            if box is not None:
                box.close()

    def _read(self, uid: int, where: Path | int, box: stdlib_mailbox.mbox | None) -> FetchedMessage:
        if isinstance(where, Path):
            raw = where.read_bytes()
            received = _received_at(where, box)
            flags = _maildir_flags(where.name)
        else:
            assert box is not None
            raw = box.get_bytes(where)
            received = None
            flags = ()
        header, body = split_message(raw)
        if self._body_bytes is not None and body is not None:
            body = body[: self._body_bytes]
        return FetchedMessage(
            uid=uid, header=header, body=body, internaldate=received, size=len(raw), flags=flags
        )

    def flag_changes(self, folder: str, since_modseq: int) -> dict[int, tuple[str, ...]]:
        return {}

    def folder_names(self) -> list[str]:
        """Every Maildir below the root (INBOX for the root itself); INBOX for an mbox."""
        if self._maildir is None:
            return ["INBOX"]
        names = ["INBOX"] if (self._maildir / "cur").is_dir() else []
        return names + sorted(
            str(cur.parent.relative_to(self._maildir))
            for cur in self._maildir.glob("**/cur")
            if cur.is_dir() and cur.parent != self._maildir
        )

    def close(self) -> None:
        self._cache.clear()


_MAILDIR_FLAGS = {
    "S": "\\Seen",
    "R": "\\Answered",
    "F": "\\Flagged",
    "T": "\\Deleted",
    "D": "\\Draft",
}


def _maildir_flags(name: str) -> tuple[str, ...]:
    _, _, info = name.partition(":2,")
    return tuple(_MAILDIR_FLAGS[letter] for letter in info if letter in _MAILDIR_FLAGS)


def _received_at(where: Path | int, box: stdlib_mailbox.mbox | None) -> datetime | None:
    """When a message arrived: for a Maildir file, the earlier of its modification time
    (what Dovecot reports as INTERNALDATE) and the delivery time its name starts with
    (the Maildir convention): a copy (git clone, cp, rsync without -t) resets the first
    but keeps the second. For an mbox message, its ``From `` line date; None when
    unreadable."""
    if isinstance(where, Path):
        modified = int(where.stat().st_mtime)
        named = where.name.split(".", 1)[0]
        # Seconds since 1970 have had 9 or 10 digits since 1973; "1.host" names no time.
        delivered = int(named) if named.isdigit() and len(named) in (9, 10) else modified
        return datetime.fromtimestamp(min(modified, delivered), UTC)
    assert box is not None
    with contextlib.closing(box.get_file(where, from_=True)) as message:
        from_line = message.readline().decode("ascii", "replace").split(None, 2)
    try:
        stamp = datetime.strptime(from_line[2].strip(), _FROM_LINE_DATE)
    except (IndexError, ValueError):
        return None
    return stamp.replace(tzinfo=UTC)
