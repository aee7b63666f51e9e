"""``supportctl sla due`` and ``supportctl sla refresh``: output, defaults and exit codes."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from supportctl.store import open_store
from supportctl.store.sla import REFRESH_COLUMNS
from supportctl.timekit.sla import DUE_COLUMNS
from tests.conftest import EXAMPLE_CONFIG, Run

ISSUE_CASE = ("sla", "due", "--channel", "email", "--at", "2026-03-19 16:30")


def test_due_prints_the_issues_eid_example(run: Run, example_env: dict[str, str]) -> None:
    result = run("-c", str(EXAMPLE_CONFIG), *ISSUE_CASE, env=example_env)
    assert result.exit_code == 0, result.stderr
    (header, _rule, row) = result.stdout.splitlines()
    assert header.split() == list(DUE_COLUMNS)
    assert row.split("  ")[0:1] == ["email"]
    assert "2026-03-19 16:30 +03" in row and "2026-03-25 17:00 +03" in row


def test_due_json_has_local_times_with_offsets_and_utc(
    run: Run, example_env: dict[str, str]
) -> None:
    result = run("-c", str(EXAMPLE_CONFIG), "--format", "json", *ISSUE_CASE, env=example_env)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == [
        {
            "policy": "email",
            "calendar": "riyadh",
            "timezone": "Asia/Riyadh",
            "at": "2026-03-19T16:30:00+03:00",
            "first_response": "8h",
            "first_response_due": "2026-03-25T17:00:00+03:00",
            "resolution": "3d",
            "resolution_due": "2026-03-30T09:00:00+03:00",
            "first_response_due_utc": "2026-03-25T14:00:00+00:00",
            "resolution_due_utc": "2026-03-30T06:00:00+00:00",
        }
    ]


@pytest.mark.parametrize(
    ("options", "policy", "first_response_due"),
    [
        # The chat mailbox's channel is chat: the overnight desk's policy.
        (("--mailbox", "chat"), "chat", "2026-03-19T22:05:00+03:00"),
        # Thu 15:30 Cairo: 1.5 h that day, Eid on Fri and Sat, 6.5 h on Sunday.
        (("--mailbox", "egypt"), "egypt", "2026-03-22T15:30:00+02:00"),
        (
            ("--tag", "refund", "--tag", "vip", "--priority", "urgent"),
            "vip",
            "2026-03-25T10:00:00+03:00",
        ),
        (("--policy", "vip"), "vip", "2026-03-25T10:00:00+03:00"),
    ],
)
def test_due_matches_on_mailbox_tag_priority_or_takes_a_named_policy(
    run: Run,
    example_env: dict[str, str],
    options: tuple[str, ...],
    policy: str,
    first_response_due: str,
) -> None:
    result = run(
        "-c",
        str(EXAMPLE_CONFIG),
        "--format",
        "json",
        "sla",
        "due",
        *options,
        "--at",
        "2026-03-19T16:30+03:00",
        env=example_env,
    )
    assert result.exit_code == 0, result.stderr
    (answer,) = json.loads(result.stdout)
    assert (answer["policy"], answer["first_response_due"]) == (policy, first_response_due)


def test_due_defaults_to_now(run: Run, example_env: dict[str, str]) -> None:
    env = {**example_env, "SUPPORTCTL_NOW": "2026-01-08T13:58:00Z"}  # Thu 16:58 Riyadh
    result = run("-c", str(EXAMPLE_CONFIG), "--format", "json", "sla", "due", env=env)
    (answer,) = json.loads(result.stdout)
    assert answer["at"] == "2026-01-08T16:58:00+03:00"
    assert answer["first_response_due"] == "2026-01-11T16:58:00+03:00"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (("--policy", "gold"), "no SLA policy named 'gold' (known: chat, vip, egypt, email)"),
        (("--channel", "fax"), "no mailbox or SLA policy has channel 'fax' (known: chat, email)"),
        (("--mailbox", "sales"), "no mailbox named 'sales'"),
        (("--at", "tomorrow"), "--at: 'tomorrow' is not a date and time"),
        (("--at", "2026-02-30 10:00"), "--at: '2026-02-30 10:00' is not a date and time"),
        (("--policy", "vip", "--tag", "vip"), "--policy names the policy"),
    ],
)
def test_due_bad_input_exits_2_with_one_line(
    run: Run, example_env: dict[str, str], options: tuple[str, ...], message: str
) -> None:
    result = run("-c", str(EXAMPLE_CONFIG), "sla", "due", *options, env=example_env)
    assert result.exit_code == 2
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"supportctl: error: {message}")


def test_due_without_a_matching_policy_exits_2(run: Run, tmp_path: Path) -> None:
    config = tmp_path / "supportctl.yaml"
    config.write_text(
        "version: 1\nmailboxes:\n  - {name: support, maildir: ./mail}\n"
        "sla:\n  - {name: chat, match: {channel: chat}, first_response: 5m}\n"
    )
    result = run("-c", str(config), "sla", "due")
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "supportctl: error: no SLA policy matches priority=normal (add a default policy"
    )


# -- refresh ---------------------------------------------------------------------------------


@pytest.fixture
def refresh_config(tmp_path: Path, store_url: str) -> Path:
    """A config on the test store with one email conversation opened Sun 11 Jan 09:00
    Riyadh and not answered (first response due 17:00 that day)."""
    config = tmp_path / "supportctl.yaml"
    config.write_text(
        f"version: 1\ntimezone: Asia/Riyadh\nstore: {store_url}\n"
        "mailboxes:\n  - {name: support, maildir: ./mail}\n"
        "calendars:\n  riyadh: {timezone: Asia/Riyadh, hours: {sun-thu: '09:00-17:00'}}\n"
        "sla:\n  - {name: email, first_response: 8h, resolution: 3d, calendar: riyadh}\n"
    )
    created = int(datetime.fromisoformat("2026-01-11T09:00+03:00").timestamp())
    with open_store(store_url) as store, store.transaction() as tx:
        tx.execute(
            "INSERT INTO conversation (mailbox, channel, created_at, updated_at, last_inbound_at)"
            " VALUES (?, ?, ?, ?, ?)",
            ("support", "email", created, created, created),
        )
    return config


def refresh(run: Run, config: Path, now: str, *options: str) -> dict[str, object]:
    result = run(
        "-c",
        str(config),
        "--format",
        "json",
        "sla",
        "refresh",
        *options,
        env={"SUPPORTCTL_NOW": now},
    )
    assert result.exit_code == 0, result.stderr
    (report,) = json.loads(result.stdout)
    assert list(report) == list(REFRESH_COLUMNS)
    return {key: value for key, value in report.items() if key != "seconds"}


def test_refresh_counts_and_scopes(run: Run, refresh_config: Path) -> None:
    noon = "2026-01-11T12:00+03:00"
    counts = {"newly_breached": 0, "no_sla": 0, "errors": 0}
    assert refresh(run, refresh_config, noon, "--dry-run") == {
        "scope": "all",
        "examined": 1,
        "changed": 1,
        "running": 1,
        **counts,
    }
    assert refresh(run, refresh_config, noon)["scope"] == "all"  # the dry run wrote nothing
    assert refresh(run, refresh_config, noon) == {
        "scope": "overdue",
        "examined": 0,
        "changed": 0,
        "running": 0,
        **counts,
    }
    assert refresh(run, refresh_config, "2026-01-11T17:01+03:00") == {
        "scope": "overdue",
        "examined": 1,
        "changed": 1,
        "running": 1,  # the resolution clock
        **counts,
        "newly_breached": 1,
    }
    assert refresh(run, refresh_config, "2026-01-11T17:01+03:00", "--all")["scope"] == "all"


def test_refresh_exits_3_when_some_conversations_cannot_be_worked_out(
    run: Run, refresh_config: Path, store_url: str
) -> None:
    config = refresh_config.read_text().replace(
        "hours: {sun-thu: '09:00-17:00'}",
        "hours: {sun-thu: '09:00-17:00'}, holidays: {country: SA}",
    )
    refresh_config.write_text(config)
    # Number 0 comes first, so the calendar starts in 1900 and fails at once (reached
    # from 2026 it would work out every year back to 1900 first).
    with open_store(store_url) as store, store.transaction() as tx:
        tx.execute(
            "INSERT INTO conversation (id, mailbox, channel, created_at, updated_at,"
            " last_inbound_at) VALUES (0, 'support', 'email', -2208988800, 0, 0)"  # 1900-01-01
        )
    env = {"SUPPORTCTL_NOW": "2026-02-01T00:00Z"}
    result = run("-c", str(refresh_config), "sla", "refresh", env=env)
    assert result.exit_code == 3
    assert "supportctl: warning: conversation 0: the holidays package has no SA holidays" in (
        result.stderr
    )
    assert result.stdout.splitlines()[0].split()[:3] == ["scope", "examined", "changed"]
