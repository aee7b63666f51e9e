"""``sync``: bring each mailbox's folders into the store, threaded into conversations.

Incremental by UID (RFC 3501 §2.3.1.1): per folder the store keeps UIDVALIDITY, the last
UID seen and HIGHESTMODSEQ (RFC 7162). A run asks STATUS first, so an unchanged folder
costs one round trip at any size. New messages come in batches; each batch's messages,
conversation changes and the folder's checkpoint commit in one transaction, so a run
killed at any instant resumes without loss or duplicates. A mailbox that fails is
reported and the others go on.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from supportctl.config.model import Config, Mailbox
from supportctl.errors import ExitStatus, LockedError, SupportctlError
from supportctl.mail.conversation import ConversationUpdate, message_effects
from supportctl.mail.parse import ParsedMessage, parse_message
from supportctl.mail.source import FetchedMessage, MailSource
from supportctl.mail.subject import normalize_subject, ticket_token
from supportctl.mail.threading import ThreadLookups, choose_conversation
from supportctl.store import mail as queries
from supportctl.store.database import Store, Tx

ACTOR = "sync"
SUMMARY_COLUMNS = (
    "mailbox",
    "status",
    "new_messages",
    "conversations_opened",
    "conversations_reopened",
    "flags_changed",
    "gone",
    "parse_problems",
    "seconds",
    "error",
)


@dataclass
class MailboxSyncReport:
    """What one mailbox's sync did (also what ``--dry-run`` would do)."""

    mailbox: str
    status: str = "ok"  # ok | failed | locked
    new_messages: int = 0
    conversations_opened: int = 0
    conversations_reopened: int = 0
    flags_changed: int = 0
    gone: int = 0
    parse_problems: int = 0
    seconds: float = 0.0
    error: str | None = None


@dataclass
class SyncReport:
    mailboxes: list[MailboxSyncReport] = field(default_factory=list)

    @property
    def exit_status(self) -> ExitStatus:
        failed = [r for r in self.mailboxes if r.status != "ok"]
        if not failed:
            return ExitStatus.OK
        if len(failed) < len(self.mailboxes):
            return ExitStatus.PARTIAL
        if all(r.status == "locked" for r in failed):
            return ExitStatus.LOCKED
        return ExitStatus.FAILED


SourceFactory = Callable[[Mailbox], MailSource]
Progress = Callable[[str], None]


def sync(
    config: Config,
    store: Store,
    *,
    now: datetime,
    mailboxes: tuple[str, ...] = (),
    dry_run: bool = False,
    wait: float = 0.0,
    open_source: SourceFactory | None = None,
    progress: Progress | None = None,
) -> SyncReport:
    """Sync the named mailboxes (all when none named); one report per mailbox."""
    from supportctl.mail.sources import open_source as default_open_source

    chosen = [config.mailbox(name) for name in mailboxes] if mailboxes else list(config.mailboxes)
    report = SyncReport()
    for mailbox in chosen:
        started = time.monotonic()
        result = MailboxSyncReport(mailbox.name)
        try:
            with store.lock(f"mailbox:{mailbox.name}", wait=wait):
                _sync_mailbox(
                    config,
                    store,
                    mailbox,
                    (open_source or default_open_source)(mailbox),
                    result,
                    now,
                    dry_run,
                    progress or (lambda _line: None),
                )
        except LockedError as exc:
            result.status, result.error = "locked", str(exc)
        except SupportctlError as exc:
            result.status, result.error = "failed", str(exc)
        result.seconds = round(time.monotonic() - started, 3)
        report.mailboxes.append(result)
    return report


def _sync_mailbox(
    config: Config,
    store: Store,
    mailbox: Mailbox,
    source: MailSource,
    result: MailboxSyncReport,
    now: datetime,
    dry_run: bool,
    progress: Progress,
) -> None:
    ours = set(mailbox.addresses) | {agent.email for agent in config.team if agent.email}
    folders = [(folder, False) for folder in mailbox.folders]
    if mailbox.sent_folder:
        folders.append((mailbox.sent_folder, True))
    try:
        for folder, outbound in folders:
            FolderSync(store, mailbox, source, folder, outbound, ours, now, result, progress).run(
                dry_run
            )
    finally:
        source.close()


class FolderSync:
    """One folder of one mailbox: status check, new messages, flags, removals."""

    def __init__(
        self,
        store: Store,
        mailbox: Mailbox,
        source: MailSource,
        folder: str,
        outbound: bool,
        ours: set[str],
        now: datetime,
        result: MailboxSyncReport,
        progress: Progress,
    ):
        self.store, self.mailbox, self.source, self.folder = store, mailbox, source, folder
        self.outbound, self.ours, self.result, self.progress = outbound, ours, result, progress
        self.now = int(now.timestamp())

    def run(self, dry_run: bool) -> None:
        status = self.source.folder_status(self.folder)
        with self.store.transaction(readonly=True) as tx:
            checkpoint = queries.folder_checkpoint(tx, self.mailbox.name, self.folder)
            stored = queries.present_message_count(
                tx, self.mailbox.name, self.folder, status.uidvalidity
            )
        rescan = checkpoint is not None and checkpoint.uidvalidity != status.uidvalidity
        last_uid = checkpoint.last_uid if checkpoint and not rescan else 0
        modseq = checkpoint.highest_modseq if checkpoint and not rescan else None
        ascending = self.source.uids_ascending
        unchanged = (
            checkpoint is not None
            and not rescan
            and ascending
            and status.uidnext <= last_uid + 1
            and status.messages == stored
            and (status.highest_modseq is None or status.highest_modseq == modseq)
        )
        if unchanged:
            return
        if dry_run:
            self.result.new_messages += len(self._new_uids(status.uidvalidity, last_uid, ascending))
            return
        self._fetch(status.uidvalidity, last_uid, modseq, ascending, rescan, status.highest_modseq)
        if modseq is not None and status.highest_modseq and status.highest_modseq != modseq:
            self._apply_flag_changes(status.uidvalidity, modseq)
        with self.store.transaction(readonly=True) as tx:
            stored = queries.present_message_count(
                tx, self.mailbox.name, self.folder, status.uidvalidity
            )
        if stored > status.messages:
            self._mark_gone(status.uidvalidity)
        self._save_checkpoint(status.uidvalidity, status.highest_modseq)

    def _new_uids(self, uidvalidity: int, last_uid: int, ascending: bool) -> set[int]:
        with self.store.transaction(readonly=True) as tx:
            known = queries.known_uids(tx, self.mailbox.name, self.folder, uidvalidity)
        return {
            uid
            for uid in self.source.uids(self.folder)
            if uid not in known and (not ascending or uid > last_uid)
        }

    def _batches(
        self, uidvalidity: int, last_uid: int, ascending: bool
    ) -> Iterator[list[FetchedMessage]]:
        if ascending:
            return self.source.fetch_new(self.folder, last_uid, self.mailbox.batch_size)
        with self.store.transaction(readonly=True) as tx:
            known = queries.known_uids(tx, self.mailbox.name, self.folder, uidvalidity)
        return self.source.fetch_unknown(self.folder, known, self.mailbox.batch_size)  # type: ignore[attr-defined]

    def _fetch(
        self,
        uidvalidity: int,
        last_uid: int,
        modseq: int | None,
        ascending: bool,
        rescan: bool,
        highest_modseq: int | None,
    ) -> None:
        for batch in self._batches(uidvalidity, last_uid, ascending):
            with self.store.transaction() as tx:
                for fetched in batch:
                    self._store_message(tx, uidvalidity, fetched, rescan)
                if ascending and batch:
                    last_uid = max(last_uid, *(m.uid for m in batch))
                # The checkpoint keeps the old modseq until every batch is in, so flag
                # changes of a run cut short are fetched again next time.
                checkpoint = queries.FolderCheckpoint(uidvalidity, last_uid, modseq)
                queries.save_folder_checkpoint(
                    tx, self.mailbox.name, self.folder, checkpoint, self.now
                )
            self.progress(f"{self.mailbox.name}/{self.folder}: {self.result.new_messages} new")

    def _store_message(
        self, tx: Tx, uidvalidity: int, fetched: FetchedMessage, rescan: bool
    ) -> None:
        parsed = parse_message(
            fetched.header,
            fetched.body,
            internaldate=fetched.internaldate,
            size=fetched.size,
            keep_body=self.mailbox.fetch == "full",
        )
        name = self.mailbox.name
        if rescan and queries.relocate_message(
            tx, name, self.folder, parsed.message_id, parsed.from_address, uidvalidity, fetched.uid
        ):
            return
        direction = "outbound" if self.outbound or parsed.from_address in self.ours else "inbound"
        copy_of = queries.conversation_of_copy(tx, name, parsed.message_id, parsed.from_address)
        if copy_of is not None:
            # Another copy of a message we hold counts once in its conversation.
            self._insert(tx, uidvalidity, fetched, parsed, direction, copy_of)
            return
        customer = _customer(parsed, direction, self.ours)
        at = (
            int(parsed.sent_at.timestamp())
            if parsed.sent_at
            else _received_at(fetched, parsed, self.now)
        )
        subject_key = normalize_subject(parsed.subject)
        decision = choose_conversation(
            in_reply_to=parsed.in_reply_to,
            references=parsed.references,
            ticket_number=ticket_token(parsed.subject),
            customer=customer,
            subject_key=subject_key,
            outbound=direction == "outbound",
            lookups=self._lookups(tx, at),
        )
        conversation = (
            queries.conversation_row(tx, decision.conversation_id)
            if decision.conversation_id
            else None
        )
        update = message_effects(
            conversation,
            direction=direction,
            at=at,
            auto_submitted=parsed.auto_submitted,
            after_reply=self.mailbox.after_reply,
        )
        conversation_id = decision.conversation_id
        if conversation_id is None:
            conversation_id = queries.insert_conversation(
                tx, _new_conversation(self.mailbox, parsed, customer, subject_key, at, update)
            )
            self.result.conversations_opened += 1
        if not self._insert(tx, uidvalidity, fetched, parsed, direction, conversation_id):
            return
        if conversation is not None:
            self._apply_update(tx, conversation_id, update, at)

    def _insert(
        self,
        tx: Tx,
        uidvalidity: int,
        fetched: FetchedMessage,
        parsed: ParsedMessage,
        direction: str,
        conversation_id: int,
    ) -> bool:
        """Store the message row; False when an earlier, interrupted run stored it."""
        received_at = _received_at(fetched, parsed, self.now)
        row = _message_row(
            self.mailbox,
            self.folder,
            uidvalidity,
            fetched,
            parsed,
            direction,
            received_at,
            conversation_id,
        )
        if queries.insert_message(tx, row) is None:
            return False
        self.result.new_messages += 1
        self.result.parse_problems += bool(parsed.problems)
        return True

    def _apply_update(
        self, tx: Tx, conversation_id: int, update: ConversationUpdate, at: int
    ) -> None:
        queries.update_conversation(tx, conversation_id, update.changes)
        for kind, old, new, reason in update.events:
            queries.add_event(tx, conversation_id, at, ACTOR, kind, old, new, reason)
        self.result.conversations_reopened += update.reopened

    def _lookups(self, tx: Tx, at: int) -> ThreadLookups:
        name = self.mailbox.name
        window_start = at - self.mailbox.thread_window.total_seconds
        return ThreadLookups(
            by_message_ids=lambda ids: queries.conversations_of_message_ids(tx, name, ids),
            customer_of=lambda number: _customer_in_mailbox(
                queries.conversation_row(tx, number), name
            ),
            by_subject=lambda customer, key: queries.conversation_by_subject(
                tx, name, customer, key, window_start
            ),
        )

    def _apply_flag_changes(self, uidvalidity: int, modseq: int) -> None:
        changes = self.source.flag_changes(self.folder, modseq)
        with self.store.transaction() as tx:
            self.result.flags_changed += queries.update_flags(
                tx, self.mailbox.name, self.folder, uidvalidity, changes
            )

    def _mark_gone(self, uidvalidity: int) -> None:
        present = self.source.uids(self.folder)
        with self.store.transaction() as tx:
            known = queries.known_uids(tx, self.mailbox.name, self.folder, uidvalidity)
            self.result.gone += queries.mark_gone(
                tx, self.mailbox.name, self.folder, uidvalidity, known - present, self.now
            )

    def _save_checkpoint(self, uidvalidity: int, highest_modseq: int | None) -> None:
        with self.store.transaction() as tx:
            current = queries.folder_checkpoint(tx, self.mailbox.name, self.folder)
            last_uid = current.last_uid if current and current.uidvalidity == uidvalidity else 0
            checkpoint = queries.FolderCheckpoint(uidvalidity, last_uid, highest_modseq)
            queries.save_folder_checkpoint(tx, self.mailbox.name, self.folder, checkpoint, self.now)


def _received_at(fetched: FetchedMessage, parsed: ParsedMessage, now: int) -> int:
    instant = fetched.internaldate or parsed.sent_at
    return int(instant.timestamp()) if instant else now


def _customer_in_mailbox(row: dict[str, Any] | None, mailbox: str) -> str | None:
    """The conversation's customer, "" when there is no such conversation in ``mailbox``."""
    if row is None or row["mailbox"] != mailbox:
        return ""
    return row["customer"]


def _customer(parsed: ParsedMessage, direction: str, ours: set[str]) -> str | None:
    if direction == "inbound":
        return parsed.from_address
    for address in (*parsed.to_addresses, *parsed.cc_addresses):
        if address not in ours:
            return address
    return None


def _new_conversation(
    mailbox: Mailbox,
    parsed: ParsedMessage,
    customer: str | None,
    subject_key: str,
    at: int,
    update: ConversationUpdate,
) -> dict[str, Any]:
    return {
        "mailbox": mailbox.name,
        "channel": mailbox.channel,
        "customer": customer,
        "customer_name": parsed.from_name if customer == parsed.from_address else None,
        "subject": parsed.subject,
        "subject_key": subject_key,
        "created_at": at,
        "language": parsed.language,
        **update.changes,
    }


def _message_row(
    mailbox: Mailbox,
    folder: str,
    uidvalidity: int,
    fetched: FetchedMessage,
    parsed: ParsedMessage,
    direction: str,
    received_at: int,
    conversation_id: int,
) -> dict[str, Any]:
    return {
        "mailbox": mailbox.name,
        "folder": folder,
        "uidvalidity": uidvalidity,
        "uid": fetched.uid,
        "message_id": parsed.message_id,
        "in_reply_to": parsed.in_reply_to,
        "references": " ".join(parsed.references),
        "from_address": parsed.from_address,
        "from_name": parsed.from_name,
        "to_addresses": ",".join(parsed.to_addresses),
        "cc_addresses": ",".join(parsed.cc_addresses),
        "subject": parsed.subject,
        "sent_at": int(parsed.sent_at.timestamp()) if parsed.sent_at else None,
        "received_at": received_at,
        "direction": direction,
        "size": fetched.size,
        "snippet": parsed.snippet,
        "attachments": [
            {"name": a.name, "size": a.size, "content_type": a.content_type}
            for a in parsed.attachments
        ],
        "flags": " ".join(fetched.flags),
        "language": parsed.language,
        "parse_problem": "; ".join(parsed.problems) or None,
        "conversation_id": conversation_id,
        "body": parsed.body,
    }
