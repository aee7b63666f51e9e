"""Queries of triage: listing and showing conversations, changing who owns them, their
tags, status and priority, the events that record it, and what rules need to read.

Every function takes an open ``Tx``; instants are epoch seconds (UTC). Changes are
conditional (``... WHERE assignee IS NOT DISTINCT FROM <what we read>``): a change
that someone else made between our read and our write is detected, never overwritten.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from operator import itemgetter
from typing import Any, NamedTuple, TypeVar

from supportctl.errors import StoreError
from supportctl.store.database import Params, Row, Tx
from supportctl.store.mail import decode_header_fields
from supportctl.triage.facts import MessageFacts

T = TypeVar("T")

# SQLSTATEs of a transaction PostgreSQL aborted so that another could go on (a deadlock
# between two writers locking rows in different orders, a serialization failure).
_CONFLICT_STATES = frozenset({"40P01", "40001"})
CONFLICT_ATTEMPTS = 3
# Conversations per statement of a bulk read or write: far below SQLite's limit of
# 32,766 parameters, and large enough that 10,000 conversations take a few statements.
CHUNK = 900
CHANGEABLE_COLUMNS = ("assignee", "status", "priority")
LIST_COLUMNS = (
    "id, status, priority, assignee, customer, customer_name, subject, mailbox, channel,"
    " created_at, updated_at, message_count, first_response_at, resolved_at, sla_policy,"
    " first_response_due, resolution_due, first_response_breached, resolution_breached"
)
# Urgent first: the queue's order, in Python and (``_PRIORITY_RANK``) in SQL.
_RANKS = {"urgent": 0, "high": 1, "normal": 2, "low": 3}
_PRIORITY_RANK = (
    "CASE priority "
    + " ".join(f"WHEN '{name}' THEN {rank}" for name, rank in _RANKS.items())
    + " END"
)
# A target that is still to be met; its due time decides "breaching" and "due within".
_UNMET_DUES = (
    ("first_response_due", "first_response_at IS NULL"),
    ("resolution_due", "resolved_at IS NULL"),
)
_NEXT_DUE = (
    "CASE WHEN first_response_at IS NULL AND first_response_due IS NOT NULL"
    " THEN first_response_due ELSE resolution_due END"
)
SORT_KEYS: Mapping[str, str] = {
    "id": "id",
    "created": "created_at",
    "updated": "updated_at",
    "priority": _PRIORITY_RANK,
    "due": _NEXT_DUE,
    "status": "status",
    "assignee": "assignee",
    "customer": "customer",
}

_NULLABLE_SORT_KEYS = frozenset({"due", "assignee", "customer"})


@dataclass(frozen=True)
class ConversationQuery:
    """What ``conversations list`` asks for. Empty tuples mean "any"; several tags must
    all be present; ``breaching`` and ``due_within`` (seconds) together mean either."""

    statuses: tuple[str, ...] = ()
    assignees: tuple[str, ...] = ()
    unassigned: bool = False
    tags: tuple[str, ...] = ()
    mailboxes: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    customer: str | None = None
    priorities: tuple[str, ...] = ()
    created_since: int | None = None
    created_until: int | None = None
    updated_since: int | None = None
    updated_until: int | None = None
    breaching: bool = False
    due_within: int | None = None
    now: int = 0
    sort: str = "updated"
    descending: bool = True
    limit: int | None = 50
    offset: int = 0


def conversation_rows(tx: Tx, query: ConversationQuery) -> Iterator[Row]:
    """The conversations ``query`` selects, in its order, streamed."""
    where, params = _where(query)
    order = "DESC" if query.descending else "ASC"
    key = SORT_KEYS[query.sort]
    # NULLs last either way (the databases disagree on where they go by default); only
    # where there can be any, since the extra term keeps an index from giving the order.
    nulls_last = f"({key}) IS NULL, " if query.sort in _NULLABLE_SORT_KEYS else ""
    sql = (
        f"SELECT {LIST_COLUMNS} FROM conversation WHERE {where}"
        f" ORDER BY {nulls_last}{key} {order}, id {order}"
    )
    if query.limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params += [query.limit, query.offset]
    elif query.offset:
        raise ValueError("an offset needs a limit")
    batch_size = min(query.limit or 1000, 1000)
    return tx.iterate(sql, params, batch_size=batch_size)


def _where(query: ConversationQuery) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []

    def any_of(column: str, values: tuple[str, ...]) -> None:
        if values:
            clauses.append(f"{column} IN ({_marks(values)})")
            params.extend(values)

    def bound(clause: str, value: int | None) -> None:
        if value is not None:
            clauses.append(clause)
            params.append(value)

    any_of("status", query.statuses)
    any_of("assignee", query.assignees)
    any_of("mailbox", query.mailboxes)
    any_of("channel", query.channels)
    any_of("priority", query.priorities)
    if query.unassigned:
        clauses.append("assignee IS NULL")
    for tag in query.tags:
        clauses.append(
            "EXISTS (SELECT 1 FROM conversation_tag t WHERE t.conversation_id = conversation.id"
            " AND t.tag = ?)"
        )
        params.append(tag)
    if query.customer is not None:
        clauses.append("customer = ?")
        params.append(query.customer)
    bound("created_at >= ?", query.created_since)
    bound("created_at < ?", query.created_until)
    bound("updated_at >= ?", query.updated_since)
    bound("updated_at < ?", query.updated_until)
    at_risk = []
    if query.breaching:
        at_risk += [f"({met} AND {due} <= ?)" for due, met in _UNMET_DUES]
        params += [query.now] * len(_UNMET_DUES)
    if query.due_within is not None:
        at_risk += [f"({met} AND {due} > ? AND {due} <= ?)" for due, met in _UNMET_DUES]
        for _ in _UNMET_DUES:
            params += [query.now, query.now + query.due_within]
    if at_risk:
        clauses.append(f"status <> 'closed' AND ({' OR '.join(at_risk)})")
    return " AND ".join(clauses) or "1 = 1", params


class Selection(NamedTuple):
    """Conversations picked by a condition on the ``conversation`` table: a bulk read
    of their tags or messages is then one statement, with no list of ids to send
    (for 10,000 conversations, half the time of reading them by id). The condition is
    SQL written here, like ``UNASSIGNED_OPEN``; values go in ``params``."""

    condition: str
    params: tuple[Any, ...] = ()


UNASSIGNED_OPEN = Selection("status = 'open' AND assignee IS NULL")
Conversations = Iterable[int] | Selection


def _of_conversations(conversations: Conversations) -> Iterator[tuple[str, Params]]:
    """Conditions on ``conversation_id`` (with their parameters) that together cover
    ``conversations``: ids a chunk at a time, a selection at once."""
    if isinstance(conversations, Selection):
        condition, params = conversations
        yield f"conversation_id IN (SELECT id FROM conversation WHERE {condition})", params
        return
    for chunk in _chunks(conversations):
        yield f"conversation_id IN ({_marks(chunk)})", chunk


def tags_of(tx: Tx, conversations: Conversations) -> dict[int, list[str]]:
    """Each conversation's tags, sorted; conversations without tags are absent."""
    tags: dict[int, list[str]] = defaultdict(list)
    for condition, params in _of_conversations(conversations):
        for conversation_id, tag in tx.rows(
            f"SELECT conversation_id, tag FROM conversation_tag WHERE {condition}"
            " ORDER BY conversation_id, tag",
            params,
        ):
            tags[conversation_id].append(tag)
    return tags


def existing_ids(tx: Tx, conversation_ids: Iterable[int]) -> set[int]:
    found: set[int] = set()
    for chunk in _chunks(conversation_ids):
        rows = tx.query(f"SELECT id FROM conversation WHERE id IN ({_marks(chunk)})", chunk)
        found.update(row["id"] for row in rows)
    return found


def conversation_row(tx: Tx, conversation_id: int) -> Row | None:
    return tx.query_one("SELECT * FROM conversation WHERE id = ?", (conversation_id,))


def messages_of(tx: Tx, conversation_id: int) -> list[Row]:
    """The conversation's messages in time order (copies of one message included)."""
    return tx.query(
        "SELECT id, folder, direction, message_id, from_address, from_name, to_addresses,"
        " cc_addresses, subject, sent_at, received_at, snippet, attachments, language,"
        " gone_at FROM message WHERE conversation_id = ?"
        " ORDER BY COALESCE(sent_at, received_at), id",
        (conversation_id,),
    )


def events_of(tx: Tx, conversation_id: int) -> list[Row]:
    return tx.query(
        "SELECT at, actor, kind, old_value, new_value, reason FROM event"
        " WHERE conversation_id = ? ORDER BY at, id",
        (conversation_id,),
    )


def customer_conversations(tx: Tx, customer: str) -> list[Row]:
    return tx.query(
        f"SELECT {LIST_COLUMNS}, last_inbound_at, reopened_count FROM conversation"
        " WHERE customer = ? ORDER BY created_at, id",
        (customer,),
    )


def customer_message_counts(tx: Tx, customer: str) -> dict[str, int]:
    """Messages of the customer's conversations by direction (copies counted once)."""
    rows = tx.query(
        "SELECT m.direction, COUNT(DISTINCT m.message_id) AS n FROM message m"
        " JOIN conversation c ON c.id = m.conversation_id WHERE c.customer = ?"
        " GROUP BY m.direction",
        (customer,),
    )
    return {row["direction"]: row["n"] for row in rows}


# What rules may read of a message, by ``MessageFacts`` field name.
_MESSAGE_FIELDS = {
    "subject": "COALESCE(subject, '')",
    "text": "COALESCE(body, snippet, '')",
    "from_address": "from_address",
    "to_addresses": "to_addresses",
    "cc_addresses": "cc_addresses",
    "language": "language",
    "message_id": "message_id",
    "in_reply_to": "in_reply_to",
    "references": '"references"',
    "header_fields": "header_fields",
}


def inbound_messages(
    tx: Tx, conversations: Conversations, fields: Collection[str]
) -> dict[int, list[MessageFacts]]:
    """Each conversation's inbound messages with the ``fields`` (of ``MessageFacts``)
    rules read, the others left empty; ``text`` is the body where sync kept it, else
    the snippet."""
    wanted = tuple(name for name in MessageFacts._fields if name in fields)
    columns = ", ".join(["conversation_id", *(_MESSAGE_FIELDS[name] for name in wanted)])
    make = _message_maker(wanted)
    messages: dict[int, list[MessageFacts]] = defaultdict(list)
    for condition, params in _of_conversations(conversations):
        for row in tx.rows(
            # Each conversation's messages in order; ordered by conversation first, the
            # rows come as the conversation index holds them, with no sort.
            f"SELECT {columns} FROM message WHERE direction = 'inbound'"
            f" AND {condition} ORDER BY conversation_id, id",
            params,
        ):
            messages[row[0]].append(make(row))
    return messages


_MESSAGE_DEFAULTS = tuple(MessageFacts._field_defaults[name] for name in MessageFacts._fields)


@cache
def _message_maker(wanted: tuple[str, ...]) -> Callable[[tuple[Any, ...]], MessageFacts]:
    """What makes a ``MessageFacts`` of a row ``(conversation_id, *wanted)``, the other
    fields at their defaults. Only the wanted columns are read: ten thousand rows of
    constants in the others cost SQLite more than picking the defaults here."""
    where = {name: 1 + number for number, name in enumerate(wanted)}
    after_row = 1 + len(wanted)  # the defaults follow the row's own values
    pick = itemgetter(
        *(where.get(name, after_row + number) for number, name in enumerate(MessageFacts._fields))
    )
    make = MessageFacts._make
    if "header_fields" not in where:
        return lambda row: make(pick(row + _MESSAGE_DEFAULTS))
    at = MessageFacts._fields.index("header_fields")

    def decoded(row: tuple[Any, ...]) -> MessageFacts:
        # header_fields is JSON text in the store, a mapping in MessageFacts.
        values = list(pick(row + _MESSAGE_DEFAULTS))
        values[at] = decode_header_fields(values[at])
        return make(values)

    return decoded


def tag_events_by_people(tx: Tx, conversation_ids: Iterable[int]) -> list[Row]:
    """Tag changes made by people (not rules), oldest first."""
    events: list[Row] = []
    for chunk in _chunks(conversation_ids):
        events += tx.query(
            "SELECT conversation_id, old_value, new_value FROM event WHERE kind = 'tags'"
            f" AND actor NOT LIKE 'rule:%' AND conversation_id IN ({_marks(chunk)})"
            " ORDER BY at, id",
            chunk,
        )
    return events


# -- candidates of rules -----------------------------------------------------------------


class RuleSubject(NamedTuple):
    """A conversation as rules see it before its tags and messages are read."""

    id: int
    mailbox: str
    channel: str
    priority: str
    created_at: int
    assignee: str | None


_RULE_COLUMNS = ", ".join(RuleSubject._fields)


def _rule_subjects(tx: Tx, sql: str, params: Params = ()) -> list[RuleSubject]:
    make = RuleSubject._make
    return [make(row) for row in tx.rows(sql, params)]


def rule_subjects(tx: Tx, statuses: Sequence[str]) -> list[RuleSubject]:
    """Conversations in ``statuses`` (all when empty) as rules see them."""
    where = f"status IN ({_marks(statuses)})" if statuses else "1 = 1"
    return _rule_subjects(
        tx,
        f"SELECT {_RULE_COLUMNS} FROM conversation WHERE {where} ORDER BY id",
        tuple(statuses),
    )


def rule_subjects_by_id(tx: Tx, conversation_ids: Iterable[int]) -> list[RuleSubject]:
    subjects: list[RuleSubject] = []
    for chunk in _chunks(conversation_ids):
        subjects += _rule_subjects(
            tx,
            f"SELECT {_RULE_COLUMNS} FROM conversation WHERE id IN ({_marks(chunk)}) ORDER BY id",
            chunk,
        )
    return subjects


_QUEUE_ORDER = f"ORDER BY {_PRIORITY_RANK}, created_at, id"


def unassigned_open(tx: Tx) -> list[RuleSubject]:
    """Open conversations nobody owns (``UNASSIGNED_OPEN``), urgent and old first."""
    condition, params = UNASSIGNED_OPEN
    subjects = _rule_subjects(
        tx, f"SELECT {_RULE_COLUMNS} FROM conversation WHERE {condition}", params
    )
    # Sorted here: SQLite sorts ten thousand rows in a temporary B-tree at three times
    # the cost (the order is _QUEUE_ORDER's).
    ranks = _RANKS
    subjects.sort(key=lambda subject: (ranks[subject.priority], subject.created_at, subject.id))
    return subjects


def reopened_with(tx: Tx, assignees: Sequence[str]) -> list[RuleSubject]:
    """Open conversations of ``assignees`` that became open again after they were last
    assigned (a customer wrote back, a person reopened it)."""
    if not assignees:
        return []
    return _rule_subjects(
        tx,
        f"SELECT {_RULE_COLUMNS} FROM conversation c"
        f" WHERE status = 'open' AND assignee IN ({_marks(assignees)}) AND EXISTS ("
        "  SELECT 1 FROM event s WHERE s.conversation_id = c.id AND s.kind = 'status'"
        "  AND s.new_value = 'open' AND s.at >= COALESCE((SELECT MAX(a.at) FROM event a"
        "  WHERE a.conversation_id = c.id AND a.kind = 'assignee'), 0))"
        f" {_QUEUE_ORDER}",
        tuple(assignees),
    )


# (first_response_due, first_response_at, resolution_due, resolved_at)
Dues = tuple[int | None, int | None, int | None, int | None]


def due_for_escalation(
    tx: Tx, before: int, actor: str, exclude: Sequence[str]
) -> list[tuple[RuleSubject, Dues]]:
    """Open conversations with a target still to meet that falls due before ``before``,
    not yet escalated by ``actor``, and not owned by one of ``exclude``; each with its
    due times and when they were met."""
    unmet = " OR ".join(f"({met} AND {due} <= ?)" for due, met in _UNMET_DUES)
    not_owned = f" AND (assignee IS NULL OR assignee NOT IN ({_marks(exclude)}))" if exclude else ""
    rows = tx.rows(
        f"SELECT {_RULE_COLUMNS}, first_response_due, first_response_at, resolution_due,"
        " resolved_at FROM conversation c"
        f" WHERE status = 'open' AND ({unmet}){not_owned} AND NOT EXISTS ("
        "  SELECT 1 FROM event e WHERE e.conversation_id = c.id AND e.actor = ?)"
        f" ORDER BY {_NEXT_DUE}, id",
        (*[before] * len(_UNMET_DUES), *exclude, actor),
    )
    width = len(RuleSubject._fields)
    return [(RuleSubject._make(row[:width]), row[width:]) for row in rows]


def open_counts(tx: Tx) -> dict[str, int]:
    """Open conversations per assignee."""
    rows = tx.query(
        "SELECT assignee, COUNT(*) AS n FROM conversation"
        " WHERE status = 'open' AND assignee IS NOT NULL GROUP BY assignee"
    )
    return {row["assignee"]: row["n"] for row in rows}


# -- changes --------------------------------------------------------------------------------


def change_if(
    tx: Tx,
    conversation_id: int,
    column: str,
    old: str | None,
    new: str | None,
    also: Mapping[str, Any] | None = None,
) -> bool:
    """Set ``column`` from ``old`` to ``new`` (and the ``also`` columns) if it still
    holds ``old``; False when someone changed it meanwhile."""
    if column not in CHANGEABLE_COLUMNS:
        raise ValueError(f"{column!r} is not a column triage changes")
    extra = dict(also or {})
    assignments = ", ".join(f"{name} = ?" for name in (column, *extra))
    return bool(
        tx.execute(
            f"UPDATE conversation SET {assignments}"
            f" WHERE id = ? AND {column} IS NOT DISTINCT FROM ?",
            (new, *extra.values(), conversation_id, old),
        )
    )


class Reassignment(NamedTuple):
    """Conversation ``conversation`` goes from ``old`` to ``new``; the event says ``actor``
    and ``reason``."""

    conversation: int
    old: str | None
    new: str
    actor: str
    reason: str


def reassign_open(tx: Tx, reassignments: Iterable[Reassignment], at: int) -> set[int]:
    """Make each reassignment whose conversation is still open and owned by its ``old``
    agent, with an ``assignee`` event at ``at``; return the conversations changed (the
    others were changed or closed meanwhile).

    Set-based: the plan goes into a temporary table, then one UPDATE and one INSERT of
    events read it. Ten thousand changes cost the database about what the UPDATE alone
    costs when the new assignees are sent row by row."""
    plan = sorted(reassignments)  # by conversation: pages are then written in order
    if not plan:
        return set()
    key = "BIGINT" if tx.dialect == "postgresql" else "INTEGER"
    tx.execute(
        f"CREATE TEMPORARY TABLE reassignment (id {key} PRIMARY KEY, old_assignee TEXT,"
        " new_assignee TEXT NOT NULL, actor TEXT NOT NULL, reason TEXT NOT NULL)"
    )
    tx.insert_rows("reassignment", ("id", "old_assignee", "new_assignee", "actor", "reason"), plan)
    changed = {
        row[0]
        for row in tx.rows(
            "UPDATE conversation SET assignee = r.new_assignee FROM reassignment r"
            " WHERE conversation.id = r.id AND conversation.status = 'open'"
            " AND conversation.assignee IS NOT DISTINCT FROM r.old_assignee"
            " RETURNING conversation.id"
        )
    }
    if len(changed) < len(plan):
        unchanged = [row.conversation for row in plan if row.conversation not in changed]
        for chunk in _chunks(unchanged):
            tx.execute(f"DELETE FROM reassignment WHERE id IN ({_marks(chunk)})", chunk)
    tx.execute(
        "INSERT INTO event (conversation_id, at, actor, kind, old_value, new_value, reason)"
        " SELECT id, ?, actor, 'assignee', old_assignee, new_assignee, reason"
        " FROM reassignment ORDER BY id",
        (at,),
    )
    tx.execute("DROP TABLE reassignment")
    return changed


def add_tag(tx: Tx, conversation_id: int, tag: str) -> bool:
    """False when the conversation already has the tag."""
    return bool(
        tx.execute(
            "INSERT INTO conversation_tag (conversation_id, tag) VALUES (?, ?)"
            " ON CONFLICT (conversation_id, tag) DO NOTHING",
            (conversation_id, tag),
        )
    )


def remove_tag(tx: Tx, conversation_id: int, tag: str) -> bool:
    """False when the conversation did not have the tag."""
    return bool(
        tx.execute(
            "DELETE FROM conversation_tag WHERE conversation_id = ? AND tag = ?",
            (conversation_id, tag),
        )
    )


EventRow = tuple[int, int, str, str, str | None, str | None, str | None]
# Events per INSERT: a statement of many rows costs SQLite about half as much a row as a
# statement per row (each one is reset and stepped, and AUTOINCREMENT kept, on its own).
_EVENTS_PER_STATEMENT = 100


def add_events(tx: Tx, events: Iterable[EventRow]) -> None:
    """Insert ``(conversation_id, at, actor, kind, old_value, new_value, reason)`` rows,
    in order."""
    rows = list(events)
    for start in range(0, len(rows), _EVENTS_PER_STATEMENT):
        chunk = rows[start : start + _EVENTS_PER_STATEMENT]
        tx.execute(
            "INSERT INTO event (conversation_id, at, actor, kind, old_value, new_value, reason)"
            " VALUES " + ", ".join(["(?, ?, ?, ?, ?, ?, ?)"] * len(chunk)),
            [value for row in chunk for value in row],
        )


def state_values(tx: Tx, prefix: str) -> dict[str, str]:
    """Entries of the ``state`` table whose key starts with ``prefix`` (prefix removed)."""
    # A handful of rows: filtered here, since LIKE reads the "_" in keys as a wildcard.
    rows = tx.query("SELECT key, value FROM state")
    return {
        row["key"][len(prefix) :]: row["value"] for row in rows if row["key"].startswith(prefix)
    }


def save_state(tx: Tx, prefix: str, values: Mapping[str, str]) -> None:
    tx.executemany(
        "INSERT INTO state (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [(prefix + key, value) for key, value in values.items()],
    )


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" for _ in values)


def _chunks(values: Iterable[int]) -> Iterator[tuple[int, ...]]:
    items = tuple(values)
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def retry_on_conflict(work: Callable[[], T], attempts: int = CONFLICT_ATTEMPTS) -> T:
    """Run ``work`` (one whole transaction, reads included) and run it again when the
    database aborted it for a deadlock or a serialization failure; raise the last
    StoreError after ``attempts``.

    Bulk writers (``assign auto``, a change by hand to many conversations) lock rows in
    orders PostgreSQL chooses, so two of them can deadlock; the one it aborts starts
    over and sees what the other committed. SQLite serialises writers and never needs it.
    """
    attempt = 1
    while True:
        try:
            return work()
        except StoreError as error:
            conflict = getattr(error.__cause__, "sqlstate", None) in _CONFLICT_STATES
            if not conflict or attempt >= attempts:
                raise
            attempt += 1
