"""What differs between SQLite and PostgreSQL, behind one small interface.

``Store`` holds one ``Dialect`` and never branches on the database itself: connecting,
starting a transaction, placeholder style, streaming cursors, locks, schema type names
and driver errors are the dialect's business; everything else is shared.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from importlib import import_module
from typing import Any, ClassVar, Protocol

from supportctl.store.url import StoreLocation, parse_store_url


class Cursor(Protocol):
    """The DB-API cursor surface the store uses (sqlite3 and psycopg both provide it)."""

    description: Any
    rowcount: int

    def execute(self, sql: str, params: Any = ..., /) -> Any: ...
    def executemany(self, sql: str, seq: Any, /) -> Any: ...
    def fetchone(self) -> Any: ...
    def fetchmany(self, size: int = ..., /) -> list[Any]: ...
    def fetchall(self) -> list[Any]: ...
    def close(self) -> Any: ...


class Connection(Protocol):
    """The DB-API connection surface the store uses."""

    def cursor(self, *args: Any, **kwargs: Any) -> Any: ...
    def execute(self, sql: str, params: Any = ..., /) -> Any: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
    def close(self) -> None: ...


class LockHandle(Protocol):
    """One named cross-process lock; ``Store.lock`` does the polling and waiting."""

    def try_acquire(self) -> bool:
        """Take the lock if it is free; never blocks."""
        ...

    def release(self) -> None:
        """Give the lock back (and free whatever held it); safe if never acquired."""
        ...


class Dialect(ABC):
    """One database family, bound to one location."""

    name: ClassVar[str]
    # Spellings migrations write as ``{id_pk}``, ``{int64}``: the only schema differences.
    schema_types: ClassVar[Mapping[str, str]]
    # A query returning one row when the table named by its one parameter exists.
    table_exists_sql: ClassVar[str]

    def __init__(self, location: StoreLocation):
        self.location = location

    @property
    def display(self) -> str:
        return self.location.display

    @property
    @abstractmethod
    def driver_errors(self) -> tuple[type[Exception], ...]:
        """Exceptions the driver raises for database failures."""

    @abstractmethod
    def connect(self) -> Connection:
        """Open and configure the store's one connection; StoreError if impossible."""

    @abstractmethod
    def begin(self, connection: Connection, *, readonly: bool) -> None:
        """Start a transaction on ``connection``."""

    @abstractmethod
    def translate(self, sql: str) -> str:
        """``sql`` written with ``?`` placeholders, in the driver's own style."""

    @abstractmethod
    def streaming_cursor(self, connection: Connection) -> Cursor:
        """A cursor whose ``fetchmany`` pulls rows from the database batch by batch."""

    @abstractmethod
    def lock_handle(self, name: str) -> LockHandle:
        """A cross-process lock called ``name`` belonging to this store."""

    def insert_rows(
        self, connection: Connection, table: str, columns: Sequence[str], rows: Sequence[Any]
    ) -> None:
        """Insert ``rows`` (tuples in ``columns`` order) into ``table``, the fastest way
        the database offers: here one INSERT run per row."""
        marks = ", ".join("?" for _ in columns)
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
        cursor = connection.cursor()
        try:
            cursor.executemany(self.translate(sql), rows)
        finally:
            cursor.close()

    def one_of(self, column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
        """A condition that ``column`` is one of ``values`` (not empty), with its
        parameters: here ``column IN (?, ...)``."""
        return f"{column} IN ({', '.join('?' for _ in values)})", list(values)

    def describe_error(self, error: BaseException) -> str:
        """The driver's message on one line, with every secret of the URL masked."""
        return self.one_line(str(error) or type(error).__name__)

    def one_line(self, text: str) -> str:
        """``text`` joined onto one line, with every secret of the URL masked."""
        lines = (line.strip() for line in text.splitlines())
        return self.location.redact("; ".join(line for line in lines if line))


# Imported on demand: opening a SQLite store must not import psycopg, nor the reverse.
_DIALECT_CLASSES = {
    "sqlite": ("supportctl.store.sqlite", "SqliteDialect"),
    "postgresql": ("supportctl.store.postgres", "PostgresDialect"),
}


def dialect_for_url(url: str) -> Dialect:
    """The dialect serving ``url`` (see ``supportctl.store.url`` for the forms)."""
    location = parse_store_url(url)
    module_name, class_name = _DIALECT_CLASSES[location.dialect]
    dialect_class: type[Dialect] = getattr(import_module(module_name), class_name)
    return dialect_class(location)
