"""``assign auto`` and ``tag auto`` on SQLite and PostgreSQL: the plan applied, its
events, the round-robin pointer kept across runs, hand-on, escalation, fallback."""

from __future__ import annotations

import gc
import json
from datetime import timedelta
from pathlib import Path

import pytest

from supportctl.config.model import Config
from supportctl.errors import StoreError
from supportctl.store import open_store
from supportctl.store.database import Store
from supportctl.triage.auto import assign_auto, tag_auto
from tests.triage.seed import (
    NOW,
    add_conversation,
    add_event,
    at,
    column,
    events,
    load,
)


def plan_rows(report) -> list[tuple[int, str, str | None, str | None, str]]:
    return [(r.row.conversation, r.row.rule, r.row.old, r.row.new, r.outcome) for r in report.rows]


def test_one_run_then_the_next_goes_on_in_turn(store: Store, config: Config) -> None:
    # At NOW (Sunday 10:00 Riyadh) omar and alice are on duty, layla is on leave and
    # sara, on nights, is off shift.
    normal = add_conversation(store, created_at=at(-3))
    urgent = add_conversation(store, priority="urgent", created_at=at(-1))
    vip = add_conversation(store, tags=("vip",), created_at=at(-2))
    reopened = add_conversation(store, assignee="layla")
    add_event(store, reopened, at(-5), "someone", "assignee", None, "layla")
    add_event(store, reopened, at(-1), "sync", "status", "pending", "open")
    still_hers = add_conversation(store, assignee="layla")
    add_event(store, still_hers, at(-5), "sync", "status", "pending", "open")
    add_event(store, still_hers, at(-1), "someone", "assignee", None, "layla")
    due = add_conversation(store, assignee="alice", first_response_due=at(20 / 60))
    add_conversation(store, status="closed")

    dry = assign_auto(config, store, now=NOW, dry_run=True)
    assert {r.outcome for r in dry.rows} == {"would assign"}
    assert events(store, urgent) == []
    report = assign_auto(config, store, now=NOW)
    assert plan_rows(report) == [
        (due, "escalation", "alice", "omar", "assigned"),
        (urgent, "round_robin", None, "omar", "assigned"),
        (normal, "round_robin", None, "alice", "assigned"),
        (vip, "vip-desk", None, "alice", "assigned"),
        (reopened, "round_robin", "layla", "omar", "assigned"),
    ]
    assert [r.row for r in dry.rows] == [r.row for r in report.rows]
    assert column(store, still_hers, "assignee") == "layla"
    (escalation,) = store.query(
        "SELECT actor, reason FROM event WHERE conversation_id = ? AND kind = 'assignee'", (due,)
    )
    assert escalation == {
        "actor": "rule:escalation",
        "reason": "first response due 2026-01-11 07:20 UTC (in 20m); omar has the fewest open (0)",
    }
    assert events(store, reopened)[-1] == (
        reopened,
        "rule:round_robin",
        "assignee",
        "layla",
        "omar",
    )

    # The next run starts after the last agent served; nothing is assigned twice.
    later = add_conversation(store)
    assert plan_rows(assign_auto(config, store, now=NOW)) == [
        (later, "round_robin", None, "alice", "assigned")
    ]
    assert assign_auto(config, store, now=NOW).rows == []


def test_nobody_on_duty_goes_to_the_fallback_until_full(store: Store, config: Config) -> None:
    friday_noon = NOW - timedelta(days=2) + timedelta(hours=2)
    numbers = [add_conversation(store, created_at=at(-50) + i) for i in range(4)]
    rows = assign_auto(config, store, now=friday_noon).rows
    assert [(r.row.conversation, r.row.rule, r.row.new, r.outcome) for r in rows] == [
        (numbers[0], "fallback", "omar", "assigned"),
        (numbers[1], "fallback", "omar", "assigned"),
        (numbers[2], "fallback", "omar", "assigned"),
        (numbers[3], "round_robin", None, "waits"),
    ]
    # Friday: the Riyadh team's weekend, and the night desk has no Thursday-night tail
    # at noon. Layla's leave starts on Sunday.
    assert rows[0].row.reason == (
        "nobody available for round_robin (not a working day (Fri): omar, layla, alice, sara);"
        " fallback: omar has the fewest open (0)"
    )
    assert rows[3].row.reason == (
        "waits: nobody available (not a working day (Fri): omar, layla, alice, sara);"
        " fallback: at capacity (3 of 3 open): omar"
    )


def test_tag_auto_adds_tags_once_and_respects_the_hand(store: Store, config: Config) -> None:
    arabic_refund = add_conversation(
        store, messages=({"subject": "طلب استرداد", "language": "ar"},)
    )
    vip = add_conversation(store, messages=({"from_address": "ceo@big.com"},))
    untagged_by_hand = add_conversation(store, messages=({"subject": "Refund please"},))
    add_event(store, untagged_by_hand, at(-1), "layla", "tags", "refund", None)
    closed = add_conversation(store, status="closed", messages=({"subject": "refund"},))

    outcomes = [o.as_row() for o in tag_auto(config, store, now=NOW)]
    assert outcomes == [
        {"conversation": arabic_refund, "rule": "refunds", "tag": "refund", "outcome": "added"},
        {"conversation": arabic_refund, "rule": "arabic", "tag": "arabic", "outcome": "added"},
        {"conversation": vip, "rule": "vip", "tag": "vip", "outcome": "added"},
    ]
    assert events(store, arabic_refund) == [
        (arabic_refund, "rule:refunds", "tags", None, "refund"),
        (arabic_refund, "rule:arabic", "tags", "refund", "arabic refund"),
    ]
    assert tag_auto(config, store, now=NOW) == []
    (closed_refund,) = tag_auto(config, store, now=NOW, include_closed=True, dry_run=True)
    assert (closed_refund.change.conversation, closed_refund.outcome) == (closed, "would add")


HEADER_RULES = """\
version: 1
store: {store}
mailboxes:
  - {{name: support, maildir: ./mail, addresses: [support@example.com]}}
rules:
  tags:
    - {{name: urgent-mail, tag: urgent, when: {{header: {{X-Priority: "^1"}}}}}}
    - {{name: list-refunds, tag: list-refund,
       when: {{header: {{List-Id: "(?i)orders", subject: "(?i)refund"}}}}}}
    - {{name: replies, tag: follow-up, when: {{header: {{in-reply-to: "@example[.]com$"}}}}}}
"""


def test_tag_auto_matches_any_header_field_sync_kept(
    store: Store, store_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "headers.yaml"
    path.write_text(HEADER_RULES.format(store=store_url), encoding="utf-8")
    config = load(path)
    list_id = {"list-id": "Orders <orders.example.com>"}
    urgent = add_conversation(
        store, messages=({"header_fields": json.dumps({"x-priority": "1 (Highest)"})},)
    )
    normal = add_conversation(store, messages=({"header_fields": json.dumps({"x-priority": "3"})},))
    list_refund = add_conversation(
        store, messages=({"subject": "Refund", "header_fields": json.dumps(list_id)},)
    )
    # List-Id on one message and "refund" on another: no one message has both.
    split = add_conversation(
        store,
        messages=(
            {"subject": "Hello", "header_fields": json.dumps(list_id)},
            {"subject": "Refund", "header_fields": None},
        ),
    )
    # Stored before sync kept header fields: its columns still count.
    old_reply = add_conversation(
        store, messages=({"in_reply_to": "m1@example.com", "header_fields": None},)
    )

    outcomes = [o.as_row() for o in tag_auto(config, store, now=NOW)]
    assert outcomes == [
        {"conversation": urgent, "rule": "urgent-mail", "tag": "urgent", "outcome": "added"},
        {
            "conversation": list_refund,
            "rule": "list-refunds",
            "tag": "list-refund",
            "outcome": "added",
        },
        {"conversation": old_reply, "rule": "replies", "tag": "follow-up", "outcome": "added"},
    ]
    untouched = "SELECT tag FROM conversation_tag WHERE conversation_id IN (?, ?)"
    assert store.query(untouched, (normal, split)) == []


def test_the_cycle_collector_is_as_it_was_after_a_run(
    store: Store, store_url: str, config: Config
) -> None:
    add_conversation(store)
    assign_auto(config, store, now=NOW)
    assert gc.isenabled()
    store.close()
    with pytest.raises(StoreError):  # a run that fails inside puts it back too
        assign_auto(config, store, now=NOW)
    assert gc.isenabled()
    gc.disable()
    try:
        with open_store(store_url) as again:
            assign_auto(config, again, now=NOW, dry_run=True)
        assert not gc.isenabled()  # a caller who turned it off keeps it off
    finally:
        gc.enable()
