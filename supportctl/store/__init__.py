"""The database: schema, numbered migrations, queries — the only place that writes SQL.

SQLite by default, PostgreSQL by URL::

    from supportctl.store import open_store

    with open_store("sqlite:///var/lib/supportctl/support.db") as store:
        with store.transaction() as tx:
            tx.execute("UPDATE conversation SET status = ? WHERE id = ?", ("closed", 1234))

Modules: ``database`` (Store, Tx, StoreStatus), ``dialect`` (what differs between the
databases), ``sqlite`` and ``postgres`` (the two dialects), ``migrations`` (one numbered
module per schema step), ``url`` (parsing and masking store URLs). Feature query
modules live beside them as functions taking a ``Tx``.

This module imports no database driver: ``open_store`` loads the one its URL needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from supportctl.store.database import Clock, Store
    from supportctl.store.migrations import Migration

__all__ = ["open_store"]


def open_store(
    url: str,
    *,
    upgrade: bool = True,
    clock: Clock | None = None,
    migrations: Sequence[Migration] | None = None,
) -> Store:
    """Connect to the store at ``url`` and, with ``upgrade``, apply pending migrations.

    ``url`` is ``sqlite:///abs/path.db``, ``sqlite:rel/path.db``, a bare path, or
    ``postgresql://`` / ``postgres://`` for PostgreSQL (needs psycopg). A SQLite file's
    directory is created if missing. ``clock`` (aware UTC) stamps applied migrations;
    ``migrations`` replaces this package's own (for tests and tools).

    Raises StoreError, with any password masked, when the database cannot be reached or
    created, or is at a schema version newer than this code.
    """
    from supportctl.store.database import Store, utc_now
    from supportctl.store.dialect import dialect_for_url
    from supportctl.store.migrations import discover_migrations

    dialect = dialect_for_url(url)
    store = Store(
        dialect,
        dialect.connect(),
        migrations=discover_migrations() if migrations is None else migrations,
        clock=clock or utc_now,
    )
    try:
        if upgrade:
            store.upgrade()
        else:
            store.pending_migrations()  # refuses a database newer than this code
    except BaseException:
        store.close()
        raise
    return store
