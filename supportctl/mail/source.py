"""What sync needs from a mail source, whatever it is (IMAP, Maildir, mbox).

A source is read-only: sync never alters the server's or the file's messages. UIDs
follow RFC 3501 §2.3.1.1: strictly ascending within a folder while its UIDVALIDITY
stays the same; a local source assigns them itself, stably.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class FolderStatus:
    """RFC 3501 §6.3.10 STATUS (plus RFC 7162 HIGHESTMODSEQ where offered)."""

    uidvalidity: int
    uidnext: int
    messages: int
    highest_modseq: int | None = None


@dataclass(frozen=True)
class FetchedMessage:
    """One message as fetched: its header block and (the start of) its body."""

    uid: int
    header: bytes
    body: bytes | None
    internaldate: datetime | None  # aware UTC
    size: int | None
    flags: tuple[str, ...] = ()
    bodystructure: object | None = None


class MailSource(Protocol):
    """The read-only operations sync performs on one mailbox."""

    # True when UIDs only grow (IMAP), so "after UID n" finds new mail; a source whose
    # UIDs are hashes (local files) sets False and offers ``fetch_unknown`` instead.
    uids_ascending: bool

    def folder_status(self, folder: str) -> FolderStatus:
        """The folder's UIDVALIDITY, UIDNEXT, message count, HIGHESTMODSEQ — one round
        trip, without selecting, so an unchanged folder costs the same at any size."""
        ...

    def fetch_new(
        self, folder: str, after_uid: int, batch_size: int
    ) -> Iterator[list[FetchedMessage]]:
        """Messages with UID > ``after_uid``, ascending, in batches of ``batch_size``."""
        ...

    def uids(self, folder: str) -> set[int]:
        """Every UID in the folder now (to mark messages removed from the server)."""
        ...

    def flag_changes(self, folder: str, since_modseq: int) -> dict[int, tuple[str, ...]]:
        """UID → flags of messages whose flags changed after ``since_modseq``
        (RFC 7162 CHANGEDSINCE); empty where the source has no mod-sequences."""
        ...

    def folder_names(self) -> list[str]:
        """The names of the folders that can be opened (for "did you mean" hints)."""
        ...

    def close(self) -> None: ...
