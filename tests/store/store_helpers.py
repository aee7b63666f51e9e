"""Shared by the store tests: the PostgreSQL test server's address, and the code
other processes run (spawned interpreters import it by name)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
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


def upgrade_when_all_ready(url: str, ready: Barrier, applied: Queue) -> None:
    """Open without upgrading, wait for the other upgraders, upgrade, report what ran."""
    with open_store(url, upgrade=False) as store:
        ready.wait(timeout=30)
        applied.put(store.upgrade())
