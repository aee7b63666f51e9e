"""Conversations' SLA columns: worked out from the config's policies and written back.

The columns are ``sla_policy``, ``first_response_due``, ``resolution_due`` (epoch
seconds) and ``first_response_breached``, ``resolution_breached`` (1, 0, or NULL while
the clock runs); ``supportctl.timekit.sla`` has the rules. Beside them, for reports,
``first_response_business`` and ``resolution_business`` (``supportctl.reports.times``).

They are derived state: recomputable at any time from the conversation, its tags, the
config and the clock. So recomputing them writes no events (an event records what an
actor did; a breach happens at the due time, which is already stored, and a config
change would otherwise add an event to every conversation).

Who keeps them current:

- every writer that changes what an SLA depends on (channel, mailbox, priority, tags,
  status, created_at, last_inbound_at, first_response_at, resolved_at) calls
  ``refresh_conversations`` on those conversations in the same transaction (sync does
  after each batch);
- ``refresh_sla`` (``supportctl sla refresh``) does the rest. Time passing decides
  running clocks; a change of policies, calendars, holiday or time-zone data changes
  due times everywhere. The store keeps a fingerprint of the latter (``state`` table)
  from the last full refresh: when it differs, or with ``everything``, every
  conversation is recomputed; otherwise only those that can have changed with time
  alone — a clock past its due time and still undecided — plus those with a customer
  message but no policy (never computed, or matched by none).

Each batch is read and written in one transaction. An UPDATE only lands if the facts it
was computed from are unchanged, so a writer committing in between (PostgreSQL does not
serialise the two transactions as SQLite does) is not overwritten with stale state: its
own refresh stands. Tags are not re-checked there.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from supportctl.config.model import Config
from supportctl.errors import ConfigError, ExitStatus
from supportctl.reports.times import business_times
from supportctl.store.database import Row, Store, Tx
from supportctl.timekit.sla import ConversationFacts, SlaPolicies, SlaState, SlaSubject

REFRESH_COLUMNS = (
    "scope",
    "examined",
    "changed",
    "newly_breached",
    "running",
    "no_sla",
    "errors",
    "seconds",
)
FINGERPRINT_KEY = "sla.fingerprint"
BATCH_SIZE = 1000
_BEFORE_EVERY_ID = -(2**63)  # the smallest BIGINT: the keyset's start
MAX_PROBLEMS = 5  # distinct error messages kept for the report

_REQUIRED_FACTS = ("mailbox", "channel", "priority", "status", "created_at")
_OPTIONAL_FACTS = ("last_inbound_at", "first_response_at", "resolved_at")
_FACT_COLUMNS = _REQUIRED_FACTS + _OPTIONAL_FACTS
SLA_COLUMNS = (
    "sla_policy",
    "first_response_due",
    "resolution_due",
    "first_response_breached",
    "resolution_breached",
)
# Reports' business-time columns, derived from the same facts on the same calendar.
REPORT_TIME_COLUMNS = ("first_response_business", "resolution_business")
_DERIVED_COLUMNS = SLA_COLUMNS + REPORT_TIME_COLUMNS
_SELECT = f"SELECT id, {', '.join(_FACT_COLUMNS + _DERIVED_COLUMNS)} FROM conversation"
# COALESCE makes the comparison NULL-safe on both databases; no instant is -1.
_UPDATE = (
    f"UPDATE conversation SET {', '.join(f'{c} = ?' for c in _DERIVED_COLUMNS)} WHERE id = ?"
    + "".join(f" AND {column} = ?" for column in _REQUIRED_FACTS)
    + "".join(f" AND COALESCE({column}, -1) = COALESCE(?, -1)" for column in _OPTIONAL_FACTS)
)
# What time alone can change, and what was never worked out.
_MAY_HAVE_CHANGED = (
    "(sla_policy IS NULL AND last_inbound_at IS NOT NULL"
    " OR first_response_breached IS NULL AND first_response_due < ?"
    " OR resolution_breached IS NULL AND resolution_due < ?)"
)


@dataclass
class SlaRefreshReport:
    """What a refresh did (also what ``dry_run`` would do).

    ``scope``: ``all`` (every conversation), ``overdue`` (see the module docstring) or
    ``listed`` (the conversations a caller named). ``newly_breached``: conversations a
    clock of which turned breached; ``running``: those with a clock still running;
    ``errors``: those whose due times could not be worked out (left unchanged;
    ``problems`` says why).
    """

    scope: str
    examined: int = 0
    changed: int = 0
    newly_breached: int = 0
    running: int = 0
    no_sla: int = 0
    errors: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def exit_status(self) -> ExitStatus:
        if not self.errors:
            return ExitStatus.OK
        return ExitStatus.FAILED if self.errors == self.examined else ExitStatus.PARTIAL

    def add_problem(self, message: str) -> None:
        self.errors += 1
        if message not in self.problems and len(self.problems) < MAX_PROBLEMS:
            self.problems.append(message)


def refresh_sla(
    config: Config,
    store: Store,
    *,
    now: datetime,
    everything: bool = False,
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
) -> SlaRefreshReport:
    """Recompute the SLA columns that may be stale, ``batch_size`` conversations per
    transaction; all of them when ``everything`` or when the SLA config changed since
    the last full refresh.

    ``dry_run`` writes nothing and reports the same counts.
    """
    started = time.monotonic()
    policies = SlaPolicies.from_config(config)
    with store.transaction(readonly=True) as tx:
        stored = tx.scalar("SELECT value FROM state WHERE key = ?", (FINGERPRINT_KEY,))
    whole = everything or stored != policies.fingerprint
    report = SlaRefreshReport(scope="all" if whole else "overdue")
    cutoff = _epoch(now)
    condition, params = ("", ()) if whole else (f" AND {_MAY_HAVE_CHANGED}", (cutoff, cutoff))
    last_id = _BEFORE_EVERY_ID
    while True:
        with store.transaction(readonly=dry_run) as tx:
            rows = tx.query(
                f"{_SELECT} WHERE id > ?{condition} ORDER BY id LIMIT ?",
                (last_id, *params, batch_size),
            )
            _refresh_rows(tx, policies, rows, now, report, dry_run)
        if len(rows) < batch_size:
            break
        last_id = rows[-1]["id"]
    if whole and not dry_run:
        with store.transaction() as tx:
            tx.execute(
                "INSERT INTO state (key, value) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (FINGERPRINT_KEY, policies.fingerprint),
            )
    report.seconds = round(time.monotonic() - started, 3)
    return report


def refresh_conversations(
    tx: Tx,
    policies: SlaPolicies,
    conversation_ids: Iterable[int],
    now: datetime,
    *,
    dry_run: bool = False,
) -> SlaRefreshReport:
    """Recompute the SLA columns of ``conversation_ids`` inside the caller's transaction.

    For writers that change what an SLA depends on (sync, after each batch): build one
    ``SlaPolicies`` per run and pass it to every call.
    """
    report = SlaRefreshReport(scope="listed")
    ids = sorted(set(conversation_ids))
    for start in range(0, len(ids), BATCH_SIZE):
        chunk = ids[start : start + BATCH_SIZE]
        rows = tx.query(f"{_SELECT} WHERE id IN ({_marks(chunk)}) ORDER BY id", chunk)
        _refresh_rows(tx, policies, rows, now, report, dry_run)
    return report


def _refresh_rows(
    tx: Tx,
    policies: SlaPolicies,
    rows: Sequence[Row],
    now: datetime,
    report: SlaRefreshReport,
    dry_run: bool,
) -> None:
    """Evaluate ``rows``, count what changes into ``report`` and, unless ``dry_run``,
    write the changed ones."""
    tags = _tags(tx, [row["id"] for row in rows])
    updates: list[tuple[Any, ...]] = []
    for row in rows:
        report.examined += 1
        try:
            facts = _facts(row, tags[row["id"]])
            state = policies.evaluate(facts, now)
            times = business_times(
                policies,
                state.sla_policy,
                row["created_at"],
                row["first_response_at"],
                _optional_epoch(facts.resolved_at),
            )
        except ConfigError as exc:  # e.g. a date outside the holiday data's years
            report.add_problem(f"conversation {row['id']}: {exc}")
            continue
        new = _columns(state) + times
        report.no_sla += state.sla_policy is None
        report.running += _running(state)
        if new == tuple(row[column] for column in _DERIVED_COLUMNS):
            continue
        report.changed += 1
        report.newly_breached += _newly_breached(row, state)
        updates.append((*new, row["id"], *(row[column] for column in _FACT_COLUMNS)))
    if updates and not dry_run:
        tx.executemany(_UPDATE, updates)


def _tags(tx: Tx, ids: list[int]) -> defaultdict[int, set[str]]:
    by_conversation: defaultdict[int, set[str]] = defaultdict(set)
    if ids:
        for row in tx.query(
            f"SELECT conversation_id, tag FROM conversation_tag"
            f" WHERE conversation_id IN ({_marks(ids)})",
            ids,
        ):
            by_conversation[row["conversation_id"]].add(row["tag"])
    return by_conversation


def _facts(row: Row, tags: set[str]) -> ConversationFacts:
    return ConversationFacts(
        subject=SlaSubject(row["channel"], row["mailbox"], row["priority"], frozenset(tags)),
        created_at=_instant(row["created_at"]),
        customer_wrote=row["last_inbound_at"] is not None,
        first_response_at=_optional_instant(row["first_response_at"]),
        resolved_at=_optional_instant(row["resolved_at"]) if row["status"] == "closed" else None,
    )


def _columns(state: SlaState) -> tuple[Any, ...]:
    return (
        state.sla_policy,
        _optional_epoch(state.first_response_due),
        _optional_epoch(state.resolution_due),
        _flag(state.first_response_breached),
        _flag(state.resolution_breached),
    )


def _running(state: SlaState) -> bool:
    return (state.first_response_due is not None and state.first_response_breached is None) or (
        state.resolution_due is not None and state.resolution_breached is None
    )


def _newly_breached(row: Row, state: SlaState) -> bool:
    clocks = (
        (state.first_response_breached, row["first_response_breached"]),
        (state.resolution_breached, row["resolution_breached"]),
    )
    return any(new is True and old != 1 for new, old in clocks)


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" for _ in values)


def _instant(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _optional_instant(epoch: int | None) -> datetime | None:
    return None if epoch is None else _instant(epoch)


def _epoch(instant: datetime) -> int:
    return int(instant.timestamp())


def _optional_epoch(instant: datetime | None) -> int | None:
    return None if instant is None else _epoch(instant)


def _flag(value: bool | None) -> int | None:
    return None if value is None else int(value)
