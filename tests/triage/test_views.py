"""Seeing the work on SQLite and PostgreSQL: list filters, order, pages and streaming;
one conversation in full; one customer across mailboxes and channels."""

from __future__ import annotations

import pytest

from supportctl.errors import NotFoundError, UsageError
from supportctl.store.database import Store
from supportctl.store.triage import ConversationQuery
from supportctl.triage.views import (
    conversation_detail,
    conversation_page,
    customer_report,
    iter_conversations,
    list_query,
)
from tests.triage.seed import EPOCH_NOW, HOUR, NOW, add_conversation, add_event, at


def ids(store: Store, **fields: object) -> list[int]:
    query = ConversationQuery(now=EPOCH_NOW, limit=None, **fields)  # type: ignore[arg-type]
    return [row["id"] for row in iter_conversations(store, query)]


@pytest.fixture
def seeded(store: Store) -> tuple[Store, dict[str, int]]:
    numbers = {
        "old_open": add_conversation(store, created_at=at(-48), updated_at=at(-47)),
        "refund": add_conversation(
            store, tags=("refund", "vip"), assignee="omar", priority="urgent", updated_at=at(-2)
        ),
        "pending_chat": add_conversation(
            store, status="pending", channel="chat", mailbox="chat", updated_at=at(-3)
        ),
        "closed": add_conversation(
            store, status="closed", assignee="layla", tags=("refund",), updated_at=at(-4)
        ),
        "breached": add_conversation(
            store, first_response_due=at(-1), updated_at=at(-5), customer="x@big.com"
        ),
        "due_soon": add_conversation(store, first_response_due=at(1.5), updated_at=at(-6)),
        "answered": add_conversation(
            store,
            first_response_due=at(-1),
            first_response_at=at(-2),
            resolution_due=at(0.5),
            updated_at=at(-7),
        ),
    }
    return store, numbers


def test_filters(seeded: tuple[Store, dict[str, int]]) -> None:
    store, n = seeded
    assert set(ids(store, statuses=("pending", "closed"))) == {n["pending_chat"], n["closed"]}
    assert ids(store, assignees=("omar",)) == [n["refund"]]
    assert n["refund"] not in ids(store, unassigned=True)
    assert set(ids(store, tags=("refund",))) == {n["refund"], n["closed"]}
    assert ids(store, tags=("refund", "vip")) == [n["refund"]]  # all of them
    assert ids(store, channels=("chat",)) == ids(store, mailboxes=("chat",)) == [n["pending_chat"]]
    assert ids(store, priorities=("urgent", "high")) == [n["refund"]]
    assert ids(store, customer="x@big.com") == [n["breached"]]
    assert ids(store, created_until=at(-24)) == [n["old_open"]]
    assert ids(store, updated_since=at(-2.5)) == [n["refund"]]
    assert ids(store, breaching=True) == [n["breached"]]
    assert set(ids(store, due_within=2 * HOUR)) == {n["due_soon"], n["answered"]}
    assert set(ids(store, breaching=True, due_within=HOUR)) == {n["breached"], n["answered"]}


def test_order_and_pages(seeded: tuple[Store, dict[str, int]]) -> None:
    store, n = seeded
    newest_first = ids(store)
    assert newest_first == [
        n[k]
        for k in (
            "refund",
            "pending_chat",
            "closed",
            "breached",
            "due_soon",
            "answered",
            "old_open",
        )
    ]
    assert ids(store, sort="updated", descending=False) == newest_first[::-1]
    assert ids(store, sort="priority", descending=False)[0] == n["refund"]
    # By next due time, the ones without a due time last either way.
    assert ids(store, sort="due", descending=False)[:3] == [
        n["breached"],
        n["answered"],
        n["due_soon"],
    ]
    assert ids(store, sort="due", descending=True)[:3] == [
        n["due_soon"],
        n["answered"],
        n["breached"],
    ]
    first = conversation_page(store, ConversationQuery(limit=3))
    second = conversation_page(store, ConversationQuery(limit=3, offset=3))
    last = conversation_page(store, ConversationQuery(limit=3, offset=6))
    assert [r["id"] for r in first.rows + second.rows + last.rows] == newest_first
    assert (first.more, second.more, last.more) == (True, True, False)
    row = first.rows[0]
    assert row["tags"] == ["refund", "vip"]
    assert row["updated_at"].isoformat() == "2026-01-11T05:00:00+00:00"


def test_list_query_reads_command_line_text() -> None:
    query = list_query(
        now=NOW,
        timezone="Asia/Riyadh",
        since_until={"created_since": "2026-01-10", "updated_until": "2h"},
        due_within="1h30m",
        sort="-due",
        statuses=("open",),
        customer=" Someone@Example.COM ",
    )
    assert query.created_since == at(-34)  # midnight in Riyadh, 21:00 UTC the day before
    assert query.updated_until == at(-2)
    assert (query.due_within, query.sort, query.descending) == (5400, "due", True)
    assert query.customer == "someone@example.com"
    with pytest.raises(UsageError, match="--created-since: 'yesterday' is neither"):
        list_query(now=NOW, timezone="UTC", since_until={"created_since": "yesterday"})
    with pytest.raises(UsageError, match="cannot sort by 'size'"):
        list_query(now=NOW, timezone="UTC", sort="size")


def test_show_one_conversation(store: Store) -> None:
    number = add_conversation(
        store,
        customer="amal@example.org",
        customer_name="Amal",
        first_response_due=at(2),
        resolution_due=at(-1),
        tags=("refund",),
        messages=(
            {"snippet": "  Please   refund\n me " + "x" * 300, "cc_addresses": "boss@example.org"},
            {
                "direction": "outbound",
                "from_address": "support@example.com",
                "to_addresses": "amal@example.org",
                "received_at": at(-0.5),
                "folder": "Sent",
            },
        ),
    )
    add_event(store, number, at(-0.5), "layla", "assignee", None, "omar")
    detail = conversation_detail(store, number, NOW)
    assert detail.conversation["tags"] == ["refund"]
    assert detail.participants == [
        {"address": "amal@example.org", "name": "Amal", "role": "customer"},
        {"address": "support@example.com", "name": None, "role": "team"},
        {"address": "boss@example.org", "name": None, "role": "other"},
    ]
    assert detail.sla["first_response"] == "due in 2h"
    assert detail.sla["resolution"] == "overdue by 1h"
    first, reply = detail.messages
    assert first["snippet"].startswith("Please refund me xxx") and len(first["snippet"]) == 160
    assert (first["direction"], reply["direction"], reply["folder"]) == (
        "inbound",
        "outbound",
        "Sent",
    )
    assert detail.events == [
        {
            "at": detail.events[0]["at"],
            "actor": "layla",
            "kind": "assignee",
            "from": None,
            "to": "omar",
            "reason": None,
        }
    ]
    with pytest.raises(NotFoundError, match="no conversation #999"):
        conversation_detail(store, 999, NOW)


def test_the_team_s_own_addresses_are_the_team_before_anyone_replies(store: Store) -> None:
    number = add_conversation(
        store,
        customer="amal@example.org",
        messages=({"to_addresses": "support@example.com", "cc_addresses": "omar@example.com"},),
    )
    detail = conversation_detail(
        store, number, NOW, team_addresses=("Support@Example.com", "omar@example.com")
    )
    assert [(p["address"], p["role"]) for p in detail.participants] == [
        ("amal@example.org", "customer"),
        ("support@example.com", "team"),
        ("omar@example.com", "team"),
    ]


def test_customer_across_mailboxes_and_channels(store: Store) -> None:
    def conversation(**columns: object) -> int:
        return add_conversation(store, customer="amal@example.org", **columns)

    conversation(created_at=at(-10), first_response_at=at(-9), resolved_at=at(-5), status="closed")
    conversation(
        mailbox="chat",
        channel="chat",
        created_at=at(-4),
        first_response_at=at(-1),
        first_response_breached=1,
        messages=({}, {}),
    )
    conversation(mailbox="billing", created_at=at(-2), customer_name="Amal H.")
    add_conversation(store, customer="someone@else.org")
    report = customer_report(store, "AMAL@example.org")
    assert (report.customer, report.name, report.conversations) == (
        "amal@example.org",
        "Amal H.",
        3,
    )
    assert report.by_status == {"closed": 1, "open": 2}
    assert report.by_channel == {"chat": 1, "email": 2}
    assert report.by_mailbox == {"billing": 1, "chat": 1, "support": 1}
    assert report.messages == {"inbound": 2, "outbound": 0}
    assert report.first_response == {"count": 2, "median": "2h", "mean": "2h", "longest": "3h"}
    assert report.resolution == {"count": 1, "median": "5h", "mean": "5h", "longest": "5h"}
    assert report.sla_breaches == {"first_response": 1, "resolution": 0}
    assert [row["mailbox"] for row in report.history] == ["support", "chat", "billing"]
    with pytest.raises(NotFoundError):
        customer_report(store, "nobody@example.org")
