"""``conversations list|show`` and ``customer show`` through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from supportctl.store import open_store
from tests.conftest import Run
from tests.triage.seed import NOW, add_conversation, at, write_config

ENV = {"SUPPORTCTL_NOW": NOW.isoformat(), "USER": "layla"}


@pytest.fixture
def config(tmp_path: Path, store_url: str) -> str:
    path = write_config(tmp_path, store_url)
    with open_store(store_url) as store:
        for hours in range(1, 6):
            add_conversation(
                store,
                subject=f"Order {hours}",
                updated_at=at(-hours),
                tags=("refund",) if hours % 2 else (),
                first_response_due=at(-1) if hours == 5 else None,
            )
        add_conversation(store, status="closed", customer="amal@example.org", updated_at=at(-9))
    return str(path)


def test_list_pages_with_a_hint_on_stderr(run: Run, config: str) -> None:
    first = run("-c", config, "conversations", "list", "--status", "open", "--limit", "2", env=ENV)
    assert first.exit_code == 0
    lines = first.stdout.splitlines()
    assert lines[0].split()[:5] == ["id", "status", "priority", "assignee", "tags"]
    assert [line.split()[0] for line in lines[2:]] == ["1", "2"]
    assert lines[2].endswith("2026-01-11 09:00 +03")  # 1 h before NOW, in Riyadh time
    assert first.stderr == ("more follow: --offset 2 for the next page, --all for every one\n")
    last = run(
        "-c",
        config,
        "conversations",
        "list",
        "--status",
        "open",
        "--limit",
        "2",
        "--offset",
        "4",
        env=ENV,
    )
    assert [line.split()[0] for line in last.stdout.splitlines()[2:]] == ["5"]
    assert last.stderr == ""


def test_list_with_no_match_shows_the_headings_alone(run: Run, config: str) -> None:
    result = run("-c", config, "conversations", "list", "--tag", "no-such-tag", env=ENV)
    assert result.exit_code == 0
    headings, rule = result.stdout.splitlines()
    assert headings.split()[:3] == ["id", "status", "priority"]
    assert set(rule) == {"-", " "}
    assert result.stderr == ""


def test_list_jsonl_streams_every_row_with_filters(run: Run, config: str) -> None:
    result = run(
        "-c",
        config,
        "--format",
        "jsonl",
        "conversations",
        "list",
        "--all",
        "--tag",
        "refund",
        "--sort",
        "id",
        env=ENV,
    )
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["id"] for row in rows] == [1, 3, 5]
    assert rows[0]["tags"] == ["refund"]
    assert rows[0]["updated_at"] == "2026-01-11T06:00:00+00:00"
    breaching = run(
        "-c", config, "--format", "json", "conversations", "list", "--breaching", env=ENV
    )
    assert [row["id"] for row in json.loads(breaching.stdout)] == [5]


@pytest.mark.parametrize(
    "args,message",
    [
        (("--all", "--offset", "3"), "--offset pages through --limit rows"),
        (("--created-since", "last week"), "--created-since: 'last week' is neither"),
        (("--due-within", "soon"), "--due-within: malformed duration 'soon'"),
    ],
)
def test_list_refuses_bad_options(
    run: Run, config: str, args: tuple[str, ...], message: str
) -> None:
    result = run("-c", config, "conversations", "list", *args, env=ENV)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_show_and_customer(run: Run, config: str) -> None:
    shown = run("-c", config, "--format", "json", "conversations", "show", "#5", env=ENV)
    detail = json.loads(shown.stdout)
    assert detail["conversation"]["subject"] == "Order 5"
    assert detail["conversation"]["created_at"] == "2026-01-11T09:00:00+03:00"
    assert detail["sla"]["first_response"] == "overdue by 1h"
    missing = run("-c", config, "conversations", "show", "77", env=ENV)
    assert (missing.exit_code, missing.stderr) == (2, "supportctl: error: no conversation #77\n")
    customer = run(
        "-c", config, "--format", "yaml", "customer", "show", "Amal@Example.org", env=ENV
    )
    assert customer.exit_code == 0
    assert "conversations: 1\nby_status:\n  closed: 1\n" in customer.stdout


def test_show_and_customer_read_as_pages_in_the_table_format(run: Run, config: str) -> None:
    shown = run("-c", config, "conversations", "show", "5", env=ENV)
    assert shown.exit_code == 0
    lines = shown.stdout.splitlines()
    assert lines[0] == "#5  Order 5"
    fields = dict(line.split(maxsplit=1) for line in lines[2:6])
    assert fields == {
        "status": "open",
        "priority": "normal",
        "assignee": "nobody",
        "tags": "refund",
    }
    assert "  resolved        -" in lines
    sla = lines.index("SLA:")
    assert lines[sla + 3].split("  ")[0] == "first response"
    assert lines[sla + 3].endswith("overdue by 1h")
    assert "messages:" in lines and "events:" in lines
    customer = run("-c", config, "customer", "show", "amal@example.org", env=ENV)
    page = customer.stdout.splitlines()
    assert page[0] == "amal@example.org"
    assert "  by status       closed 1" in page
    assert "  first response  none yet" in page
    history = page.index("conversations:")
    assert page[history + 3].split()[:2] == ["6", "closed"]
