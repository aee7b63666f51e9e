"""``assign``, ``tag``, ``status``, ``priority`` and their ``auto`` forms through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from supportctl.store import open_store
from supportctl.store.database import Store
from supportctl.triage.auto import ASSIGN_LOCK
from tests.conftest import Run
from tests.triage.seed import NOW, add_conversation, column, events, write_config

ENV = {"SUPPORTCTL_NOW": NOW.isoformat(), "USER": "layla"}


@pytest.fixture
def setup(tmp_path: Path, store_url: str):
    path = write_config(tmp_path, store_url)
    with open_store(store_url) as store:
        for _ in range(3):
            add_conversation(store, tags=("billing",))
        yield str(path), store


def test_assign_by_hand_and_from_a_listing(run: Run, setup: tuple[str, Store]) -> None:
    config, store = setup
    result = run("-c", config, "assign", "1", "#2", "--to", "omar", env=ENV)
    assert result.exit_code == 0
    assert result.stdout.splitlines()[2].split() == ["1", "assignee", "omar", "changed"]
    assert result.stderr == "changed: 2\n"
    assert events(store, 1) == [(1, "layla", "assignee", None, "omar")]
    listing = run(
        "-c",
        config,
        "--format",
        "jsonl",
        "conversations",
        "list",
        "--assignee",
        "omar",
        "--all",
        env=ENV,
    )
    moved = run(
        "-c",
        config,
        "--format",
        "json",
        "assign",
        "--stdin",
        "--to",
        "alice",
        input=listing.stdout,
        env=ENV,
    )
    assert [(row["conversation"], row["from"], row["to"]) for row in json.loads(moved.stdout)] == [
        (2, "omar", "alice"),
        (1, "omar", "alice"),
    ]


@pytest.mark.parametrize(
    "args,message",
    [
        (("assign", "1", "2", "99", "--to", "omar"), "no conversation #99 (nothing was changed)"),
        (("assign", "1", "--to", "omr"), "no agent 'omr' in the team"),
        (("assign", "1"), "say who takes them: --to AGENT, or --unassign"),
        (("assign", "1", "--to", "omar", "--unassign"), "say who takes them"),
        (("assign", "x1", "--to", "omar"), "argument: 'x1' is not a conversation id"),
        (("status", "1", "2", "done"), "unknown status 'done' (use one of: open, pending, closed)"),
        (("priority", "1", "asap"), "unknown priority 'asap'"),
        (("tag", "1", "+a b"), "'a b' is not a tag"),
        (("tag", "1", "+a,b"), "'a,b' is not a tag"),
        (("tag", "1", "++vip"), "'+vip' is not a tag"),
        (("tag", "1", "+"), "'' is not a tag"),
        (("tag", "1"), "no tags given"),
    ],
)
def test_bad_input_changes_nothing(run: Run, setup, args: tuple[str, ...], message: str) -> None:
    config, store = setup
    result = run("-c", config, *args, env=ENV)
    assert (result.exit_code, result.stdout) == (2, "")
    assert message in result.stderr
    assert events(store) == []


def test_tags_with_a_dash_are_removals_not_options(run: Run, setup) -> None:
    config, store = setup
    # "-h" would be help and "-billing" a bundle of short options to a plain command.
    result = run("-c", config, "tag", "1", "-h", "-billing", "+refund", env=ENV)
    assert result.exit_code == 0, result.stderr
    assert events(store, 1) == [(1, "layla", "tags", "billing", "refund")]
    assert run("-c", config, "tag", "--help").stdout.startswith(
        "Usage: supportctl tag [OPTIONS] [ID]... [+TAG|-TAG]...\n"
    )


def test_tags_are_words_of_any_script(run: Run, setup) -> None:
    config, store = setup
    result = run("-c", config, "tag", "1", "+استرداد", "+late-delivery", "+vip.2", env=ENV)
    assert result.exit_code == 0, result.stderr
    after = "billing late-delivery vip.2 استرداد"
    assert events(store, 1) == [(1, "layla", "tags", "billing", after)]
    listed = run(
        "-c", config, "--format", "jsonl", "conversations", "list", "--tag", "استرداد", env=ENV
    )
    assert [json.loads(line)["id"] for line in listed.stdout.splitlines()] == [1]
    removed = run("-c", config, "tag", "1", "-استرداد", env=ENV)
    assert removed.exit_code == 0, removed.stderr
    assert events(store, 1)[-1] == (1, "layla", "tags", after, "billing late-delivery vip.2")


def test_status_priority_and_dry_run(run: Run, setup) -> None:
    config, store = setup
    dry = run("-c", config, "status", "1", "2", "closed", "--dry-run", env=ENV)
    assert dry.stderr == "would change: 2\n"
    assert column(store, 1, "status") == "open"
    assert run("-c", config, "status", "1", "closed", env=ENV).exit_code == 0
    assert (
        run("-c", config, "priority", "--stdin", "urgent", input="1\n2\n", env=ENV).exit_code == 0
    )
    assert (column(store, 1, "status"), column(store, 2, "priority")) == ("closed", "urgent")


def test_assign_auto_plans_then_applies(run: Run, setup) -> None:
    config, store = setup
    plan = run("-c", config, "--format", "json", "assign", "auto", "--dry-run", env=ENV)
    rows = json.loads(plan.stdout)
    assert [(r["conversation"], r["rule"], r["from"], r["to"], r["outcome"]) for r in rows] == [
        (1, "round_robin", None, "omar", "would assign"),
        (2, "round_robin", None, "alice", "would assign"),
        (3, "round_robin", None, "omar", "would assign"),
    ]
    assert rows[1]["reason"] == "alice's turn after omar"
    assert column(store, 1, "assignee") is None
    applied = run("-c", config, "assign", "auto", env=ENV)
    assert (applied.exit_code, applied.stderr) == (0, "assigned: 3\n")
    assert events(store, 2) == [(2, "rule:round_robin", "assignee", None, "alice")]
    again = run("-c", config, "assign", "auto", env=ENV)
    assert (again.stdout, again.stderr) == ("", "nothing to do\n")


def test_assign_auto_exits_75_while_another_run_holds_the_lock(run: Run, setup) -> None:
    config, store = setup
    with store.lock(ASSIGN_LOCK):
        result = run("-c", config, "assign", "auto", env=ENV)
    assert result.exit_code == 75
    assert "another run holds the lock 'triage:assign'" in result.stderr


def test_tag_auto(run: Run, setup, store_url: str) -> None:
    config, store = setup
    add_conversation(store, messages=({"subject": "Refund please"},))
    result = run("-c", config, "--format", "csv", "tag", "auto", env=ENV)
    assert result.stdout == "conversation,rule,tag,outcome\n4,refunds,refund,added\n"
