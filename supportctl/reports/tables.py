"""What each ``report`` command shows, as render tables built from one ``ReportData``.

Durations are ``timedelta`` (tables show ``1d 2h 5m``, machine formats seconds); the
first column is the group: ``period`` without ``--by``, else its name (``week``,
``agent``...).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from supportctl.render import Sections, Table
from supportctl.reports.metrics import (
    DURATIONS,
    SLA_CLOCKS,
    STAT_FIELDS,
    VOLUME_FIELDS,
    GroupFigures,
    ReportData,
    Stats,
)
from supportctl.reports.periods import WEEK_STARTS
from supportctl.store.reports import LIST_COLUMNS

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HOURS = tuple(f"{hour:02d}" for hour in range(24))
SLA_FIELDS = ("conversations", "met", "breached", "running", "met_pct")
OVERVIEW_FIELDS = (
    "created",
    "resolved",
    "backlog",
    "messages_out",
    "first_response_median",
    "first_response_p90",
    "resolution_median",
    "first_response_met_pct",
    "resolution_met_pct",
)
_LIST_SECONDS = (
    "first_response_seconds",
    "first_response_business",
    "resolution_seconds",
    "resolution_business",
)
_LIST_FLAGS = ("created_in_period", "open_at_end")


def group_column(data: ReportData) -> str:
    return data.by or "period"


def volume_table(data: ReportData) -> Table:
    """One row per group: created, resolved, reopened, backlog, messages in and out."""
    column = group_column(data)
    rows = [
        {column: group.group, **{name: getattr(group.volume, name) for name in VOLUME_FIELDS}}
        for group in data.groups
    ]
    return Table((column, *VOLUME_FIELDS), rows)


def response_table(data: ReportData) -> Table:
    """One row per group and metric: count, median, p90, mean."""
    column = group_column(data)
    rows = [
        {column: group.group, "metric": metric, **_stat_values(metric, stats)}
        for group in data.groups
        for metric, stats in group.stats.items()
    ]
    return Table((column, "metric", *STAT_FIELDS), rows)


def sla_table(data: ReportData) -> Table:
    """One row per group and SLA clock: conversations with the target, met, breached,
    running and the share met."""
    column = group_column(data)
    rows = [
        {
            column: group.group,
            "clock": clock,
            **{name: getattr(group.sla[clock], name) for name in SLA_FIELDS},
        }
        for group in data.groups
        for clock in SLA_CLOCKS
    ]
    return Table((column, "clock", *SLA_FIELDS), rows)


def summary_sections(data: ReportData) -> Sections:
    return Sections(
        {"volume": volume_table(data), "response": response_table(data), "sla": sla_table(data)}
    )


def overview_table(data: ReportData) -> Table:
    """One row per agent or tag with the headline figures of each kind."""
    column = group_column(data)
    return Table((column, *OVERVIEW_FIELDS), [_overview(column, group) for group in data.groups])


def busiest_table(data: ReportData) -> Table:
    """One row per weekday (the team's week order), one column per local hour."""
    first = WEEK_STARTS[data.week_start]
    rows = []
    for day in ((first + step) % 7 for step in range(7)):
        counts = {HOURS[hour]: data.busiest.get((day, hour), 0) for hour in range(24)}
        rows.append({"weekday": WEEKDAYS[day], **counts, "total": sum(counts.values())})
    return Table(("weekday", *HOURS, "total"), rows)


def list_table(rows: Iterable[Mapping[str, Any]]) -> Table:
    """The conversations behind a report (``--list``), streamed."""
    return Table(LIST_COLUMNS, _listed(rows))


def _listed(rows: Iterable[Mapping[str, Any]]) -> Iterator[dict[str, Any]]:
    for row in rows:
        shown = dict(row)
        shown["created_at"] = datetime.fromtimestamp(row["created_at"], UTC)
        for name in _LIST_SECONDS:
            shown[name] = _span(row[name])
        for name in _LIST_FLAGS:
            shown[name] = bool(row[name])
        yield shown


def _overview(column: str, group: GroupFigures) -> dict[str, Any]:
    volume, first_response, resolution = (
        group.volume,
        _stats(group, "first_response"),
        _stats(group, "resolution"),
    )
    return {
        column: group.group,
        "created": volume.created,
        "resolved": volume.resolved,
        "backlog": volume.backlog,
        "messages_out": volume.messages_out,
        "first_response_median": _span(first_response.median),
        "first_response_p90": _span(first_response.p90),
        "resolution_median": _span(resolution.median),
        "first_response_met_pct": group.sla["first_response"].met_pct,
        "resolution_met_pct": group.sla["resolution"].met_pct,
    }


def _stats(group: GroupFigures, metric: str) -> Stats:
    return group.stats.get(metric, Stats())


def _stat_values(metric: str, stats: Stats) -> dict[str, Any]:
    values = {"median": stats.median, "p90": stats.p90, "mean": stats.mean}
    if metric in DURATIONS:
        shown: dict[str, Any] = {name: _span(value) for name, value in values.items()}
    else:
        shown = {name: _round(value) for name, value in values.items()}
    return {"count": stats.count, **shown}


def _span(seconds: float | None) -> timedelta | None:
    return None if seconds is None else timedelta(seconds=round(seconds))


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
