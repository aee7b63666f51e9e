"""``build_report``: a period's figures from the store, aggregated in SQL.

>>> from supportctl.store import open_store
>>> with open_store("sqlite:///var/lib/supportctl/support.db") as store:  # doctest: +SKIP
...     data = build_report(store, config, ReportRequest(period="2026-11", by="week"), now=now)
>>> data.groups[0].stats["first_response"].median  # doctest: +SKIP
5400.0
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from supportctl.config.model import Config, Reports
from supportctl.errors import UsageError
from supportctl.reports import periods
from supportctl.reports.metrics import (
    DISTRIBUTION_METRICS,
    DURATIONS,
    HISTOGRAM_LIMITS,
    SLA_CLOCKS,
    Compliance,
    GroupFigures,
    ReportData,
    Stats,
    Volume,
)
from supportctl.store import reports as queries
from supportctl.store.database import Row, Store, Tx

TIME_UNITS = periods.UNITS
DIMENSIONS = ("agent", "tag", "mailbox", "channel")
BY_CHOICES = (*TIME_UNITS, *DIMENSIONS)


@dataclass(frozen=True)
class ReportRequest:
    """What a ``report`` command asks for (text as given on the command line)."""

    period: str | None = None
    since: str | None = None
    until: str | None = None
    last: str | None = None
    by: str | None = None
    mailboxes: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    busiest: bool = False  # also the weekday × hour counts
    histograms: bool = False  # also the response-time distribution bins


@dataclass(frozen=True)
class ReportFrame:
    """Where a request's figures come from: the period, its buckets and the SQL scope."""

    period: periods.Period
    timezone: str
    scope: queries.Scope
    group: queries.GroupBy
    buckets: list[periods.Bucket]
    settings: Reports


def report_settings(config: Config) -> Reports:
    return config.reports or Reports(timezone=config.timezone)


def resolve(config: Config, request: ReportRequest, now: datetime) -> periods.Period:
    """The period ``request`` names, in the reports' zone."""
    settings = report_settings(config)
    return periods.resolve_period(
        periods.LocalClock(settings.timezone),
        now=now,
        period=request.period,
        since=request.since,
        until=request.until,
        last=request.last,
        week_start=settings.week_start,
    )


def default_unit(config: Config, request: ReportRequest, now: datetime) -> str:
    """The time step that shows a period's course: days for a month or less, weeks for
    a quarter or less, months up to two years, else quarters."""
    period = resolve(config, request, now)
    days = (period.end_day - period.first_day).days
    for unit, longest in (("day", 31), ("week", 92), ("month", 731)):
        if days <= longest:
            return unit
    return "quarter"


def frame(config: Config, request: ReportRequest, now: datetime) -> ReportFrame:
    """The period, buckets and SQL scope of ``request`` (UsageError names a bad option)."""
    settings = report_settings(config)
    clock = periods.LocalClock(settings.timezone)
    period = resolve(config, request, now)
    changes, offsets = clock.offsets(period.start - 86_400, period.end + 86_400)
    scope = queries.Scope(
        period.start,
        period.end,
        changes,
        offsets,
        request.mailboxes,
        request.channels,
        request.tags,
    )
    by = request.by or ""
    if by and by not in BY_CHOICES:
        raise UsageError(f"cannot group by {by!r}", hint=f"use one of: {', '.join(BY_CHOICES)}")
    buckets = (
        periods.time_buckets(clock, period, by, settings.week_start) if by in TIME_UNITS else []
    )
    return ReportFrame(
        period, settings.timezone, scope, _group_by(by, buckets, settings), buckets, settings
    )


def build_report(
    store: Store, config: Config, request: ReportRequest, *, now: datetime
) -> ReportData:
    """Every figure of ``request``'s period, per group (see ``metrics`` for meanings)."""
    where = frame(config, request, now)
    scope, group = where.scope, where.group
    metrics = DISTRIBUTION_METRICS if where.settings.business_time else _wall_clock_only()
    with store.transaction(readonly=True) as tx:
        cohort = _by_group(queries.cohort_counts(tx, scope, group))
        changes = _by_group(queries.transitions(tx, scope, group))
        messages = _by_group(queries.message_counts(tx, scope, group))
        stats = _stats_by_group(queries.cohort_distributions(tx, scope, group, metrics))
        backlog = _backlog(tx, where, cohort, changes)
        busiest = _busiest(tx, scope) if request.busiest else {}
        histograms = _histograms(tx, scope, metrics) if request.histograms else {}
    keys = _group_keys(where, cohort, changes, messages, backlog)
    groups = [
        GroupFigures(
            group=_label(where, key),
            volume=Volume(
                created=_count(cohort, key, "created"),
                resolved=_count(changes, key, "closed") + _count(cohort, key, "born_closed"),
                reopened=_count(changes, key, "reopened"),
                backlog=backlog.get(key, 0),
                messages_in=_count(messages, key, "messages_in"),
                messages_out=_count(messages, key, "messages_out"),
            ),
            stats={metric: stats.get((metric, key), Stats()) for metric in metrics},
            sla={clock: _compliance(cohort.get(key), clock) for clock in SLA_CLOCKS},
        )
        for key in keys
    ]
    return ReportData(
        where.period,
        where.timezone,
        request.by or "",
        groups,
        where.settings.business_time,
        where.settings.week_start,
        busiest,
        histograms,
    )


def store_is_empty(store: Store) -> bool:
    """Whether ``store`` holds no conversation at all: every report of it is zeros, which
    says nothing about the team until a sync has filled it."""
    with store.transaction(readonly=True) as tx:
        return not queries.holds_conversations(tx)


def conversations_behind(
    store: Store,
    config: Config,
    request: ReportRequest,
    *,
    now: datetime,
    involved: bool = False,
    breached: bool = False,
) -> Iterator[Row]:
    """The conversations a report's figures are made of (``--list``), streamed; see
    ``supportctl.store.reports.conversation_rows``."""
    scope = frame(config, request, now).scope
    return queries.conversation_rows(store, scope, involved=involved, breached=breached)


def _wall_clock_only() -> tuple[str, ...]:
    return tuple(metric for metric in DISTRIBUTION_METRICS if not metric.endswith("_business"))


def _group_by(by: str, buckets: list[periods.Bucket], settings: Reports) -> queries.GroupBy:
    if not by:
        return queries.NO_GROUPS
    if by not in TIME_UNITS:
        return queries.GroupBy(dimension=by)
    # Day 0 (1970-01-01) was a Thursday (weekday 3): shift so that weeks start on time.
    shift = (3 - periods.WEEK_STARTS[settings.week_start]) % 7
    starts = tuple(periods.day_number(bucket.first_day) for bucket in buckets)
    return queries.GroupBy("time", by, starts, shift)


def _by_group(rows: list[Row]) -> dict[Any, Row]:
    return {row["grp"]: row for row in rows}


def _stats_by_group(rows: list[Row]) -> dict[tuple[str, Any], Stats]:
    return {
        (row["metric"], row["grp"]): Stats(
            count=row["n"],
            median=_number(row["median"]),
            p90=_number(row["p90"]),
            mean=_number(row["mean"]),
        )
        for row in rows
    }


def _backlog(
    tx: Tx, where: ReportFrame, cohort: dict[Any, Row], changes: dict[Any, Row]
) -> dict[Any, int]:
    """Open conversations at the end of each group: per time bucket, walked back from the
    period's end by each bucket's created − resolved + reopened."""
    scope = where.scope
    if where.group.dimension != "time":
        return {
            row["grp"]: row["backlog"] for row in queries.backlog(tx, scope, where.group, scope.end)
        }
    rows = queries.backlog(tx, scope, queries.NO_GROUPS, scope.end)
    running = rows[0]["backlog"] if rows else 0
    backlog: dict[Any, int] = {}
    for key in reversed(range(len(where.buckets))):
        backlog[key] = running
        running -= (
            _count(cohort, key, "created")
            - _count(changes, key, "closed")
            - _count(cohort, key, "born_closed")
            + _count(changes, key, "reopened")
        )
    return backlog


def _busiest(tx: Tx, scope: queries.Scope) -> dict[tuple[int, int], int]:
    return {
        (row["weekday"], row["hour"]): row["messages"] for row in queries.busiest_hours(tx, scope)
    }


def _histograms(tx: Tx, scope: queries.Scope, metrics: tuple[str, ...]) -> dict[str, list[int]]:
    histograms = {}
    for metric in (m for m in DURATIONS if m in metrics):
        bins = [0] * (len(HISTOGRAM_LIMITS) + 1)
        for row in queries.histogram(tx, scope, metric, HISTOGRAM_LIMITS):
            bins[row["bin"]] = row["n"]
        histograms[metric] = bins
    return histograms


def _group_keys(where: ReportFrame, *sources: dict[Any, Any]) -> list[Any]:
    if where.group.dimension == "time":
        return list(range(len(where.buckets)))
    if where.group.dimension == "none":
        return [0]
    keys = {key for source in sources for key in source}
    return sorted(keys, key=lambda key: (key is None, str(key)))


def _label(where: ReportFrame, key: Any) -> str | None:
    if where.group.dimension == "time":
        return where.buckets[key].label
    if where.group.dimension == "none":
        return where.period.label
    return None if key is None else str(key)


def _count(rows: dict[Any, Row], key: Any, column: str) -> int:
    row = rows.get(key)
    return int(row[column] or 0) if row else 0


def _compliance(row: Row | None, clock: str) -> Compliance:
    if row is None:
        return Compliance()
    return Compliance(
        met=int(row[f"{clock}_met"] or 0),
        breached=int(row[f"{clock}_breached"] or 0),
        running=int(row[f"{clock}_running"] or 0),
    )


def _number(value: Any) -> float | None:
    return None if value is None else float(value)
