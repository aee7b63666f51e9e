"""Queries of reports and exports: every figure is aggregated here, in SQL.

``supportctl.reports.metrics`` defines what each figure means; this module is the only
place that computes them. Every function takes an open ``Tx`` (or a ``Store`` for
streams), a ``Scope`` (the period and filters) and a ``GroupBy``; instants are epoch
seconds (UTC).

Local time without time-zone support in SQL: the reports' zone is passed as its UTC
offsets and the instants they change at (worked out with pytz), so a local instant is
``at + CASE WHEN at < change THEN offset ... END`` and its local day number that divided
by 86,400. Those integers are computed by supportctl and inlined, never user text.

Percentiles are ``percentile_cont`` (linear interpolation between the two nearest
ranks): PostgreSQL computes it; SQLite has none, so its values are streamed out and the
same formula applied to them sorted.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from supportctl.store.database import Row, Store, Tx

PERCENTILES = (("median", 1, 2), ("p90", 9, 10))  # name, p as a fraction
_SECONDS_PER_DAY = 86_400
_CONVERSATION_COLUMNS = {"agent": "c.assignee", "mailbox": "c.mailbox", "channel": "c.channel"}
_TAG_JOIN = " LEFT JOIN conversation_tag gt ON gt.conversation_id = c.id"
# The status a conversation had at instant ``{at}``: its first status change at or after
# then says what it changed from; without one it still has the status it has now.
_STATUS_AT = (
    "COALESCE((SELECT e.old_value FROM event e WHERE e.conversation_id = c.id"
    " AND e.kind = 'status' AND e.at >= {at} ORDER BY e.at, e.id LIMIT 1), c.status)"
)
# The status a conversation was created with: what its first status change changed from.
_BORN_STATUS = (
    "COALESCE((SELECT e.old_value FROM event e WHERE e.conversation_id = c.id"
    " AND e.kind = 'status' ORDER BY e.at, e.id LIMIT 1), c.status)"
)
_CLOSES = "COALESCE(e.old_value, '') <> 'closed' AND e.new_value = 'closed'"
_REOPENS = "e.old_value = 'closed' AND COALESCE(e.new_value, '') <> 'closed'"
# Each message once per conversation (a reply Cc'd to the shared inbox is stored twice),
# at its earliest receipt in the period.
_DISTINCT_MESSAGES = (
    "SELECT m.conversation_id, m.direction, MIN(m.received_at) AS at FROM message m"
    " WHERE m.received_at >= ? AND m.received_at < ? AND m.conversation_id IS NOT NULL"
    " GROUP BY m.conversation_id, m.message_id, m.direction"
)
_REPLIES = (
    "(SELECT COUNT(DISTINCT r.message_id) FROM message r"
    " WHERE r.conversation_id = c.id AND r.direction = 'outbound')"
)
# Per-conversation values whose count, mean, median and p90 reports show.
DISTRIBUTIONS = {
    "first_response": "c.first_response_at - c.created_at",
    "first_response_business": "c.first_response_business",
    "resolution": "CASE WHEN c.status = 'closed' THEN c.resolved_at - c.created_at END",
    "resolution_business": "CASE WHEN c.status = 'closed' THEN c.resolution_business END",
    "replies": _REPLIES,
}
_SLA_STATE = (
    "CASE WHEN c.{clock}_due IS NULL THEN NULL WHEN c.{clock}_breached = 1 THEN 'breached'"
    " WHEN c.{clock}_breached = 0 THEN 'met' ELSE 'running' END"
)


@dataclass(frozen=True)
class Scope:
    """The period ``[start, end)`` with the reports' zone (``offsets[0]`` before
    ``changes[0]``, ``offsets[i]`` from ``changes[i - 1]``) and the filters: a
    conversation must be in one of ``mailboxes`` and ``channels`` (when given) and have
    every one of ``tags``."""

    start: int
    end: int
    changes: tuple[int, ...] = ()
    offsets: tuple[int, ...] = (0,)
    mailboxes: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class GroupBy:
    """What rows are grouped by: ``none``, ``agent``, ``mailbox``, ``channel``, ``tag``
    (a conversation counts under each of its tags, and under NULL without any) or
    ``time``: local days numbered from 1970-01-01 fall in the bucket whose first day
    number is the last of ``starts`` at or before them; ``unit`` ``day`` and ``week``
    (starting ``week_shift`` days after a Thursday) are computed without a search."""

    dimension: str = "none"
    unit: str = ""
    starts: tuple[int, ...] = ()
    week_shift: int = 0


NO_GROUPS = GroupBy()


def holds_conversations(tx: Tx) -> bool:
    """Whether the store holds any conversation at all (a never-synced one holds none)."""
    return tx.scalar("SELECT 1 FROM conversation LIMIT 1") is not None


def cohort_counts(tx: Tx, scope: Scope, group: GroupBy) -> list[Row]:
    """Per group, of the conversations created in the period: ``created``,
    ``born_closed``, and per SLA clock (``first_response``, ``resolution``) how many
    were ``_met``, ``_breached`` or are ``_running``."""
    clocks = ", ".join(
        f"SUM(CASE WHEN c.{clock}_breached = 0 THEN 1 ELSE 0 END) AS {clock}_met,"
        f" SUM(CASE WHEN c.{clock}_breached = 1 THEN 1 ELSE 0 END) AS {clock}_breached,"
        f" SUM(CASE WHEN c.{clock}_due IS NOT NULL AND c.{clock}_breached IS NULL"
        f" THEN 1 ELSE 0 END) AS {clock}_running"
        for clock in ("first_response", "resolution")
    )
    where, params = _cohort(scope)
    return tx.query(
        f"SELECT {_key(scope, group, 'c.created_at')} AS grp, COUNT(*) AS created,"
        f" SUM(CASE WHEN {_BORN_STATUS} = 'closed' THEN 1 ELSE 0 END) AS born_closed,"
        f" {clocks} FROM conversation c{_join(group)} WHERE {where} GROUP BY 1",
        params,
    )


def cohort_distributions(
    tx: Tx, scope: Scope, group: GroupBy, metrics: tuple[str, ...]
) -> list[Row]:
    """Per metric (a key of ``DISTRIBUTIONS``) and group, over the conversations created
    in the period that have a value: ``n``, ``mean``, ``median``, ``p90``."""
    where, params = _cohort(scope)
    columns = ", ".join(f"{DISTRIBUTIONS[metric]} AS {metric}" for metric in metrics)
    cohort = (
        f"SELECT {_key(scope, group, 'c.created_at')} AS grp, {columns}"
        f" FROM conversation c{_join(group)} WHERE {where}"
    )
    if tx.dialect == "postgresql":
        values = " UNION ALL ".join(
            f"SELECT '{metric}' AS metric, grp, {metric} AS x FROM cohort"
            f" WHERE {metric} IS NOT NULL"
            for metric in metrics
        )
        percentiles = ", ".join(
            f"percentile_cont({top / bottom}) WITHIN GROUP (ORDER BY x) AS {name}"
            for name, top, bottom in PERCENTILES
        )
        return tx.query(
            f"WITH cohort AS ({cohort}), vals AS ({values}) SELECT metric, grp,"
            f" COUNT(*) AS n, CAST(AVG(x) AS DOUBLE PRECISION) AS mean, {percentiles}"
            " FROM vals GROUP BY metric, grp",
            params,
        )
    # SQLite has no percentile function: the values are streamed out and sorted here,
    # which is several times faster than ranking them with window functions.
    values: defaultdict[tuple[str, Any], list[int]] = defaultdict(list)
    for row in tx.iterate(cohort, params):
        for metric in metrics:
            if row[metric] is not None:
                values[metric, row["grp"]].append(row[metric])
    return [_distribution(metric, grp, sorted(xs)) for (metric, grp), xs in values.items()]


def _distribution(metric: str, grp: Any, ordered: list[int]) -> Row:
    row: Row = {"metric": metric, "grp": grp, "n": len(ordered)}
    row["mean"] = sum(ordered) / len(ordered)
    for name, top, bottom in PERCENTILES:
        row[name] = percentile_cont(ordered, top, bottom)
    return row


def percentile_cont(ordered: list[int], top: int, bottom: int) -> float:
    """PostgreSQL's ``percentile_cont(top / bottom)`` of sorted, non-empty values: the
    value at position ``p × (n − 1)``, interpolated between its two neighbours.

    >>> percentile_cont([600, 1200, 1800, 2400, 3000], 9, 10)
    2760.0
    """
    low, rest = divmod(top * (len(ordered) - 1), bottom)
    value = float(ordered[low])
    if rest:
        value += (ordered[low + 1] - ordered[low]) * rest / bottom
    return value


def transitions(tx: Tx, scope: Scope, group: GroupBy) -> list[Row]:
    """Per group: status changes in the period into ``closed`` and out of it
    (``reopened``), grouped (for time) by when they happened."""
    where, params = _filters(scope)
    return tx.query(
        f"SELECT {_key(scope, group, 'e.at')} AS grp,"
        f" SUM(CASE WHEN {_CLOSES} THEN 1 ELSE 0 END) AS closed,"
        f" SUM(CASE WHEN {_REOPENS} THEN 1 ELSE 0 END) AS reopened"
        f" FROM event e{_conversation_join(scope, group, 'e')}"
        f" WHERE e.kind = 'status' AND e.at >= ? AND e.at < ? AND {where} GROUP BY 1",
        (scope.start, scope.end, *params),
    )


def backlog(tx: Tx, scope: Scope, group: GroupBy, at: int) -> list[Row]:
    """Per group (not by time): conversations created before ``at`` and not closed then."""
    where, params = _filters(scope)
    return tx.query(
        f"SELECT {_key(scope, group, 'c.created_at')} AS grp, COUNT(*) AS backlog"
        f" FROM conversation c{_join(group)} WHERE c.created_at < ? AND {where}"
        f" AND {_STATUS_AT.format(at=int(at))} <> 'closed' GROUP BY 1",
        (at, *params),
    )


def message_counts(tx: Tx, scope: Scope, group: GroupBy) -> list[Row]:
    """Per group: customer messages (``messages_in``) and replies (``messages_out``)
    received in the period, each message once per conversation."""
    where, params = _filters(scope)
    return tx.query(
        f"SELECT {_key(scope, group, 'd.at')} AS grp,"
        " SUM(CASE WHEN d.direction = 'inbound' THEN 1 ELSE 0 END) AS messages_in,"
        " SUM(CASE WHEN d.direction = 'outbound' THEN 1 ELSE 0 END) AS messages_out"
        f" FROM ({_DISTINCT_MESSAGES}) d{_conversation_join(scope, group, 'd')}"
        f" WHERE {where} GROUP BY 1",
        (scope.start, scope.end, *params),
    )


def busiest_hours(tx: Tx, scope: Scope) -> list[Row]:
    """Customer messages of the period per local ``weekday`` (Monday 0) and ``hour``."""
    where, params = _filters(scope)
    local = _local_seconds(scope, "d.at")
    return tx.query(
        f"SELECT ({local} / {_SECONDS_PER_DAY} + 3) % 7 AS weekday,"
        f" ({local} % {_SECONDS_PER_DAY}) / 3600 AS hour, COUNT(*) AS messages"
        f" FROM ({_DISTINCT_MESSAGES}) d{_conversation_join(scope, NO_GROUPS, 'd')}"
        f" WHERE d.direction = 'inbound' AND {where} GROUP BY 1, 2",
        (scope.start, scope.end, *params),
    )


def histogram(tx: Tx, scope: Scope, metric: str, limits: tuple[int, ...]) -> list[Row]:
    """How many conversations created in the period have ``metric`` (a key of
    ``DISTRIBUTIONS``) below each of ``limits`` and not below the one before (``bin``
    is the index; the last bin, ``len(limits)``, is everything above)."""
    where, params = _cohort(scope)
    value = DISTRIBUTIONS[metric]
    bins = " ".join(f"WHEN {value} < {int(limit)} THEN {i}" for i, limit in enumerate(limits))
    return tx.query(
        f"SELECT CASE {bins} ELSE {len(limits)} END AS bin, COUNT(*) AS n"
        f" FROM conversation c WHERE {where} AND {value} IS NOT NULL GROUP BY 1",
        params,
    )


LIST_COLUMNS = (
    "id",
    "created_at",
    "mailbox",
    "channel",
    "assignee",
    "status",
    "priority",
    "tags",
    "customer",
    "subject",
    "sla_policy",
    "first_response_seconds",
    "first_response_business",
    "resolution_seconds",
    "resolution_business",
    "replies",
    "first_response_sla",
    "resolution_sla",
    "created_in_period",
    "closed_in_period",
    "reopened_in_period",
    "open_at_end",
)


def conversation_rows(
    store: Store, scope: Scope, *, involved: bool, breached: bool
) -> Iterator[Row]:
    """The conversations behind a report, streamed in id order, with every figure they
    add: created in the period, or (``involved``) also closed or reopened in it or open
    at its end; ``breached`` keeps those with a breached SLA clock. Summed, the columns
    ``created_in_period``, ``closed_in_period``, ``reopened_in_period`` and
    ``open_at_end`` give the volume figures."""
    where, filter_params = _filters(scope)
    period = [scope.start, scope.end]
    created = "c.created_at >= ? AND c.created_at < ?"
    open_at_end = f"c.created_at < ? AND {_STATUS_AT.format(at=int(scope.end))} <> 'closed'"
    changed = "EXISTS (SELECT 1 FROM event e WHERE e.conversation_id = c.id AND {})"
    changes = "(SELECT COUNT(*) FROM event e WHERE e.conversation_id = c.id AND {})"
    in_period = "e.kind = 'status' AND e.at >= ? AND e.at < ?"
    figures = [  # (SQL, its parameters) in SELECT order
        (f"CASE WHEN {created} THEN 1 ELSE 0 END AS created_in_period", period),
        (
            f"{changes.format(f'{in_period} AND {_CLOSES}')} + CASE WHEN {created}"
            f" AND {_BORN_STATUS} = 'closed' THEN 1 ELSE 0 END AS closed_in_period",
            period + period,
        ),
        (f"{changes.format(f'{in_period} AND {_REOPENS}')} AS reopened_in_period", period),
        (f"CASE WHEN {open_at_end} THEN 1 ELSE 0 END AS open_at_end", [scope.end]),
    ]
    behind = [(created, period)]
    if involved:
        behind += [(changed.format(in_period), period), (open_at_end, [scope.end])]
    if breached:
        where += " AND (c.first_response_breached = 1 OR c.resolution_breached = 1)"
    sql = (
        "SELECT c.id, c.created_at, c.mailbox, c.channel, c.assignee, c.status, c.priority,"
        f" {_tags_text(store.dialect)} AS tags, c.customer, c.subject, c.sla_policy,"
        f" {DISTRIBUTIONS['first_response']} AS first_response_seconds,"
        f" {DISTRIBUTIONS['first_response_business']} AS first_response_business,"
        f" {DISTRIBUTIONS['resolution']} AS resolution_seconds,"
        f" {DISTRIBUTIONS['resolution_business']} AS resolution_business,"
        f" {_REPLIES} AS replies,"
        f" {_SLA_STATE.format(clock='first_response')} AS first_response_sla,"
        f" {_SLA_STATE.format(clock='resolution')} AS resolution_sla,"
        f" {', '.join(sql for sql, _ in figures)} FROM conversation c WHERE {where}"
        f" AND ({' OR '.join(f'({sql})' for sql, _ in behind)}) ORDER BY c.id"
    )
    params = [
        *(value for _, values in figures for value in values),
        *filter_params,
        *(value for _, values in behind for value in values),
    ]
    return store.iterate(sql, params, batch_size=1000)


# -- exports ------------------------------------------------------------------------


EXPORT_COLUMNS = {
    "conversations": (
        "id",
        "mailbox",
        "channel",
        "customer",
        "customer_name",
        "subject",
        "status",
        "priority",
        "assignee",
        "tags",
        "language",
        "created_at",
        "updated_at",
        "last_inbound_at",
        "last_outbound_at",
        "first_response_at",
        "resolved_at",
        "reopened_count",
        "message_count",
        "replies",
        "first_response_seconds",
        "first_response_business",
        "resolution_seconds",
        "resolution_business",
        "sla_policy",
        "first_response_due",
        "resolution_due",
        "first_response_sla",
        "resolution_sla",
    ),
    "messages": (
        "id",
        "conversation_id",
        "mailbox",
        "folder",
        "uidvalidity",
        "uid",
        "direction",
        "message_id",
        "in_reply_to",
        "references",
        "from_address",
        "from_name",
        "to_addresses",
        "cc_addresses",
        "subject",
        "sent_at",
        "received_at",
        "size",
        "language",
        "flags",
        "attachments",
        "snippet",
        "body",
        "parse_problem",
        "gone_at",
    ),
    "events": (
        "id",
        "conversation_id",
        "at",
        "actor",
        "kind",
        "old_value",
        "new_value",
        "reason",
    ),
}
_EXPORT_INSTANTS = {
    "conversations": (
        "created_at",
        "updated_at",
        "last_inbound_at",
        "last_outbound_at",
        "first_response_at",
        "resolved_at",
        "first_response_due",
        "resolution_due",
    ),
    "messages": ("sent_at", "received_at", "gone_at"),
    "events": ("at",),
}
_EXPORT_SINCE = {"conversations": "created_at", "messages": "received_at", "events": "at"}
_EXPORT_COMPUTED = {
    "replies": _REPLIES,
    "first_response_seconds": DISTRIBUTIONS["first_response"],
    "first_response_business": DISTRIBUTIONS["first_response_business"],
    "resolution_seconds": DISTRIBUTIONS["resolution"],
    "resolution_business": DISTRIBUTIONS["resolution_business"],
    "first_response_sla": _SLA_STATE.format(clock="first_response"),
    "resolution_sla": _SLA_STATE.format(clock="resolution"),
}
_TABLES = {"conversations": "conversation", "messages": "message", "events": "event"}
FIELD_SEPARATOR = "\x1f"  # the unit separator, between the fields of a CSV export's row
# Besides the delimiter and the line end, what csv.writer may quote: a CR (on Python 3.11
# only when the line terminator holds one, but later versions always quote it).
_CSV_QUOTED = (",", '"', "\r")


def export_batches(store: Store, kind: str, since: int | None) -> Iterator[list[Sequence[Any]]]:
    """Every row of ``kind`` (``conversations``, ``messages``, ``events``) as a tuple of
    ``EXPORT_COLUMNS[kind]``, streamed in id order a batch at a time, with instants as
    RFC 3339 UTC text (``2026-03-19 13:30:00Z``); ``since`` keeps those created, received
    or happened at or after it."""
    sql, params = _export_sql(kind, since, _export_select(store.dialect, kind))
    return store.iterate_batches(sql, params)


def export_csv_chunks(store: Store, kind: str, since: int | None) -> Iterator[tuple[int, str]]:
    """``export_batches`` as CSV, a batch at a time: how many rows, and their lines (each
    ending in a newline), byte for byte what ``csv.writer`` (``lineterminator="\\n"``)
    writes of them.

    The database joins each row's fields (as text, NULL as nothing) with the unit
    separator U+001F: formatting a million rows' fields in Python takes longer than
    reading them, and testing every field for what needs quotes in SQL doubles the
    database's work. Python tests the whole batch at once instead: when no field holds a
    comma, a quote, a CR, a newline or the separator, the separators become commas;
    otherwise csv.writer writes the batch's fields, and a row whose text holds the
    separator itself is read again by id, in the same snapshot.
    """
    line = _joined(_export_values(store.dialect, kind).values(), FIELD_SEPARATOR)
    sql, params = _export_sql(kind, since, line)
    with store.transaction(readonly=True) as tx:
        if tx.dialect == "postgresql":  # for the rows read again
            tx.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        for batch in tx.iterate_batches(sql, params):
            lines = [text for (text,) in batch]
            yield len(lines), _csv_text(tx, kind, lines)


def _csv_text(tx: Tx, kind: str, lines: list[str]) -> str:
    """``lines`` (fields joined by ``FIELD_SEPARATOR``) as csv.writer writes their rows."""
    text = "\n".join(lines) + "\n"
    width = len(EXPORT_COLUMNS[kind])
    if (
        not any(character in text for character in _CSV_QUOTED)
        and text.count("\n") == len(lines)
        and text.count(FIELD_SEPARATOR) == (width - 1) * len(lines)
    ):
        return text.replace(FIELD_SEPARATOR, ",")
    rows: list[Sequence[Any]] = [line.split(FIELD_SEPARATOR) for line in lines]
    # Every kind's first column is its id, a number: the split always finds it.
    ambiguous = [int(row[0]) for row in rows if len(row) != width]
    if ambiguous:
        again = {row[0]: row for row in _export_rows(tx, kind, ambiguous)}
        rows = [row if len(row) == width else again[int(row[0])] for row in rows]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def _export_rows(tx: Tx, kind: str, ids: list[int]) -> list[tuple[Any, ...]]:
    """The ``export_batches`` rows of ``kind`` with these ids."""
    placeholders = ", ".join("?" for _ in ids)
    return tx.rows(
        f"SELECT {_export_select(tx.dialect, kind)} FROM {_TABLES[kind]} c"
        f" WHERE c.id IN ({placeholders})",
        ids,
    )


def _export_select(dialect: str, kind: str) -> str:
    values = _export_values(dialect, kind)
    return ", ".join(f'{value} AS "{name}"' for name, value in values.items())


def _export_values(dialect: str, kind: str) -> dict[str, str]:
    """The SQL expression of each of ``EXPORT_COLUMNS[kind]``, instants as text."""
    values = {}
    for name in EXPORT_COLUMNS[kind]:
        if name == "tags":
            values[name] = _tags_text(dialect)
        elif name in _EXPORT_COMPUTED:
            values[name] = _EXPORT_COMPUTED[name]
        elif name in _EXPORT_INSTANTS[kind]:
            values[name] = _iso_utc(dialect, f"c.{name}")
        else:
            values[name] = f'c."{name}"'
    return values


def _export_sql(kind: str, since: int | None, columns: str) -> tuple[str, tuple[Any, ...]]:
    where, params = ("1 = 1", ()) if since is None else (f"c.{_EXPORT_SINCE[kind]} >= ?", (since,))
    return f"SELECT {columns} FROM {_TABLES[kind]} c WHERE {where} ORDER BY c.id", params


# -- SQL pieces ---------------------------------------------------------------------


def _cohort(scope: Scope) -> tuple[str, list[Any]]:
    where, params = _filters(scope)
    return f"c.created_at >= ? AND c.created_at < ? AND {where}", [scope.start, scope.end, *params]


def _filters(scope: Scope) -> tuple[str, list[Any]]:
    clauses = ["1 = 1"]
    params: list[Any] = []
    for column, values in (("c.mailbox", scope.mailboxes), ("c.channel", scope.channels)):
        if values:
            clauses.append(f"{column} IN ({', '.join('?' for _ in values)})")
            params += values
    for tag in scope.tags:
        clauses.append(
            "EXISTS (SELECT 1 FROM conversation_tag ft WHERE ft.conversation_id = c.id"
            " AND ft.tag = ?)"
        )
        params.append(tag)
    return " AND ".join(clauses), params


def _join(group: GroupBy) -> str:
    return _TAG_JOIN if group.dimension == "tag" else ""


def _conversation_join(scope: Scope, group: GroupBy, alias: str) -> str:
    """Join the conversations of rows ``alias`` (events, messages) when the filters or
    the groups need them: half a million lookups a year are worth skipping."""
    if not (scope.mailboxes or scope.channels or scope.tags) and group.dimension in (
        "none",
        "time",
    ):
        return ""
    return f" JOIN conversation c ON c.id = {alias}.conversation_id{_join(group)}"


def _key(scope: Scope, group: GroupBy, instant: str) -> str:
    """The SQL expression of a row's group (a bucket index for time)."""
    if group.dimension == "none":
        return "0"
    if group.dimension == "tag":
        return "gt.tag"
    if group.dimension != "time":
        return _CONVERSATION_COLUMNS[group.dimension]
    day = f"({_local_seconds(scope, instant)} / {_SECONDS_PER_DAY})"
    first = group.starts[0]
    if group.unit == "day":
        return f"({day} - {first})"
    if group.unit == "week":
        shift = group.week_shift
        return f"(({day} + {shift}) / 7 - {(first + shift) // 7})"
    steps = " ".join(f"WHEN {day} < {start} THEN {i}" for i, start in enumerate(group.starts[1:]))
    return f"(CASE {steps} ELSE {len(group.starts) - 1} END)" if steps else "0"


def _local_seconds(scope: Scope, instant: str) -> str:
    """``instant`` plus the reports' zone's UTC offset at it."""
    *earlier, last = scope.offsets
    if not earlier:
        return f"({instant} + {int(last)})"
    steps = " ".join(
        f"WHEN {instant} < {int(change)} THEN {int(offset)}"
        for change, offset in zip(scope.changes, earlier, strict=True)
    )
    return f"({instant} + CASE {steps} ELSE {int(last)} END)"


def _tags_text(dialect: str) -> str:
    if dialect == "postgresql":
        return (
            "(SELECT string_agg(t.tag, ' ' ORDER BY t.tag) FROM conversation_tag t"
            " WHERE t.conversation_id = c.id)"
        )
    return (
        "(SELECT group_concat(tag, ' ') FROM (SELECT t.tag FROM conversation_tag t"
        " WHERE t.conversation_id = c.id ORDER BY t.tag))"
    )


def _iso_utc(dialect: str, column: str) -> str:
    """``column`` (epoch seconds) as ``2026-03-19 13:30:00Z``: RFC 3339 allows the space,
    spreadsheets read it, and it is what both databases write fastest (SQLite's
    ``strftime()`` with a ``T`` takes ten times longer, PostgreSQL's ``to_char()`` twice;
    a timestamp's text is this in the ISO ``DateStyle`` that psycopg needs anyway)."""
    if dialect == "postgresql":
        return f"(to_timestamp({column}) AT TIME ZONE 'UTC')::text || 'Z'"
    return f"datetime({column}, 'unixepoch') || 'Z'"


def _joined(values: Iterable[str], separator: str) -> str:
    """The texts of ``values`` with ``separator`` between them, a NULL as nothing (as
    csv.writer writes None)."""
    values = list(values)
    return f"format('{separator.join('%s' for _ in values)}', {', '.join(values)})"
