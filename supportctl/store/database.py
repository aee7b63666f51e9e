"""The store: one connection, transactions, streaming, locks and migrations.

Query modules (``supportctl/store/conversations.py`` and the like) are plain functions
taking a ``Tx``, so callers compose them inside one transaction::

    with store.transaction() as tx:
        number = tx.insert_returning_id(
            "INSERT INTO conversation (mailbox, channel, created_at, updated_at)"
            " VALUES (?, ?, ?, ?)",
            ("support", "email", now, now),
        )
        tx.execute("INSERT INTO conversation_tag VALUES (?, ?)", (number, "refund"))

SQL is written once, with ``?`` placeholders; the dialect translates it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from supportctl.errors import LockedError, StoreError
from supportctl.store.dialect import Connection, Cursor, Dialect, LockHandle
from supportctl.store.migrations import Migration

Row = dict[str, Any]
Params = Sequence[Any]
Clock = Callable[[], datetime]

UPGRADE_LOCK_NAME = "schema-upgrade"
# A migration of a large store can take minutes; a second upgrader waits that long.
UPGRADE_LOCK_WAIT_SECONDS = 600.0
LOCK_POLL_SECONDS = 0.05
_BOOKKEEPING_TABLE = """
    CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        applied_at {int64} NOT NULL
    )
"""


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class StoreStatus:
    """Where the store is and which migrations it has (``applied_at`` is aware UTC)."""

    url: str
    dialect: str
    current_version: int
    latest_version: int
    pending: list[tuple[int, str]]
    applied: list[tuple[int, str, datetime]]


class Tx:
    """One open transaction of a ``Store``, valid inside its ``with`` block only; every
    statement uses ``?`` placeholders.

    Database failures raise StoreError (the transaction is then rolled back).
    """

    def __init__(self, dialect: Dialect, connection: Connection):
        self._dialect = dialect
        self._connection = connection

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``, for the rare query that must differ."""
        return self._dialect.name

    def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; return the number of rows it changed."""
        with self._cursor(sql, params) as cursor:
            return cursor.rowcount

    def executemany(self, sql: str, seq: Iterable[Params]) -> None:
        """Run one statement once per parameter tuple."""
        with _as_store_errors(self._dialect), closing(self._connection.cursor()) as cursor:
            cursor.executemany(self._dialect.translate(sql), [tuple(params) for params in seq])

    def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Params]) -> None:
        """Insert ``rows`` (tuples in ``columns`` order) into ``table``: many rows at once,
        by the fastest way the database offers (COPY on PostgreSQL)."""
        with _as_store_errors(self._dialect):
            self._dialect.insert_rows(self._connection, table, columns, rows)

    def one_of(self, column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
        """A condition that ``column`` is one of ``values`` (not empty), and its
        parameters, in the form that plans best on this database::

            condition, params = tx.one_of("id", numbers)
            tx.query(f"SELECT * FROM conversation WHERE {condition}", params)
        """
        return self._dialect.one_of(column, values)

    def query(self, sql: str, params: Params = ()) -> list[Row]:
        """All rows, as dicts keyed by column name."""
        with self._cursor(sql, params) as cursor:
            return _as_dicts(cursor, cursor.fetchall())

    def rows(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        """All rows, as tuples in the order of the select list: for bulk reads, where a
        dict per row costs more than the query."""
        with self._cursor(sql, params) as cursor:
            return cursor.fetchall()

    def query_one(self, sql: str, params: Params = ()) -> Row | None:
        """The first row, or None when there is none."""
        with self._cursor(sql, params) as cursor:
            row = cursor.fetchone()
            return None if row is None else _as_dicts(cursor, [row])[0]

    def scalar(self, sql: str, params: Params = ()) -> Any:
        """The first column of the first row, or None when there is no row."""
        with self._cursor(sql, params) as cursor:
            row = cursor.fetchone()
            return None if row is None else row[0]

    def insert_returning_id(self, sql: str, params: Params = ()) -> int | None:
        """Run an INSERT and return the ``id`` the database allocated.

        None when no row was inserted (``ON CONFLICT DO NOTHING`` skipped it).
        """
        return self.scalar(f"{sql.rstrip().rstrip(';')} RETURNING id", params)

    def iterate(self, sql: str, params: Params = (), batch_size: int = 5000) -> Iterator[Row]:
        """Stream the rows, fetching ``batch_size`` at a time from the database."""
        for cursor, batch in self._batches(sql, params, batch_size):
            yield from _as_dicts(cursor, batch)

    def iterate_batches(
        self, sql: str, params: Params = (), batch_size: int = 5000
    ) -> Iterator[list[Sequence[Any]]]:
        """Stream the rows as tuples in the query's column order, ``batch_size`` to a
        list: no dict per row, for exports of millions of rows."""
        for _, batch in self._batches(sql, params, batch_size):
            yield batch

    def _batches(
        self, sql: str, params: Params, batch_size: int
    ) -> Iterator[tuple[Cursor, list[Sequence[Any]]]]:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, not {batch_size}")
        dialect = self._dialect
        with _as_store_errors(dialect):
            cursor = dialect.streaming_cursor(self._connection)
        with _as_store_errors(dialect), closing(cursor):
            cursor.execute(dialect.translate(sql), tuple(params))
            while batch := cursor.fetchmany(batch_size):
                yield cursor, batch

    @contextmanager
    def _cursor(self, sql: str, params: Params) -> Iterator[Cursor]:
        # A cursor per statement, closed at once: a half-read SQLite statement left open
        # would otherwise keep its read going until the next one.
        with _as_store_errors(self._dialect), closing(self._connection.cursor()) as cursor:
            cursor.execute(self._dialect.translate(sql), tuple(params))
            yield cursor


class Store:
    """A supportctl database (SQLite or PostgreSQL) on one connection.

    Open it with ``supportctl.store.open_store``. Not thread-safe, not re-entrant: one
    transaction (or ``iterate``) at a time.
    """

    def __init__(
        self,
        dialect: Dialect,
        connection: Connection,
        *,
        migrations: Sequence[Migration],
        clock: Clock,
    ):
        self._dialect = dialect
        self._connection = connection
        self._migrations = tuple(migrations)
        self._clock = clock
        self._in_transaction = False

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self._dialect.name

    @property
    def url_for_display(self) -> str:
        """The store's URL with any password masked."""
        return self._dialect.display

    def __repr__(self) -> str:
        return f"<Store {self.url_for_display}>"

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection; closing twice is harmless."""
        with _as_store_errors(self._dialect):
            self._connection.close()

    # -- transactions and queries ---------------------------------------------------

    @contextmanager
    def transaction(self, *, readonly: bool = False) -> Iterator[Tx]:
        """One transaction: committed if the block succeeds, rolled back if it raises.

        ``readonly=True`` promises the block only reads. SQLite then starts a deferred
        transaction that never waits for a writer; writes are not prevented.
        """
        if self._in_transaction:
            raise StoreError("a transaction is already open on this store")
        self._in_transaction = True
        try:
            with _as_store_errors(self._dialect):
                self._dialect.begin(self._connection, readonly=readonly)
            yield Tx(self._dialect, self._connection)
            with _as_store_errors(self._dialect):
                self._connection.commit()
        except BaseException:
            self._roll_back()
            raise
        finally:
            self._in_transaction = False

    def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Params]) -> None:
        """Insert ``rows`` (tuples in ``columns`` order) into ``table``: many rows at once,
        by the fastest way the database offers (COPY on PostgreSQL)."""
        with _as_store_errors(self._dialect):
            self._dialect.insert_rows(self._connection, table, columns, rows)

    def query(self, sql: str, params: Params = ()) -> list[Row]:
        """``Tx.query`` in a short read transaction of its own."""
        with self.transaction(readonly=True) as tx:
            return tx.query(sql, params)

    def query_one(self, sql: str, params: Params = ()) -> Row | None:
        """``Tx.query_one`` in a short read transaction of its own."""
        with self.transaction(readonly=True) as tx:
            return tx.query_one(sql, params)

    def scalar(self, sql: str, params: Params = ()) -> Any:
        """``Tx.scalar`` in a short read transaction of its own."""
        with self.transaction(readonly=True) as tx:
            return tx.scalar(sql, params)

    def iterate(self, sql: str, params: Params = (), batch_size: int = 5000) -> Iterator[Row]:
        """Stream rows in constant memory, in one read transaction held while iterating.

        The store is busy until the iterator is exhausted or closed; wrap it in
        ``contextlib.closing`` when you may stop early.
        """
        with self.transaction(readonly=True) as tx:
            yield from tx.iterate(sql, params, batch_size)

    def iterate_batches(
        self, sql: str, params: Params = (), batch_size: int = 5000
    ) -> Iterator[list[Sequence[Any]]]:
        """``Tx.iterate_batches`` in one read transaction held while iterating (as
        ``iterate``)."""
        with self.transaction(readonly=True) as tx:
            yield from tx.iterate_batches(sql, params, batch_size)

    # -- locks ------------------------------------------------------------------------

    @contextmanager
    def lock(self, name: str, wait: float = 0) -> Iterator[None]:
        """Hold the cross-process lock ``name`` (e.g. ``"mailbox:support"``) in the block.

        If another process holds it, poll for up to ``wait`` seconds, then raise
        LockedError. The OS (SQLite) or the server (PostgreSQL) drops the lock if this
        process dies.
        """
        handle = self._dialect.lock_handle(name)
        try:
            self._acquire(handle, name, wait)
            yield
        finally:
            with _as_store_errors(self._dialect):
                handle.release()

    def _acquire(self, handle: LockHandle, name: str, wait: float) -> None:
        deadline = time.monotonic() + wait
        while True:
            with _as_store_errors(self._dialect):
                if handle.try_acquire():
                    return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                waited = f" (waited {wait:g} s)" if wait > 0 else ""
                raise LockedError(f"another run holds the lock {name!r}{waited}")
            time.sleep(min(LOCK_POLL_SECONDS, remaining))

    # -- migrations -------------------------------------------------------------------

    def status(self) -> StoreStatus:
        """The schema version of the database and of this code, and what is pending."""
        applied = self._applied()
        return StoreStatus(
            url=self.url_for_display,
            dialect=self.dialect,
            current_version=max((number for number, _, _ in applied), default=0),
            latest_version=self._latest_version,
            pending=_numbers_and_names(self._unapplied({n for n, _, _ in applied})),
            applied=applied,
        )

    def upgrade(self, dry_run: bool = False) -> list[tuple[int, str]]:
        """Apply pending migrations in order, each in its own transaction with its row in
        ``schema_migrations``; return ``(number, name)`` of those applied (or, with
        ``dry_run``, of those that would be).

        Concurrent upgraders serialise on a lock; the later one finds nothing to do.
        StoreError if the database is newer than this code.
        """
        pending = self.pending_migrations()
        if dry_run or not pending:
            return _numbers_and_names(pending)
        with self.lock(UPGRADE_LOCK_NAME, wait=UPGRADE_LOCK_WAIT_SECONDS):
            # Read again under the lock: another process may have upgraded meanwhile.
            pending = self.pending_migrations()
            for migration in pending:
                self._apply(migration)
        return _numbers_and_names(pending)

    def pending_migrations(self) -> list[Migration]:
        """Migrations not yet applied; StoreError if the database is newer than the code."""
        applied_numbers = {number for number, _, _ in self._applied()}
        newest = max(applied_numbers, default=0)
        if newest > self._latest_version:
            raise StoreError(
                f"{self.url_for_display} is at schema version {newest}, newer than this"
                f" supportctl knows ({self._latest_version})",
                hint="upgrade supportctl",
            )
        return self._unapplied(applied_numbers)

    @property
    def _latest_version(self) -> int:
        return self._migrations[-1].number if self._migrations else 0

    def _unapplied(self, applied_numbers: set[int]) -> list[Migration]:
        return [m for m in self._migrations if m.number not in applied_numbers]

    def _applied(self) -> list[tuple[int, str, datetime]]:
        with self.transaction(readonly=True) as tx:
            if tx.scalar(self._dialect.table_exists_sql, ("schema_migrations",)) is None:
                return []
            rows = tx.query("SELECT version, name, applied_at FROM schema_migrations ORDER BY 1")
        return [
            (row["version"], row["name"], datetime.fromtimestamp(row["applied_at"], UTC))
            for row in rows
        ]

    def _apply(self, migration: Migration) -> None:
        with self.transaction() as tx:
            tx.execute(_BOOKKEEPING_TABLE.format_map(self._dialect.schema_types))
            for statement in migration.render(self._dialect.schema_types):
                tx.execute(statement)
            tx.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                (migration.number, migration.name, int(self._clock().timestamp())),
            )

    def _roll_back(self) -> None:
        # The caller must see the original exception; a rollback failing as well (the
        # connection is gone) adds nothing, and the server discards the transaction.
        with suppress(*self._dialect.driver_errors):
            self._connection.rollback()


@contextmanager
def _as_store_errors(dialect: Dialect) -> Iterator[None]:
    """Turn the driver's exceptions into one-line StoreErrors with secrets masked."""
    try:
        yield
    except dialect.driver_errors as error:
        raise StoreError(
            f"database error on {dialect.display}: {dialect.describe_error(error)}"
        ) from error


def _numbers_and_names(migrations: Iterable[Migration]) -> list[tuple[int, str]]:
    return [(migration.number, migration.name) for migration in migrations]


def _as_dicts(cursor: Cursor, rows: Sequence[Sequence[Any]]) -> list[Row]:
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in rows]
