"""The report figures of a generated store against the same figures worked out again in
plain Python over the raw rows: pytz for local time, the status history replayed event
by event, ``statistics`` for percentiles, and business time from the calendars (not the
stored columns). Nothing of ``supportctl.reports`` or ``supportctl.store.reports`` is used
on this side."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
import pytz

from benchmarks.make_report_store import NOW, SMALL, example_config, fill
from supportctl.config.model import Config, Reports
from supportctl.reports.build import ReportRequest, build_report
from supportctl.reports.metrics import GroupFigures
from supportctl.store import open_store
from supportctl.store.database import Store
from supportctl.store.sla import refresh_sla
from supportctl.timekit.business import business_between
from supportctl.timekit.sla import SlaPolicies

WEEKDAY_OF = {"mon": 0, "sat": 5, "sun": 6}


@dataclass
class Raw:
    """Every row a report reads, as plain Python."""

    conversations: dict[int, dict[str, Any]]
    tags: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    messages: list[dict[str, Any]] = field(default_factory=list)
    events: dict[int, list[tuple[int, int, str, str]]] = field(
        default_factory=lambda: defaultdict(list)
    )


def read_raw(store: Store) -> Raw:
    raw = Raw({row["id"]: row for row in store.query("SELECT * FROM conversation")})
    for row in store.query("SELECT conversation_id, tag FROM conversation_tag"):
        raw.tags[row["conversation_id"]].add(row["tag"])
    raw.messages = store.query(
        "SELECT conversation_id, message_id, direction, received_at FROM message"
    )
    for row in store.query(
        "SELECT conversation_id, at, id, old_value, new_value FROM event WHERE kind = 'status'"
    ):
        raw.events[row["conversation_id"]].append(
            (row["at"], row["id"], row["old_value"], row["new_value"])
        )
    for history in raw.events.values():
        history.sort()
    return raw


def midnight(zone: Any, day: date) -> int:
    return int(zone.localize(datetime.combine(day, time()), is_dst=None).timestamp())


def local(zone: Any, epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC).astimezone(zone)


def status_at(raw: Raw, number: int, instant: int) -> str:
    history = raw.events.get(number, [])
    status = history[0][2] if history else raw.conversations[number]["status"]
    for at, _, _, new in history:
        if at < instant:
            status = new
    return status


def born_closed(raw: Raw, number: int) -> bool:
    history = raw.events.get(number, [])
    first = history[0][2] if history else raw.conversations[number]["status"]
    return first == "closed"


def stats(values: list[float]) -> tuple[int, float | None, float | None, float | None]:
    if not values:
        return (0, None, None, None)
    p90 = (
        values[0] if len(values) == 1 else statistics.quantiles(values, n=10, method="inclusive")[8]
    )
    return (len(values), statistics.median(values), p90, statistics.fmean(values))


def expected(
    raw: Raw, config: Config, start: int, end: int, keep: Any, group_of: Any
) -> dict[Any, dict[str, Any]]:
    """Every figure per group: ``keep`` filters conversations, ``group_of(number, at)``
    gives the groups of a conversation for an instant (created or event time)."""
    policies = SlaPolicies.from_config(config)
    zone = pytz.timezone(config.reports.timezone if config.reports else config.timezone)
    figures: dict[Any, dict[str, Any]] = defaultdict(lambda: defaultdict(int))
    values: dict[Any, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    replies: dict[int, set[str]] = defaultdict(set)
    for message in raw.messages:
        if message["direction"] == "outbound":
            replies[message["conversation_id"]].add(message["message_id"])
    for number, row in raw.conversations.items():
        if not keep(number):
            continue
        for at, _, old, new in raw.events.get(number, []):
            if start <= at < end:
                for group in group_of(number, at):
                    figures[group]["resolved"] += old != "closed" and new == "closed"
                    figures[group]["reopened"] += old == "closed" and new != "closed"
        created = row["created_at"]
        if created < end and status_at(raw, number, end) != "closed":
            for group in group_of(number, end - 1):
                figures[group]["backlog"] += 1
        if not start <= created < end:
            continue
        calendar = (
            policies.calendar(policies.named(row["sla_policy"])) if row["sla_policy"] else None
        )
        for group in group_of(number, created):
            figure, value = figures[group], values[group]
            figure["created"] += 1
            figure["resolved"] += born_closed(raw, number)
            for clock in ("first_response", "resolution"):
                state = row[f"{clock}_breached"]
                figure[f"{clock}_met"] += state == 0
                figure[f"{clock}_breached"] += state == 1
                figure[f"{clock}_running"] += row[f"{clock}_due"] is not None and state is None
            value["replies"].append(len(replies[number]))
            done = {
                "first_response": row["first_response_at"],
                "resolution": row["resolved_at"] if row["status"] == "closed" else None,
            }
            for metric, at in done.items():
                if at is None:
                    continue
                value[metric].append(at - created)
                if calendar is not None:
                    seconds = business_between(
                        calendar, *(datetime.fromtimestamp(t, UTC) for t in (created, at))
                    )
                    value[f"{metric}_business"].append(seconds.total_seconds())
    seen: dict[tuple[int, str, str], int] = {}
    for message in raw.messages:
        key = (message["conversation_id"], message["message_id"], message["direction"])
        if start <= message["received_at"] < end and keep(message["conversation_id"]):
            seen[key] = min(seen.get(key, message["received_at"]), message["received_at"])
    busiest: dict[tuple[int, int], int] = defaultdict(int)
    for (number, _, direction), at in seen.items():
        for group in group_of(number, at):
            figures[group][f"messages_{'in' if direction == 'inbound' else 'out'}"] += 1
        if direction == "inbound":
            moment = local(zone, at)
            busiest[moment.weekday(), moment.hour] += 1
    for group, metrics in values.items():
        for metric, numbers in metrics.items():
            figures[group][metric] = stats(sorted(numbers))
    figures["busiest"] = dict(busiest)
    return figures


def actual(group: GroupFigures) -> dict[str, Any]:
    volume = group.volume
    figure: dict[str, Any] = {
        name: getattr(volume, name)
        for name in ("created", "resolved", "reopened", "backlog", "messages_in", "messages_out")
    }
    for clock, compliance in group.sla.items():
        figure.update(
            {
                f"{clock}_met": compliance.met,
                f"{clock}_breached": compliance.breached,
                f"{clock}_running": compliance.running,
            }
        )
    for metric, values in group.stats.items():
        if values.count:
            figure[metric] = (values.count, values.median, values.p90, values.mean)
    return figure


def flat(figures: dict[Any, dict[str, Any]]) -> dict[tuple[Any, ...], float]:
    """``{(group, figure, index): number}`` without the zeros, which one side may omit."""
    numbers: dict[tuple[Any, ...], float] = {}
    for group, figure in figures.items():
        for name, value in figure.items():
            for index, number in enumerate(value if isinstance(value, tuple) else (value,)):
                if number:
                    numbers[group, name, index] = number
    return numbers


@pytest.fixture
def generated(store_url: str) -> tuple[Store, Config, Raw]:
    config = example_config(store_url)
    store = open_store(store_url)
    fill(store, *SMALL, seed=7)
    assert refresh_sla(config, store, now=NOW, everything=True).errors == 0
    try:
        yield store, config, read_raw(store)
    finally:
        store.close()


CASES = [
    ("Asia/Riyadh", ReportRequest(period="2025", busiest=True), "none"),
    ("Asia/Riyadh", ReportRequest(period="2025-Q2", by="week"), "week"),
    ("Europe/London", ReportRequest(period="2025-10", by="day", busiest=True), "day"),
    ("Europe/London", ReportRequest(since="2025-03-20", until="2025-04-10", by="week"), "week"),
    ("Asia/Riyadh", ReportRequest(period="2026", by="tag"), "tag"),
    ("Asia/Riyadh", ReportRequest(period="2026", by="agent"), "agent"),
    (
        "Asia/Riyadh",
        ReportRequest(period="2026-05", mailboxes=("support",), tags=("refund",)),
        "none",
    ),
]


def test_figures_agree_with_plain_python(generated: tuple[Store, Config, Raw]) -> None:
    store, config, raw = generated
    for zone, request_, grouping in CASES:
        check_case(store, replace(config, reports=Reports(zone, "sun")), raw, request_, grouping)


def check_case(
    store: Store, config: Config, raw: Raw, request_: ReportRequest, grouping: str
) -> None:
    """One report of ``store`` against the plain-Python figures of ``raw``."""
    assert config.reports is not None
    zone = config.reports.timezone
    data = build_report(store, config, request_, now=NOW)
    tz = pytz.timezone(zone)
    start, end = data.period.start, data.period.end
    assert (start, end) == (midnight(tz, data.period.first_day), midnight(tz, data.period.end_day))

    def keep(number: int) -> bool:
        row = raw.conversations[number]
        mailboxes, tags = request_.mailboxes, request_.tags
        return (not mailboxes or row["mailbox"] in mailboxes) and set(tags) <= raw.tags[number]

    def group_of(number: int, at: int) -> list[Any]:
        if grouping == "none":
            return [data.period.label]
        if grouping == "tag":
            return sorted(raw.tags[number]) or [None]
        if grouping == "agent":
            return [raw.conversations[number]["assignee"]]
        day = local(tz, at).date()
        if grouping == "week":
            week = day - timedelta(days=(day.weekday() - WEEKDAY_OF["sun"]) % 7)
            day = max(week, data.period.first_day)
        return [day.isoformat()]

    wanted = expected(raw, config, start, end, keep, group_of)
    busiest = wanted.pop("busiest")
    if grouping in ("day", "week"):  # backlog: open at the end of each step
        firsts = [date.fromisoformat(group.group or "") for group in data.groups]
        for group, following in zip(data.groups, [*firsts[1:], data.period.end_day], strict=True):
            step_end = midnight(tz, following)
            wanted[group.group]["backlog"] = sum(
                keep(number)
                and row["created_at"] < step_end
                and status_at(raw, number, step_end) != "closed"
                for number, row in raw.conversations.items()
            )
    got = {group.group: actual(group) for group in data.groups}
    assert flat(got) == pytest.approx(flat(wanted)), (zone, request_)
    if request_.busiest:
        assert data.busiest == busiest, (zone, request_)
