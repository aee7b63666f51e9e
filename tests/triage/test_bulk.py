"""``assign auto`` over many conversations at once: facts read for a whole selection
are those read by id, events written many to a statement keep their order, and the
table sums the run up while csv lists each decision."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

from supportctl.store import triage as queries
from supportctl.store.database import Store
from supportctl.triage.auto import load_facts
from supportctl.triage.facts import MessageFacts
from tests.conftest import Run
from tests.triage.seed import EPOCH_NOW, NOW, add_conversation, write_config

ENV = {"SUPPORTCTL_NOW": NOW.isoformat(), "USER": "layla"}


def test_facts_of_a_selection_are_the_facts_read_by_id(store: Store) -> None:
    for number in range(6):
        add_conversation(
            store,
            tags=("vip", "billing")[: number % 3],
            messages=({"subject": f"Refund {number}"}, {"subject": "again", "language": "ar"}),
            priority=("urgent", "normal")[number % 2],
        )
    add_conversation(store, assignee="omar", tags=("vip",), messages=({"subject": "mine"},))
    fields = frozenset({"subject", "language"})
    with store.transaction(readonly=True) as tx:
        subjects = queries.unassigned_open(tx)
        by_id = load_facts(tx, subjects, fields)
        selected = load_facts(tx, subjects, fields, among=queries.UNASSIGNED_OPEN)
    assert len(subjects) == 6
    assert selected == by_id
    tag_sets = {frozenset(), frozenset({"vip"}), frozenset({"vip", "billing"})}
    assert {fact.tags for fact in selected} == tag_sets
    assert selected[0].messages[1].language == "ar" and selected[0].messages[1].text == ""


def test_messages_carry_the_fields_asked_for_and_defaults_elsewhere(store: Store) -> None:
    number = add_conversation(
        store,
        messages=(
            {
                "subject": "Refund",
                "from_address": "amal@example.org",
                "cc_addresses": "a@x.org,b@x.org",
                "header_fields": '{"x-priority": "1"}',
            },
        ),
    )
    fields = frozenset({"from_address", "cc_addresses", "header_fields"})
    with store.transaction(readonly=True) as tx:
        (message,) = queries.inbound_messages(tx, [number], fields)[number]
        (plain,) = queries.inbound_messages(tx, [number], {"subject"})[number]
    assert message.from_address == "amal@example.org"
    assert message.cc == ("a@x.org", "b@x.org")
    assert message.header("x-priority") == "1"
    assert (message.subject, message.to_addresses, message.message_id) == ("", None, None)
    assert plain == MessageFacts(subject="Refund")


def test_events_keep_their_order_across_statements(store: Store) -> None:
    number = add_conversation(store)
    written = [
        (number, EPOCH_NOW, "rule:x", "tags", None, f"t{index}", None) for index in range(250)
    ]
    with store.transaction() as tx:
        queries.add_events(tx, written)
    rows = store.query(
        "SELECT new_value FROM event WHERE conversation_id = ? ORDER BY id", (number,)
    )
    assert [row["new_value"] for row in rows] == [f"t{index}" for index in range(250)]


def test_the_table_sums_up_a_large_run_and_csv_lists_each(
    run: Run, tmp_path: Path, store_url: str, store: Store
) -> None:
    path = str(write_config(tmp_path, store_url, strategy="least_open"))
    numbers = [add_conversation(store) for _ in range(60)]
    plan = run("-c", path, "--format", "csv", "assign", "auto", "--dry-run", env=ENV)
    rows = list(csv.DictReader(io.StringIO(plan.stdout)))
    assert [int(row["conversation"]) for row in rows] == numbers
    applied = run("-c", path, "assign", "auto", env=ENV)
    assert (applied.exit_code, applied.stderr) == (0, "assigned: 60\n")
    lines = applied.stdout.splitlines()
    assert lines[0].split() == ["rule", "from", "to", "outcome", "conversations"]
    # At NOW omar (max_open 3) and alice are on duty: omar fills up, alice takes the rest.
    assert sorted(line.split() for line in lines[2:]) == [
        ["least_open", "alice", "assigned", "57"],
        ["least_open", "omar", "assigned", "3"],
    ]
    assignees = store.query("SELECT assignee, COUNT(*) AS n FROM conversation GROUP BY assignee")
    assert {row["assignee"]: row["n"] for row in assignees} == {"alice": 57, "omar": 3}


def test_without_user_or_logname_the_event_names_the_account(
    run: Run, tmp_path: Path, store_url: str, store: Store
) -> None:
    import pwd

    path = str(write_config(tmp_path, store_url, strategy="least_open"))
    number = add_conversation(store)
    bare = {"SUPPORTCTL_NOW": NOW.isoformat(), "USER": None, "LOGNAME": None}
    assert run("-c", path, "assign", str(number), "--to", "omar", env=bare).exit_code == 0
    actors = store.query("SELECT actor FROM event WHERE conversation_id = ?", (number,))
    assert [row["actor"] for row in actors] == [pwd.getpwuid(os.getuid()).pw_name]
