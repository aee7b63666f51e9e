"""Shared by the store tests: the PostgreSQL test server's address, and the code
other processes run (spawned interpreters import it by name)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.context import SpawnContext
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from typing import Any
from urllib.parse import quote

from supportctl.store import open_store

PG_HOST = "127.0.0.1"
PG_PORT = 5432
PG_DATABASE = "test"
# Trust auth ignores it; tests check it never shows up in a message.
PG_SECRET = "fixture-s3cret"


@dataclass(frozen=True)
class PostgresServer:
    """The reachable test server, the role to use and this session's schema."""

    user: str
    schema: str

    def url(self, *, password: str | None = None, database: str = PG_DATABASE) -> str:
        credentials = self.user if password is None else f"{self.user}:{quote(password)}"
        search_path = quote(f"-csearch_path={self.schema}")
        return f"postgresql://{credentials}@{PG_HOST}:{PG_PORT}/{database}?options={search_path}"


def hold_lock(url: str, name: str, parent: Connection, linger: float) -> None:
    """Take lock ``name``, send "held", keep it until the parent sends anything (or 30 s
    pass), then ``linger`` seconds more. A pipe, not Events: an Event whose waiter is
    killed hangs whoever sets it next."""
    with open_store(url, upgrade=False) as store, store.lock(name):
        parent.send("held")
        parent.poll(timeout=30)
        time.sleep(linger)


def run_together(
    spawn: SpawnContext,
    target: Callable[..., None],
    arguments: Sequence[tuple[Any, ...]],
    timeout: float = 60,
) -> list[Any]:
    """Run ``target(*args, ready, results)`` in a fresh interpreter for each ``args`` of
    ``arguments``, all let go at once by the barrier ``ready``; check that each ended well
    and return what they put in the queue ``results``, in the order they put it."""
    ready, results = spawn.Barrier(len(arguments)), spawn.Queue()
    processes = [spawn.Process(target=target, args=(*args, ready, results)) for args in arguments]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=timeout)
    assert [process.exitcode for process in processes] == [0] * len(processes)
    return [results.get(timeout=5) for _ in processes]


def upgrade_when_all_ready(url: str, ready: Barrier, applied: Queue) -> None:
    """Open without upgrading, wait for the other upgraders, upgrade, report what ran."""
    with open_store(url, upgrade=False) as store:
        ready.wait(timeout=30)
        applied.put(store.upgrade())


def start_conversations_when_all_ready(
    url: str, transactions: int, per_transaction: int, ready: Barrier, numbers: Queue
) -> None:
    """Wait for the other writers, then start ``per_transaction`` conversations in each
    of ``transactions`` transactions as sync does (numbers handed out, then taken and
    inserted), pausing inside each so that writers overlap; report the numbers stored."""
    from supportctl.store import mail as queries

    stored: list[int] = []
    with open_store(url, upgrade=False) as store:
        ready.wait(timeout=30)
        for _ in range(transactions):
            with store.transaction() as tx:
                handed = queries.ConversationNumbers.guess(tx, above=0)
                for _ in range(per_transaction):
                    handed.next()
                time.sleep(0.01)
                taken = sorted(handed.take(tx).values())
                queries.insert_conversations(tx, [conversation_row(n) for n in taken])
            stored += taken
    numbers.put(stored)


def conversation_row(number: int, mailbox: str = "support") -> dict[str, object]:
    """The least a conversation row needs, under ``number``."""
    return {"id": number, "mailbox": mailbox, "channel": "email", "created_at": 1, "updated_at": 1}
