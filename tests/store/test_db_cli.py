"""``supportctl db status`` and ``db upgrade`` on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Run


def _config(tmp_path: Path, store_url: str) -> str:
    path = tmp_path / "supportctl.yaml"
    path.write_text(f"version: 1\nstore: {store_url}\n")
    return str(path)


def test_status_then_dry_run_then_upgrade(run: Run, tmp_path: Path, store_url: str) -> None:
    config = _config(tmp_path, store_url)
    before = run("-c", config, "--format", "json", "db", "status")
    assert before.exit_code == 0, before.stderr
    assert json.loads(before.stdout) == [
        {"version": 1, "name": "initial_schema", "state": "pending", "applied_at": None},
        {"version": 2, "name": "sync_lookups", "state": "pending", "applied_at": None},
        {"version": 3, "name": "report_times", "state": "pending", "applied_at": None},
        {"version": 4, "name": "writeback", "state": "pending", "applied_at": None},
        {"version": 5, "name": "message_header_fields", "state": "pending", "applied_at": None},
    ]
    assert "version 0 of 5, 5 pending" in before.stderr

    dry = run("-c", config, "--format", "json", "db", "upgrade", "--dry-run")
    assert json.loads(dry.stdout) == [
        {"version": 1, "name": "initial_schema", "state": "would apply"},
        {"version": 2, "name": "sync_lookups", "state": "would apply"},
        {"version": 3, "name": "report_times", "state": "would apply"},
        {"version": 4, "name": "writeback", "state": "would apply"},
        {"version": 5, "name": "message_header_fields", "state": "would apply"},
    ]
    assert "5 pending" in run("-c", config, "db", "status").stderr

    applied = run("-c", config, "--format", "json", "db", "upgrade")
    assert json.loads(applied.stdout) == [
        {"version": 1, "name": "initial_schema", "state": "applied"},
        {"version": 2, "name": "sync_lookups", "state": "applied"},
        {"version": 3, "name": "report_times", "state": "applied"},
        {"version": 4, "name": "writeback", "state": "applied"},
        {"version": 5, "name": "message_header_fields", "state": "applied"},
    ]
    after = json.loads(run("-c", config, "--format", "json", "db", "status").stdout)
    assert after[0]["state"] == "applied"
    assert after[0]["applied_at"].endswith("+00:00")
    again = run("-c", config, "--format", "json", "db", "upgrade")
    assert json.loads(again.stdout) == []


def test_unreachable_server_is_one_line_without_the_password(run: Run, tmp_path: Path) -> None:
    config = _config(tmp_path, "postgresql://app:hunter2@127.0.0.1:9/test")
    result = run("-c", config, "db", "status")
    assert result.exit_code == 1
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith(
        "supportctl: error: cannot connect to postgresql://app:***@127.0.0.1:9/test"
    )
    assert "hunter2" not in result.stdout + result.stderr
