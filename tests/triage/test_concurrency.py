"""Two writers at once, as separate processes on one store (SQLite and PostgreSQL):
two ``assign auto`` runs never assign a conversation twice, and a change by hand made
while ``assign auto`` runs is never lost."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from supportctl.store import open_store
from supportctl.store.database import Store
from supportctl.store.triage import retry_on_conflict
from tests.conftest import REPO
from tests.store.store_helpers import PostgresServer
from tests.triage.seed import NOW, add_conversation

CONVERSATIONS = 400
CONFIG = """\
version: 1
store: {store}
team:
  - {{id: omar, name: Omar}}
  - {{id: layla, name: Layla}}
  - {{id: alice, name: Alice}}
  - {{id: carol, name: Carol}}
rules:
  assign: {{strategy: round_robin, agents: [omar, layla, alice]}}
"""


@pytest.fixture
def setup(tmp_path: Path, store_url: str) -> Iterator[tuple[Path, Store, list[int]]]:
    config = tmp_path / "supportctl.yaml"
    config.write_text(CONFIG.format(store=store_url), encoding="utf-8")
    with open_store(store_url) as store:
        with store.transaction() as tx:
            tx.executemany(
                "INSERT INTO conversation (mailbox, channel, created_at, updated_at)"
                " VALUES ('support', 'email', ?, ?)",
                [(i, i) for i in range(CONVERSATIONS)],
            )
        numbers = [row["id"] for row in store.query("SELECT id FROM conversation ORDER BY id")]
        yield config, store, numbers


def start(config: Path, *args: str, stdin: str | None = None) -> subprocess.Popen[str]:
    env = {
        "PATH": os.environ["PATH"],
        "SUPPORTCTL_NOW": NOW.isoformat(),
        "USER": "carol-admin",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "supportctl", "-q", "-c", str(config), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env=env,
    )
    assert process.stdin is not None
    process.stdin.write(stdin or "")
    process.stdin.close()
    return process


def finish(process: subprocess.Popen[str]) -> None:
    assert process.wait(timeout=120) == 0, process.stderr.read() if process.stderr else ""


def assignee_histories(store: Store) -> dict[int, list[dict[str, object]]]:
    histories: dict[int, list[dict[str, object]]] = defaultdict(list)
    for event in store.query(
        "SELECT conversation_id, actor, old_value, new_value FROM event"
        " WHERE kind = 'assignee' ORDER BY id"
    ):
        histories[event["conversation_id"]].append(event)
    return histories


def assert_no_lost_update(store: Store, numbers: list[int]) -> dict[int, list[dict[str, object]]]:
    """Every change took over from the one before it, and the store holds the last."""
    histories = assignee_histories(store)
    final = {r["id"]: r["assignee"] for r in store.query("SELECT id, assignee FROM conversation")}
    for number in numbers:
        chain = histories[number]
        olds = [event["old_value"] for event in chain]
        news = [event["new_value"] for event in chain]
        assert olds == [None, *news[:-1]], (number, chain)
        assert final[number] == news[-1], (number, chain)
    return histories


def test_two_assign_auto_runs_at_once_assign_each_conversation_once(setup) -> None:
    config, store, numbers = setup
    runs = [start(config, "assign", "auto", "--wait", "60") for _ in range(2)]
    for run in runs:
        finish(run)
    histories = assert_no_lost_update(store, numbers)
    assert all(len(histories[number]) == 1 for number in numbers)
    shares = defaultdict(int)
    for number in numbers:
        shares[histories[number][0]["new_value"]] += 1
    assert sorted(shares.values()) == [133, 133, 134]  # round robin, across both runs


def test_a_change_by_hand_during_assign_auto_is_not_lost(setup, request) -> None:
    config, store, numbers = setup
    ids = "".join(f"{number}\n" for number in numbers)
    with _both_blocked_on_first_row(request, store, numbers[0]):
        auto = start(config, "assign", "auto")
        by_hand = start(config, "assign", "--stdin", "--to", "carol", stdin=ids)
    finish(auto)
    finish(by_hand)
    histories = assert_no_lost_update(store, numbers)
    # Whichever came first, the person's word is the last: assign auto only takes
    # conversations nobody owns, and only if nobody took them since it looked.
    assert store.scalar("SELECT COUNT(*) FROM conversation WHERE assignee = 'carol'") == len(
        numbers
    )
    assert all(histories[n][-1]["actor"] == "carol-admin" for n in numbers)


@contextmanager
def _both_blocked_on_first_row(request: pytest.FixtureRequest, store: Store, row: int):
    """On PostgreSQL, hold a lock on ``row`` until both writers wait for it, so that both
    have read before either writes; SQLite serialises writers on its own."""
    if store.dialect != "postgresql":
        yield
        return
    import psycopg

    server: PostgresServer = request.getfixturevalue("postgres")
    with (
        psycopg.connect(server.url()) as holder,
        psycopg.connect(server.url(), autocommit=True) as watcher,
    ):
        holder.execute("SELECT 1 FROM conversation WHERE id = %s FOR UPDATE", (row,))
        yield
        _wait_until_blocked(watcher, holder.info.backend_pid, 2)
        holder.rollback()


def _wait_until_blocked(watcher, holder_pid: int, count: int) -> None:
    """Until ``count`` sessions wait behind ``holder_pid``, directly or behind another
    waiter (the second writer queues for the row behind the first). A session of its
    own: pg_stat_activity is read once per transaction."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        blockers = dict(
            watcher.execute(
                "SELECT pid, pg_blocking_pids(pid) FROM pg_stat_activity"
                " WHERE wait_event_type = 'Lock'"
            ).fetchall()
        )
        behind = {holder_pid}
        while grown := {p for p, by in blockers.items() if p not in behind and behind & set(by)}:
            behind |= grown
        if len(behind) - 1 >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"{count} writers never waited on the row lock")


@pytest.mark.postgres
def test_a_transaction_aborted_by_a_deadlock_runs_again(postgres: PostgresServer) -> None:
    with open_store(postgres.url()) as first, open_store(postgres.url()) as second:
        one, two = add_conversation(first), add_conversation(first)
        attempts: list[str] = []
        both_hold_a_row = threading.Barrier(2)

        def crosswise(store: Store, name: str, rows: tuple[int, int]) -> None:
            def transaction() -> None:
                attempts.append(name)
                with store.transaction() as tx:
                    tx.execute("UPDATE conversation SET priority = 'high' WHERE id = ?", rows[:1])
                    if len(attempts) <= 2:
                        both_hold_a_row.wait(timeout=10)
                    tx.execute("UPDATE conversation SET priority = 'high' WHERE id = ?", rows[1:])

            retry_on_conflict(transaction)

        other = threading.Thread(target=crosswise, args=(second, "second", (two, one)))
        other.start()
        crosswise(first, "first", (one, two))
        other.join(timeout=30)
        assert not other.is_alive()
    # PostgreSQL aborted one of them for the deadlock; it ran again and both committed.
    assert len(attempts) == 3
