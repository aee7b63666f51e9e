"""Cross-process locks: refused at once, waited for, released on exit and on death."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.context import SpawnContext, SpawnProcess
from pathlib import Path

import pytest

from supportctl.errors import ExitStatus, LockedError
from supportctl.store import open_store
from supportctl.store.database import Store
from tests.store.store_helpers import hold_lock

NAME = "mailbox:support"


@contextmanager
def holder(
    spawn: SpawnContext, url: str, *, linger: float = 0
) -> Iterator[tuple[SpawnProcess, Callable[[], None]]]:
    """Another process holding lock NAME, and the function that tells it to let go."""
    ours, theirs = spawn.Pipe()
    process = spawn.Process(target=hold_lock, args=(url, NAME, theirs, linger))
    process.start()

    def release() -> None:
        if process.is_alive():
            ours.send("release")

    try:
        assert ours.poll(timeout=30), "the holder process never took the lock"
        assert ours.recv() == "held"
        yield process, release
    finally:
        release()
        process.join(timeout=30)


def test_a_lock_held_elsewhere_is_refused_at_once_then_granted_after_release(
    store: Store, store_url: str, spawn: SpawnContext
) -> None:
    with holder(spawn, store_url, linger=0.3) as (process, release):
        started = time.monotonic()
        with pytest.raises(LockedError) as refused:
            store.lock(NAME).__enter__()
        refused_after = time.monotonic() - started

        release()  # the holder lets go 0.3 s from now
        started = time.monotonic()
        with store.lock(NAME, wait=10):
            granted_after = time.monotonic() - started

    assert str(refused.value) == "another run holds the lock 'mailbox:support'"
    assert refused.value.exit_status == ExitStatus.LOCKED
    assert refused_after < 0.5
    assert 0.25 < granted_after < 10
    assert process.exitcode == 0


def test_waiting_gives_up_after_the_wait(store: Store, store_url: str, spawn: SpawnContext) -> None:
    with holder(spawn, store_url):
        started = time.monotonic()
        with pytest.raises(LockedError) as refused, store.lock(NAME, wait=0.3):
            pass
        waited = time.monotonic() - started

    assert str(refused.value) == "another run holds the lock 'mailbox:support' (waited 0.3 s)"
    assert 0.3 <= waited < 2


def test_a_lock_is_released_when_its_holder_dies(
    store: Store, store_url: str, spawn: SpawnContext
) -> None:
    with holder(spawn, store_url) as (process, _):
        os.kill(process.pid, signal.SIGKILL)
        process.join(timeout=30)
        with store.lock(NAME, wait=10):
            pass

    assert process.exitcode == -signal.SIGKILL


def test_a_second_lock_on_the_same_name_conflicts_even_in_one_process(store: Store) -> None:
    with store.lock(NAME), pytest.raises(LockedError), store.lock(NAME):
        pass


def test_locks_with_different_names_are_independent(store: Store) -> None:
    with store.lock(NAME), store.lock("mailbox:sales"):
        pass


def test_a_released_lock_can_be_taken_again(store: Store) -> None:
    with store.lock(NAME):
        pass

    with store.lock(NAME):
        pass


def test_a_lock_is_released_when_its_block_raises(store: Store) -> None:
    with pytest.raises(RuntimeError), store.lock(NAME):
        raise RuntimeError("sync failed")

    with store.lock(NAME):
        pass


def test_sqlite_locks_are_files_beside_the_database(tmp_path: Path) -> None:
    database = tmp_path / "support.db"

    with open_store(str(database)) as store, store.lock("mailbox:support/eu"):
        lock_files = sorted(path.name for path in (tmp_path / "support.db.lock.d").iterdir())

    assert lock_files == ["mailbox:support%2Feu.lock", "schema-upgrade.lock"]
