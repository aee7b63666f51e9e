"""SQLite, the default store: one file in WAL mode, locks as flock'd files beside it."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import time
from pathlib import Path
from types import MappingProxyType
from urllib.parse import quote

from supportctl.errors import StoreError
from supportctl.store.dialect import Connection, Cursor, Dialect, LockHandle

BUSY_TIMEOUT_SECONDS = 10.0
_RETRY_SECONDS = 0.05


class SqliteDialect(Dialect):
    """A SQLite database file, opened with ``isolation_level=None`` so the store decides
    where transactions begin and end."""

    name = "sqlite"
    schema_types = MappingProxyType(
        {"id_pk": "INTEGER PRIMARY KEY AUTOINCREMENT", "int64": "INTEGER"}
    )
    table_exists_sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"

    @property
    def path(self) -> Path:
        return Path(self.location.target)

    @property
    def driver_errors(self) -> tuple[type[Exception], ...]:
        return (sqlite3.Error,)

    def connect(self) -> Connection:
        _make_directory(self.path.parent, purpose=f"the directory of {self.display}")
        try:
            # connect()'s timeout is SQLite's busy timeout: wait for a writer, then fail.
            connection = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None
            )
        except sqlite3.Error as error:
            raise StoreError(f"cannot open {self.display}: {self.describe_error(error)}") from error
        try:
            _switch_to_wal(connection)
            connection.execute("PRAGMA synchronous = NORMAL")
            connection.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error as error:
            connection.close()
            raise StoreError(f"cannot open {self.display}: {self.describe_error(error)}") from error
        return connection

    def begin(self, connection: Connection, *, readonly: bool) -> None:
        # A deferred transaction that reads and then writes fails at once with
        # SQLITE_BUSY if another writer got in between (the busy timeout cannot help), so
        # writing transactions take the write lock up front; readers never wait.
        connection.execute("BEGIN" if readonly else "BEGIN IMMEDIATE")

    def translate(self, sql: str) -> str:
        return sql

    def streaming_cursor(self, connection: Connection) -> Cursor:
        # sqlite3 steps the statement as rows are fetched: fetchmany() is already a stream.
        return connection.cursor()

    def lock_handle(self, name: str) -> LockHandle:
        directory = Path(f"{self.path}.lock.d")
        return _FileLock(directory / f"{quote(name, safe=':@')}.lock")


class _FileLock:
    """An exclusive ``flock`` on a file; the kernel drops it when the process dies."""

    def __init__(self, path: Path):
        self.path = path
        self._descriptor: int | None = None

    def try_acquire(self) -> bool:
        if self._descriptor is None:
            self._descriptor = self._open()
        try:
            fcntl.flock(self._descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def release(self) -> None:
        if self._descriptor is None:
            return
        # Unlock explicitly: a forked child sharing the descriptor would keep it held.
        fcntl.flock(self._descriptor, fcntl.LOCK_UN)
        os.close(self._descriptor)
        self._descriptor = None

    def _open(self) -> int:
        _make_directory(self.path.parent, purpose="the lock directory")
        try:
            return os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise StoreError(f"cannot open the lock file {self.path}: {error.strerror}") from error


def _switch_to_wal(connection: sqlite3.Connection) -> None:
    """Put the database in WAL mode, so readers (reports) run while a sync writes.

    Switching a new file needs an exclusive lock, and SQLite answers a concurrent
    switch (two cron runs creating the store together) with SQLITE_BUSY at once,
    bypassing the busy timeout; so retry for as long as that timeout.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
    while True:
        try:
            connection.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() >= deadline:
                raise
            time.sleep(_RETRY_SECONDS)


def _make_directory(path: Path, *, purpose: str) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StoreError(f"cannot create {purpose} ({path}): {error.strerror}") from error
