"""Seeing the work: conversation lists, one conversation in full, one customer's history.

Instants come back as aware UTC datetimes; ``render`` shows them in the viewer's zone.

Usage::

    with open_store("sqlite:///var/lib/supportctl/support.db") as store:
        page = conversation_page(store, ConversationQuery(statuses=("open",), limit=20))
    [row["id"] for row in page.rows]  # [1234, 1233, …]; page.more: whether rows follow
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any

from supportctl.errors import NotFoundError, UsageError
from supportctl.render import format_timedelta
from supportctl.store import triage as queries
from supportctl.store.database import Row, Store, Tx
from supportctl.store.triage import SORT_KEYS, ConversationQuery

LIST_COLUMNS = (
    "id",
    "status",
    "priority",
    "assignee",
    "tags",
    "customer",
    "subject",
    "mailbox",
    "channel",
    "created_at",
    "updated_at",
    "next_due",
)
SNIPPET_CHARACTERS = 160
_BATCH = 500


def list_query(
    *,
    now: datetime,
    timezone: str,
    since_until: Mapping[str, str | None] | None = None,
    due_within: str | None = None,
    sort: str = "-updated",
    **filters: Any,
) -> ConversationQuery:
    """A ``ConversationQuery`` from command-line text: ``since_until`` maps
    ``created_since``, ``created_until``, ``updated_since``, ``updated_until`` to a date
    or time (``2026-03-01``, ``2026-03-01T14:30``, local to ``timezone`` unless it has an
    offset) or a span back from ``now`` (``2h``, ``7d``); ``due_within`` is a span;
    ``sort`` is a key of ``SORT_KEYS``, ``-`` first for descending. ``filters`` are the
    other fields of ``ConversationQuery``. UsageError names the option at fault."""
    key = sort.removeprefix("-")
    if key not in SORT_KEYS:
        raise UsageError(f"cannot sort by {sort!r}", hint=f"use one of: {', '.join(SORT_KEYS)}")
    bounds = {
        name: parse_instant(text, now=now, timezone=timezone, option=_option(name))
        for name, text in (since_until or {}).items()
        if text is not None
    }
    if filters.get("customer"):
        filters["customer"] = filters["customer"].strip().lower()
    return ConversationQuery(
        **filters,
        **bounds,
        due_within=_span_seconds(due_within, "--due-within") if due_within else None,
        now=int(now.timestamp()),
        sort=key,
        descending=sort.startswith("-"),
    )


def parse_instant(text: str, *, now: datetime, timezone: str, option: str) -> int:
    """``text`` as epoch seconds: an ISO date or time (local to ``timezone`` unless it
    carries an offset) or a span like ``7d`` counted back from ``now``.

    >>> from datetime import UTC
    >>> parse_instant("2h", now=datetime(2026, 3, 1, 12, tzinfo=UTC), timezone="UTC",
    ...               option="--since") == int(datetime(2026, 3, 1, 10, tzinfo=UTC).timestamp())
    True
    """
    import pytz

    if text[:1].isdigit() and not _ISO_START.match(text):
        return int(now.timestamp()) - _span_seconds(text, option)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"{text!r} is neither a date, a time nor a span",
            where=option,
            hint="e.g. 2026-03-01, 2026-03-01T14:30, 7d, 2h",
        ) from None
    if moment.tzinfo is None:
        # pytz: localize() knows the offset of that date (is_dst=False settles a DST gap).
        moment = pytz.timezone(timezone).localize(moment, is_dst=False)
    return int(moment.timestamp())


def _span_seconds(text: str, option: str) -> int:
    from supportctl.timekit.spec import SpecError, parse_duration

    try:
        return parse_duration(text).total_seconds
    except SpecError as error:
        raise UsageError(str(error), where=option) from None


def _option(field_name: str) -> str:
    return "--" + field_name.replace("_", "-")


_ISO_START = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class ConversationPage:
    """One page of ``conversations list``; ``more`` when rows follow it."""

    rows: list[dict[str, Any]]
    more: bool


def conversation_page(store: Store, query: ConversationQuery) -> ConversationPage:
    """The ``query.limit`` conversations from ``query.offset`` on (``limit`` must be set)."""
    if query.limit is None:
        raise ValueError("conversation_page needs a limit; iter_conversations streams all")
    probe = ConversationQuery(**{**vars(query), "limit": query.limit + 1})
    rows = list(iter_conversations(store, probe))
    return ConversationPage(rows[: query.limit], more=len(rows) > query.limit)


def iter_conversations(store: Store, query: ConversationQuery) -> Iterator[dict[str, Any]]:
    """Every conversation ``query`` selects, streamed in constant memory (the store is
    busy until the iterator is exhausted or closed)."""
    with store.transaction(readonly=True) as tx:
        rows = queries.conversation_rows(tx, query)
        while batch := list(islice(rows, _BATCH)):
            tags = queries.tags_of(tx, [row["id"] for row in batch])
            for row in batch:
                yield _list_row(row, tags.get(row["id"], []))


def _list_row(row: Row, tags: list[str]) -> dict[str, Any]:
    unmet_first_response = row["first_response_at"] is None and row["first_response_due"]
    next_due = row["first_response_due"] if unmet_first_response else row["resolution_due"]
    if row["resolved_at"] is not None and not unmet_first_response:
        next_due = None
    return {
        **{column: row[column] for column in LIST_COLUMNS if column in row},
        "tags": tags,
        "created_at": instant(row["created_at"]),
        "updated_at": instant(row["updated_at"]),
        "next_due": instant(next_due),
    }


# -- one conversation -----------------------------------------------------------------------


@dataclass(frozen=True)
class ConversationDetail:
    """``conversations show``: the header, who took part, SLA state, messages, events."""

    conversation: dict[str, Any]
    participants: list[dict[str, Any]]
    sla: dict[str, Any]
    messages: list[dict[str, Any]]
    events: list[dict[str, Any]]


def conversation_detail(
    store: Store, conversation_id: int, now: datetime, team_addresses: Collection[str] = ()
) -> ConversationDetail:
    """Everything about one conversation; NotFoundError if there is none.
    ``team_addresses`` (the mailboxes' own and the agents') are the team's even when
    they never sent a reply in it."""
    with store.transaction(readonly=True) as tx:
        row = _conversation_or_fail(tx, conversation_id)
        tags = queries.tags_of(tx, [conversation_id]).get(conversation_id, [])
        messages = queries.messages_of(tx, conversation_id)
        events = queries.events_of(tx, conversation_id)
    return ConversationDetail(
        conversation=_header(row, tags),
        participants=_participants(row, messages, team_addresses),
        sla=_sla(row, int(now.timestamp())),
        messages=[_timeline_entry(message) for message in messages],
        events=[_event_entry(event) for event in events],
    )


def _conversation_or_fail(tx: Tx, conversation_id: int) -> Row:
    row = queries.conversation_row(tx, conversation_id)
    if row is None:
        raise NotFoundError(f"no conversation #{conversation_id}")
    return row


def _header(row: Row, tags: list[str]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "subject": row["subject"],
        "status": row["status"],
        "priority": row["priority"],
        "assignee": row["assignee"],
        "tags": tags,
        "mailbox": row["mailbox"],
        "channel": row["channel"],
        "customer": row["customer"],
        "customer_name": row["customer_name"],
        "language": row["language"],
        "created_at": instant(row["created_at"]),
        "updated_at": instant(row["updated_at"]),
        "first_response_at": instant(row["first_response_at"]),
        "resolved_at": instant(row["resolved_at"]),
        "message_count": row["message_count"],
        "reopened_count": row["reopened_count"],
    }


def _participants(
    row: Row, messages: list[Row], team_addresses: Collection[str]
) -> list[dict[str, Any]]:
    """Everyone on the conversation's mail, each once in order of appearance: the
    customer, the team (``team_addresses`` and whoever sent a reply) and others."""
    team = {address.lower() for address in team_addresses}
    team |= {m["from_address"] for m in messages if m["direction"] == "outbound"}
    found: dict[str, dict[str, Any]] = {}

    def add(address: str | None, name: str | None) -> None:
        if not address:
            return
        if address in found:
            found[address]["name"] = found[address]["name"] or name
            return
        role = "customer" if address == row["customer"] else "team" if address in team else "other"
        found[address] = {"address": address, "name": name, "role": role}

    add(row["customer"], row["customer_name"])
    for message in messages:
        add(message["from_address"], message["from_name"])
        for address in _addresses(message["to_addresses"], message["cc_addresses"]):
            add(address, None)
    return list(found.values())


def _sla(row: Row, now: int) -> dict[str, Any]:
    return {
        "policy": row["sla_policy"],
        "first_response_due": instant(row["first_response_due"]),
        "first_response": target_state(row["first_response_due"], row["first_response_at"], now),
        "resolution_due": instant(row["resolution_due"]),
        "resolution": target_state(row["resolution_due"], row["resolved_at"], now),
    }


def target_state(due: int | None, met_at: int | None, now: int) -> str:
    """One SLA target in words: ``met``, ``breached by 2h``, ``due in 30m``,
    ``overdue by 1h 5m`` or ``none``.

    >>> target_state(1000, None, 400)
    'due in 10m'
    """
    if due is None:
        return "none"
    if met_at is not None:
        return "met" if met_at <= due else f"breached by {_span(met_at - due)}"
    return f"due in {_span(due - now)}" if due > now else f"overdue by {_span(now - due)}"


def _timeline_entry(message: Row) -> dict[str, Any]:
    snippet = " ".join((message["snippet"] or "").split())
    if len(snippet) > SNIPPET_CHARACTERS:
        snippet = snippet[: SNIPPET_CHARACTERS - 1] + "…"
    return {
        "at": instant(message["sent_at"] or message["received_at"]),
        "direction": message["direction"],
        "from": message["from_address"],
        "to": _addresses(message["to_addresses"], message["cc_addresses"]),
        "subject": message["subject"],
        "snippet": snippet,
        "folder": message["folder"],
        "gone": message["gone_at"] is not None,
    }


def _event_entry(event: Row) -> dict[str, Any]:
    return {
        "at": instant(event["at"]),
        "actor": event["actor"],
        "kind": event["kind"],
        "from": event["old_value"],
        "to": event["new_value"],
        "reason": event["reason"],
    }


# -- one customer ---------------------------------------------------------------------------

CUSTOMER_CONVERSATION_COLUMNS = (
    "id",
    "status",
    "assignee",
    "mailbox",
    "channel",
    "subject",
    "created_at",
    "first_response",
    "resolution",
)


@dataclass(frozen=True)
class CustomerReport:
    """``customer show``: every conversation of one customer across mailboxes and
    channels, with counts and response figures (wall-clock time)."""

    customer: str
    name: str | None
    conversations: int
    by_status: dict[str, int]
    by_channel: dict[str, int]
    by_mailbox: dict[str, int]
    messages: dict[str, int]
    first_response: dict[str, Any]
    resolution: dict[str, Any]
    sla_breaches: dict[str, int]
    history: list[dict[str, Any]] = field(default_factory=list)


def customer_report(store: Store, customer: str) -> CustomerReport:
    """The 360° view of ``customer`` (an address; case does not matter)."""
    address = customer.strip().lower()
    with store.transaction(readonly=True) as tx:
        rows = queries.customer_conversations(tx, address)
        messages = queries.customer_message_counts(tx, address)
    if not rows:
        raise NotFoundError(f"no conversations with customer {address}")
    first_responses = [
        r["first_response_at"] - r["created_at"] for r in rows if r["first_response_at"]
    ]
    resolutions = [r["resolved_at"] - r["created_at"] for r in rows if r["resolved_at"]]
    return CustomerReport(
        customer=address,
        name=next((r["customer_name"] for r in reversed(rows) if r["customer_name"]), None),
        conversations=len(rows),
        by_status=_counts(r["status"] for r in rows),
        by_channel=_counts(r["channel"] for r in rows),
        by_mailbox=_counts(r["mailbox"] for r in rows),
        messages={"inbound": messages.get("inbound", 0), "outbound": messages.get("outbound", 0)},
        first_response=_figures(first_responses),
        resolution=_figures(resolutions),
        sla_breaches={
            "first_response": sum(bool(r["first_response_breached"]) for r in rows),
            "resolution": sum(bool(r["resolution_breached"]) for r in rows),
        },
        history=[_history_row(r) for r in rows],
    )


def _history_row(row: Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "status": row["status"],
        "assignee": row["assignee"],
        "mailbox": row["mailbox"],
        "channel": row["channel"],
        "subject": row["subject"],
        "created_at": instant(row["created_at"]),
        "first_response": _duration_text(row["first_response_at"], row["created_at"]),
        "resolution": _duration_text(row["resolved_at"], row["created_at"]),
    }


def _figures(seconds: list[int]) -> dict[str, Any]:
    import statistics  # here: ``conversations list`` does not need it

    if not seconds:
        return {"count": 0, "median": None, "mean": None, "longest": None}
    return {
        "count": len(seconds),
        "median": _span(round(statistics.median(seconds))),
        "mean": _span(round(statistics.fmean(seconds))),
        "longest": _span(max(seconds)),
    }


def _counts(values: Iterable[str]) -> dict[str, int]:
    return dict(sorted(Counter(values).items()))


def _duration_text(end: int | None, start: int) -> str | None:
    return _span(end - start) if end is not None else None


def _span(seconds: int) -> str:
    return format_timedelta(timedelta(seconds=seconds))


def _addresses(*joined: str | None) -> list[str]:
    return [address for text in joined if text for address in text.split(",") if address]


def instant(epoch: int | None) -> datetime | None:
    """Epoch seconds from the store → an aware UTC datetime (None stays None)."""
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC)
