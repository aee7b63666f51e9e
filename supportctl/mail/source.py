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


@dataclass(frozen=True)
class NewMessages:
    """What a fetch will bring, known before its first batch: ``count`` messages in the
    lists ``batches`` yields; ``skipped`` more were left on the server by ``since``.

    Iterating it iterates ``batches`` (once: the batches are read as they are asked for).
    """

    count: int
    batches: Iterator[list[FetchedMessage]]
    skipped: int = 0

    def __iter__(self) -> Iterator[list[FetchedMessage]]:
        return self.batches

    def __next__(self) -> list[FetchedMessage]:
        return next(self.batches)


class MailSource(Protocol):
    """The read-only operations sync performs on one mailbox.

    ``since`` (an aware instant, the start of a day in the config's zone) leaves out the
    messages received before it: INTERNALDATE for IMAP, the file's time for a Maildir,
    the ``From`` line's date for an mbox. A message whose date cannot be read is kept.
    """

    # True when UIDs only grow (IMAP), so "after UID n" finds new mail; a source whose
    # UIDs are hashes (local files) sets False and offers ``fetch_unknown`` instead.
    uids_ascending: bool

    def folder_status(self, folder: str) -> FolderStatus:
        """The folder's UIDVALIDITY, UIDNEXT, message count, HIGHESTMODSEQ — one round
        trip, without selecting, so an unchanged folder costs the same at any size."""
        ...

    def fetch_new(
        self, folder: str, after_uid: int, batch_size: int, *, since: datetime | None = None
    ) -> NewMessages:
        """Messages with UID > ``after_uid``, ascending, in batches of ``batch_size``."""
        ...

    def uids(self, folder: str) -> set[int]:
        """Every UID in the folder now (to mark messages removed from the server)."""
        ...

    def flag_changes(self, folder: str, since_modseq: int) -> dict[int, tuple[str, ...]]:
        """UID → flags of messages whose flags changed after ``since_modseq``
        (RFC 7162 CHANGEDSINCE); empty where the source has no mod-sequences."""
        ...

    def close(self) -> None: ...
