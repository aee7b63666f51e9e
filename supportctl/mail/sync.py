"""``sync``: bring each mailbox's folders into the store, threaded into conversations.

Incremental by UID (RFC 3501 §2.3.1.1): per folder the store keeps UIDVALIDITY, the last
UID seen and HIGHESTMODSEQ (RFC 7162). A run asks STATUS first, so an unchanged folder
costs one round trip at any size. New messages come in batches; each batch's messages,
conversation changes and the folder's checkpoint commit in one transaction, so a run
killed at any instant resumes without loss or duplicates. A mailbox that fails is
reported and the others go on.

A batch is parsed first, then threaded against the part of the store it touches, read in
a few queries (``BatchView``) and written back in a few more: a handful of statements per
batch rather than several per message.

``since`` (a date in the config's time zone) limits a run to the messages received on or
after it (IMAP ``UID SEARCH UID n:* SINCE``, RFC 3501 §6.4.4, which compares dates). The
messages it leaves out are not fetched by any later run, with or without ``since``: an
IMAP folder's checkpoint moves past them (as with mbsync's MaxMessages or offlineimap's
maxage), and a local folder, whose UIDs have no order, keeps leaving out what is older
than the latest ``since`` it was given. That is what importing a mailbox with a long past
wants: the next cron run must not pull in the years the admin chose to leave behind.
They stay on the server, untouched, and count as neither stored nor removed. New mail
(an IMAP UID above the checkpoint) is fetched whatever its date.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from datetime import time as time_of_day
from typing import TYPE_CHECKING, Any

from supportctl.config.model import Config, Mailbox
from supportctl.errors import ExitStatus, LockedError, SupportctlError
from supportctl.mail.conversation import ConversationUpdate, message_effects
from supportctl.mail.source import FetchedMessage, FolderStatus, MailSource, NewMessages
from supportctl.mail.subject import normalize_subject, ticket_token
from supportctl.mail.threading import ThreadLookups, choose_conversation
from supportctl.store import mail as queries
from supportctl.store.database import Row, Store, Tx
from supportctl.store.triage import EventRow, add_events
from supportctl.triage.facts import COLUMN_HEADERS

if TYPE_CHECKING:
    from supportctl.mail.parse import ParsedMessage
    from supportctl.timekit.sla import SlaPolicies

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


@dataclass(frozen=True)
class FolderProgress:
    """How far the fetch of one folder has come: ``done`` of ``total`` new messages
    stored, ``seconds`` after its first batch was asked for."""

    mailbox: str
    folder: str
    done: int
    total: int
    seconds: float

    @property
    def rate(self) -> float:
        """Messages stored per second so far (0 before the first)."""
        return self.done / self.seconds if self.seconds > 0 else 0.0


SourceFactory = Callable[[Mailbox], MailSource]
Progress = Callable[[FolderProgress], None]


def sync(
    config: Config,
    store: Store,
    *,
    now: datetime,
    mailboxes: tuple[str, ...] = (),
    since: date | None = None,
    dry_run: bool = False,
    wait: float = 0.0,
    open_source: SourceFactory | None = None,
    progress: Progress | None = None,
) -> SyncReport:
    """Sync the named mailboxes (all when none named); one report per mailbox.

    ``since``: only messages received on or after that day (in ``config.timezone``);
    see the module's docstring for what later runs do about the ones left out.
    ``progress`` is called after every batch is committed.
    """
    from supportctl.mail.sources import open_source as default_open_source

    chosen = [config.mailbox(name) for name in mailboxes] if mailboxes else list(config.mailboxes)
    plan = _RunPlan(
        now=int(now.timestamp()),
        since=None if since is None else start_of_day(since, config.timezone),
        dry_run=dry_run,
        progress=progress or (lambda _progress: None),
        apply_rules=_conversation_rules(config, now),
    )
    report = SyncReport()
    for mailbox in chosen:
        started = time.monotonic()
        result = MailboxSyncReport(mailbox.name)
        try:
            with store.lock(f"mailbox:{mailbox.name}", wait=wait):
                source = (open_source or default_open_source)(mailbox)
                _sync_mailbox(config, store, mailbox, source, result, plan)
        except LockedError as exc:
            result.status, result.error = "locked", _naming(mailbox.name, exc)
        except SupportctlError as exc:
            result.status, result.error = "failed", _naming(mailbox.name, exc)
        result.seconds = round(time.monotonic() - started, 3)
        report.mailboxes.append(result)
    return report


def _naming(mailbox: str, error: SupportctlError) -> str:
    """The error's line, starting with the mailbox it concerns (once)."""
    text = str(error)
    prefix = f"mailbox {mailbox}:"
    return text if text.startswith(prefix) else f"{prefix} {text}"


def start_of_day(day: date, timezone: str) -> datetime:
    """The first instant of ``day`` in ``timezone``, as aware UTC."""
    import pytz

    zone = pytz.timezone(timezone)
    local = zone.normalize(zone.localize(datetime.combine(day, time_of_day())))
    return local.astimezone(UTC)


ConversationRules = Callable[[Tx, Collection[int]], None]


@dataclass(frozen=True)
class _RunPlan:
    """What every folder of one run shares."""

    now: int  # epoch seconds
    since: datetime | None
    dry_run: bool
    progress: Progress
    apply_rules: ConversationRules


def _conversation_rules(config: Config, now: datetime) -> ConversationRules:
    """What a batch's conversations go through before it commits: the tag rules, then
    their SLA policy and due times (policies match on tags). The SLA calendars are
    built once per run, when the first batch needs them: a run with nothing new
    builds none."""
    from functools import cache

    @cache
    def policies() -> SlaPolicies:
        from supportctl.timekit.sla import SlaPolicies

        return SlaPolicies.from_config(config)

    def apply(tx: Tx, conversation_ids: Collection[int]) -> None:
        if config.rules.tags:
            from supportctl.triage.auto import apply_tag_rules

            apply_tag_rules(tx, config, conversation_ids, now)
        if config.sla:
            from supportctl.store.sla import refresh_conversations

            refresh_conversations(tx, policies(), conversation_ids, now)

    return apply


def _sync_mailbox(
    config: Config,
    store: Store,
    mailbox: Mailbox,
    source: MailSource,
    result: MailboxSyncReport,
    plan: _RunPlan,
) -> None:
    ours = set(mailbox.addresses) | {agent.email for agent in config.team if agent.email}
    folders = [(folder, False) for folder in mailbox.folders]
    if mailbox.sent_folder:
        folders.append((mailbox.sent_folder, True))
    try:
        for folder, outbound in folders:
            FolderSync(store, mailbox, source, folder, outbound, ours, result, plan).run()
    finally:
        source.close()


@dataclass(frozen=True)
class _Incoming:
    """A fetched message, parsed, with what threading it needs."""

    fetched: FetchedMessage
    parsed: ParsedMessage
    direction: str
    customer: str | None
    subject_key: str
    ticket: int | None
    at: int  # the message's time for its conversation: sent, else received
    received_at: int

    @property
    def linked(self) -> list[str]:
        """The Message-IDs it answers or refers to."""
        first = [self.parsed.in_reply_to] if self.parsed.in_reply_to else []
        return first + list(self.parsed.references)


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
        result: MailboxSyncReport,
        plan: _RunPlan,
    ):
        self.store, self.mailbox, self.source, self.folder = store, mailbox, source, folder
        self.outbound, self.ours, self.result, self.plan = outbound, ours, result, plan
        self.now = plan.now

    def run(self) -> None:
        status = self.source.folder_status(self.folder)
        with self.store.transaction(readonly=True) as tx:
            saved = queries.folder_checkpoint(tx, self.mailbox.name, self.folder)
        if saved is not None and saved.uidvalidity == status.uidvalidity:
            if not self._changed(status, saved):
                return
            self._catch_up(status, saved, rescan=False)
        else:
            fresh = queries.FolderCheckpoint(status.uidvalidity, 0, None)
            self._catch_up(status, fresh, rescan=saved is not None)

    def _changed(self, status: FolderStatus, checkpoint: queries.FolderCheckpoint) -> bool:
        """False when STATUS shows nothing new since the last complete run: no new UID,
        the same count, the same HIGHESTMODSEQ. A local folder always counts as changed
        (its UIDs have no order, and reading it costs no round trips)."""
        return not (
            self.source.uids_ascending
            and status.uidnext <= checkpoint.last_uid + 1
            and status.messages == checkpoint.messages
            and status.highest_modseq in (None, checkpoint.highest_modseq)
        )

    def _catch_up(
        self, status: FolderStatus, checkpoint: queries.FolderCheckpoint, rescan: bool
    ) -> None:
        """Fetch what is new, apply flag changes, mark removals, save the checkpoint."""
        ascending = self.source.uids_ascending
        since = self._since(checkpoint, ascending)
        new = self._new_messages(checkpoint, ascending, since)
        if self.plan.dry_run:
            self.result.new_messages += new.count
            return
        last_uid = self._fetch(new, checkpoint, ascending, rescan)
        if ascending:
            # Every UID below UIDNEXT was fetched or left out on purpose.
            last_uid = max(last_uid, status.uidnext - 1)
        modseq = checkpoint.highest_modseq
        if modseq is not None and status.highest_modseq and status.highest_modseq != modseq:
            self._apply_flag_changes(status.uidvalidity, modseq)
        skipped = new.skipped + (checkpoint.skipped if ascending else 0)
        with self.store.transaction(readonly=True) as tx:
            stored = queries.present_message_count(
                tx, self.mailbox.name, self.folder, status.uidvalidity
            )
        if stored + skipped > status.messages:
            skipped = self._mark_gone(status.uidvalidity, skipped, last_uid if ascending else None)
        done = queries.FolderCheckpoint(
            uidvalidity=status.uidvalidity,
            last_uid=last_uid,
            highest_modseq=status.highest_modseq,
            messages=status.messages,
            skipped=skipped,
            skip_before=checkpoint.skip_before if since is None else int(since.timestamp()),
        )
        self._save_checkpoint(done)

    def _since(self, checkpoint: queries.FolderCheckpoint, ascending: bool) -> datetime | None:
        """This run's ``since``; for a local folder, whose UIDs have no order to move past,
        the latest of it and the ``since`` of earlier runs."""
        earlier = None if ascending or checkpoint.skip_before is None else checkpoint.skip_before
        candidates = [
            self.plan.since,
            None if earlier is None else datetime.fromtimestamp(earlier, UTC),
        ]
        return max((since for since in candidates if since is not None), default=None)

    def _new_messages(
        self, checkpoint: queries.FolderCheckpoint, ascending: bool, since: datetime | None
    ) -> NewMessages:
        batch_size = self.mailbox.batch_size
        if ascending:
            return self.source.fetch_new(self.folder, checkpoint.last_uid, batch_size, since=since)
        with self.store.transaction(readonly=True) as tx:
            known = queries.known_uids(tx, self.mailbox.name, self.folder, checkpoint.uidvalidity)
        return self.source.fetch_unknown(self.folder, known, batch_size, since=since)  # type: ignore[attr-defined]

    def _fetch(
        self,
        new: NewMessages,
        checkpoint: queries.FolderCheckpoint,
        ascending: bool,
        rescan: bool,
    ) -> int:
        """Store every batch of ``new``; return the last UID stored (ascending sources)."""
        last_uid = checkpoint.last_uid
        done, started = 0, time.monotonic()
        for batch_number, batch in enumerate(new):
            incoming = [self._incoming(fetched) for fetched in batch]
            if ascending:
                last_uid = max(last_uid, *(fetched.uid for fetched in batch))
            # The checkpoint keeps the rest as it was until every batch is in, so flag
            # changes of a run cut short are fetched again next time.
            progress = replace(checkpoint, last_uid=last_uid)
            with self.store.transaction() as tx:
                self._store_batch(tx, checkpoint.uidvalidity, incoming, rescan)
                queries.save_folder_checkpoint(
                    tx, self.mailbox.name, self.folder, progress, self.now
                )
            if batch_number == 0:
                self._gather_statistics()
            done += len(batch)
            self._report(done, new.count, started)
        return last_uid

    def _gather_statistics(self) -> None:
        """After the first batch, let a new PostgreSQL store plan the others' lookups
        (see gather_missing_statistics)."""
        with self.store.transaction() as tx:
            queries.gather_missing_statistics(tx)

    def _report(self, done: int, total: int, started: float) -> None:
        seconds = time.monotonic() - started
        self.plan.progress(FolderProgress(self.mailbox.name, self.folder, done, total, seconds))

    def _incoming(self, fetched: FetchedMessage) -> _Incoming:
        # Imported here: a run with nothing new (the usual cron run) never parses.
        from supportctl.mail.parse import parse_message

        parsed = parse_message(
            fetched.header,
            fetched.body,
            internaldate=fetched.internaldate,
            size=fetched.size,
            keep_body=self.mailbox.fetch == "full",
        )
        direction = "outbound" if self.outbound or parsed.from_address in self.ours else "inbound"
        received_at = _received_at(fetched, parsed, self.now)
        return _Incoming(
            fetched=fetched,
            parsed=parsed,
            direction=direction,
            customer=_customer(parsed, direction, self.ours),
            subject_key=normalize_subject(parsed.subject),
            ticket=ticket_token(parsed.subject),
            at=int(parsed.sent_at.timestamp()) if parsed.sent_at else received_at,
            received_at=received_at,
        )

    def _store_batch(
        self, tx: Tx, uidvalidity: int, incoming: Sequence[_Incoming], rescan: bool
    ) -> None:
        name = self.mailbox.name
        stored = queries.stored_uids(
            tx, name, self.folder, uidvalidity, [m.fetched.uid for m in incoming]
        )
        # An earlier run that was cut short may have stored some of them already.
        fresh = [m for m in incoming if m.fetched.uid not in stored]
        if rescan:
            fresh = [m for m in fresh if not self._relocated(tx, uidvalidity, m)]
        view = BatchView.read(tx, name, fresh)
        for message in fresh:
            self._thread(view, uidvalidity, message)
        self.plan.apply_rules(tx, view.write(tx))

    def _relocated(self, tx: Tx, uidvalidity: int, message: _Incoming) -> bool:
        parsed = message.parsed
        return queries.relocate_message(
            tx,
            self.mailbox.name,
            self.folder,
            parsed.message_id,
            parsed.from_address,
            uidvalidity,
            message.fetched.uid,
        )

    def _thread(self, view: BatchView, uidvalidity: int, message: _Incoming) -> None:
        parsed = message.parsed
        copy_of = view.copy_of(parsed.message_id, parsed.from_address)
        if copy_of is not None:
            # Another copy of a message we hold counts once in its conversation.
            self._add_message(view, uidvalidity, message, copy_of)
            return
        window_start = message.at - self.mailbox.thread_window.total_seconds
        decision = choose_conversation(
            in_reply_to=parsed.in_reply_to,
            references=parsed.references,
            ticket_number=message.ticket,
            customer=message.customer,
            subject_key=message.subject_key,
            outbound=message.direction == "outbound",
            lookups=view.lookups(window_start),
        )
        conversation_id = decision.conversation_id
        conversation = view.conversation(conversation_id) if conversation_id else None
        update = message_effects(
            conversation,
            direction=message.direction,
            at=message.at,
            auto_submitted=parsed.auto_submitted,
            after_reply=self.mailbox.after_reply,
        )
        if conversation_id is None:
            conversation_id = view.start_conversation(
                _new_conversation(self.mailbox, message, update)
            )
            self.result.conversations_opened += 1
        elif conversation is not None:
            view.update(conversation_id, update, message.at)
            self.result.conversations_reopened += update.reopened
        self._add_message(view, uidvalidity, message, conversation_id)

    def _add_message(
        self, view: BatchView, uidvalidity: int, message: _Incoming, conversation_id: int
    ) -> None:
        view.add_message(
            _message_row(self.mailbox, self.folder, uidvalidity, message, conversation_id)
        )
        self.result.new_messages += 1
        self.result.parse_problems += bool(message.parsed.problems)

    def _apply_flag_changes(self, uidvalidity: int, modseq: int) -> None:
        changes = self.source.flag_changes(self.folder, modseq)
        with self.store.transaction() as tx:
            self.result.flags_changed += queries.update_flags(
                tx, self.mailbox.name, self.folder, uidvalidity, changes
            )

    def _mark_gone(self, uidvalidity: int, skipped: int, last_uid: int | None) -> int:
        """Mark the stored messages the server no longer has; return how many of the
        skipped ones are still there (unchanged for a local folder, which counts them
        afresh every run)."""
        present = self.source.uids(self.folder)
        with self.store.transaction() as tx:
            known = queries.known_uids(tx, self.mailbox.name, self.folder, uidvalidity)
            self.result.gone += queries.mark_gone(
                tx, self.mailbox.name, self.folder, uidvalidity, known - present, self.now
            )
        if last_uid is None:
            return skipped
        return sum(1 for uid in present - known if uid <= last_uid)

    def _save_checkpoint(self, checkpoint: queries.FolderCheckpoint) -> None:
        with self.store.transaction() as tx:
            queries.save_folder_checkpoint(tx, self.mailbox.name, self.folder, checkpoint, self.now)


# The columns of a conversation row its first message does not set, as the schema's
# defaults have them (threading reads them before the row is written).
_UNSET_CONVERSATION_COLUMNS: dict[str, Any] = {
    "last_inbound_at": None,
    "last_outbound_at": None,
    "first_response_at": None,
    "resolved_at": None,
    "reopened_count": 0,
}


class BatchView:
    """The part of the store one batch threads against: read in a few queries before it,
    kept current in memory as the batch adds messages and conversations (messages of a
    batch answer each other), written back in a few statements after it.

    A conversation the batch starts gets its number at once; ``write`` reserves the
    batch's numbers in one statement (see ConversationNumbers). Its row, message rows,
    conversation changes and events wait for ``write``, in the same transaction.
    """

    def __init__(self, mailbox: str, numbers: queries.ConversationNumbers):
        self.mailbox = mailbox
        self._numbers = numbers
        self._links: dict[str, list[Row]] = {}  # Message-ID → its messages, newest first
        self._conversations: dict[int, Row] = {}
        self._newest: dict[tuple[str, str], Row] = {}  # (customer, subject_key) → row
        self._changes: dict[int, dict[str, Any]] = {}  # of conversations stored before
        self._started: list[int] = []
        self._messages: list[dict[str, Any]] = []
        self._events: list[EventRow] = []

    @classmethod
    def read(cls, tx: Tx, mailbox: str, incoming: Iterable[_Incoming]) -> BatchView:
        """Everything ``incoming`` may ask: the messages under its Message-IDs and the
        ones it links to, the conversations those and its ticket tokens name, and the
        conversations of its customers under its subjects."""
        incoming = list(incoming)
        message_ids = {m.parsed.message_id for m in incoming}
        message_ids.update(linked for m in incoming for linked in m.linked)
        links = queries.messages_by_message_id(tx, mailbox, message_ids)
        pairs = [(m.customer, m.subject_key) for m in incoming if m.customer and m.subject_key]
        conversations = queries.conversations_by_subject(tx, mailbox, pairs)
        wanted = {row["conversation_id"] for row in links}
        wanted.update(m.ticket for m in incoming if m.ticket is not None)
        conversations += queries.conversations_by_id(
            tx, wanted - {row["id"] for row in conversations}
        )
        highest = max((row["id"] for row in conversations), default=0)
        view = cls(mailbox, queries.ConversationNumbers.guess(tx, above=highest))
        for row in links:
            view._links.setdefault(row["message_id"], []).append(row)
        for row in conversations:
            view._remember(row)
        return view

    def lookups(self, window_start: int) -> ThreadLookups:
        return ThreadLookups(
            by_message_ids=lambda ids: [row for i in ids for row in self._links.get(i, ())],
            customer_of=lambda number: _customer_in_mailbox(
                self._conversations.get(number), self.mailbox
            ),
            by_subject=lambda customer, key: self._active(customer, key, window_start),
        )

    def copy_of(self, message_id: str, from_address: str | None) -> int | None:
        """The conversation of a message we hold under this Message-ID from this sender
        (the copy of a reply Cc'd to the shared inbox, a message filed in two folders)."""
        for row in self._links.get(message_id, ()):
            if (row["from_address"] or "") == (from_address or ""):
                return row["conversation_id"]
        return None

    def conversation(self, conversation_id: int) -> Row | None:
        return self._conversations.get(conversation_id)

    def start_conversation(self, values: dict[str, Any]) -> int:
        """A new conversation; its number."""
        number = self._numbers.next()
        self._started.append(number)
        self._remember({**_UNSET_CONVERSATION_COLUMNS, **values, "id": number})
        return number

    def update(self, conversation_id: int, update: ConversationUpdate, at: int) -> None:
        row = self._conversations[conversation_id]
        row.update(update.changes)
        if conversation_id not in self._started:  # those are written whole
            self._changes.setdefault(conversation_id, {}).update(update.changes)
        self._remember(row)
        self._events += [
            (conversation_id, at, ACTOR, kind, old, new, reason)
            for kind, old, new, reason in update.events
        ]

    def add_message(self, row: dict[str, Any]) -> None:
        self._messages.append(row)
        conversation = self._conversations.get(row["conversation_id"])
        link = {
            "conversation_id": row["conversation_id"],
            "message_id": row["message_id"],
            "from_address": row["from_address"],
            "customer": conversation["customer"] if conversation else None,
        }
        self._links.setdefault(row["message_id"], []).insert(0, link)

    def write(self, tx: Tx) -> set[int]:
        """Store the batch: new conversations under the numbers reserved for them now,
        changes, messages, events. Return the numbers of the conversations the batch
        started or added a message to."""
        numbers = self._numbers.take(tx)

        def real(number: int) -> int:
            return numbers.get(number, number)

        started = [{**self._conversations[n], "id": numbers[n]} for n in self._started]
        messages = [
            {**row, "conversation_id": real(row["conversation_id"])} for row in self._messages
        ]
        events: list[EventRow] = [
            (real(number), at, actor, kind, old, new, reason)
            for number, at, actor, kind, old, new, reason in self._events
        ]
        queries.insert_conversations(tx, started)
        queries.update_conversations(tx, self._changes)
        queries.insert_messages(tx, messages)
        add_events(tx, events)
        return {row["conversation_id"] for row in messages}

    def _remember(self, row: Row) -> None:
        self._conversations[row["id"]] = row
        key = (row["customer"], row["subject_key"])
        if row["mailbox"] != self.mailbox or not all(key):
            return
        newest = self._newest.get(key)
        if newest is None or newest["updated_at"] <= row["updated_at"]:
            self._newest[key] = row

    def _active(self, customer: str, subject_key: str, window_start: int) -> int | None:
        """The customer's conversation under this subject active since ``window_start``."""
        newest = self._newest.get((customer, subject_key))
        if newest is None or newest["updated_at"] < window_start:
            return None
        return newest["id"]


def _received_at(fetched: FetchedMessage, parsed: ParsedMessage, now: int) -> int:
    instant = fetched.internaldate or parsed.sent_at
    return int(instant.timestamp()) if instant else now


def _customer_in_mailbox(row: Row | None, mailbox: str) -> str | None:
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
    mailbox: Mailbox, message: _Incoming, update: ConversationUpdate
) -> dict[str, Any]:
    parsed, customer = message.parsed, message.customer
    return {
        "mailbox": mailbox.name,
        "channel": mailbox.channel,
        "customer": customer,
        "customer_name": parsed.from_name if customer == parsed.from_address else None,
        "subject": parsed.subject,
        "subject_key": message.subject_key,
        "created_at": message.at,
        "language": parsed.language,
        **update.changes,
    }


def _message_row(
    mailbox: Mailbox, folder: str, uidvalidity: int, message: _Incoming, conversation_id: int
) -> dict[str, Any]:
    fetched, parsed = message.fetched, message.parsed
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
        "received_at": message.received_at,
        "direction": message.direction,
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
        "header_fields": _header_fields(parsed),
    }


def _header_fields(parsed: ParsedMessage) -> dict[str, str] | None:
    """The fields rules may ask about that have no column of their own; None if none."""
    kept = {
        name: value for name, value in parsed.rule_headers.items() if name not in COLUMN_HEADERS
    }
    return kept or None
