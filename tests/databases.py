"""Database fixtures for every suite: a test taking ``store_url`` runs on SQLite and PostgreSQL.

PostgreSQL is the server on 127.0.0.1:5432 (database ``test``, trust auth, user
``postgres`` or the current user). Each test session works in a schema of its own,
``supportctl_test_<random>``, emptied before every test and dropped at the end, so
parallel runs do not collide. If the server cannot be reached the PostgreSQL cases are
skipped, with the reason in pytest's summary.
"""

from __future__ import annotations

import getpass
import multiprocessing
import secrets
from collections.abc import Iterator
from multiprocessing.context import SpawnContext
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from supportctl.store import open_store
from supportctl.store.database import Store
from tests.store.store_helpers import PG_DATABASE, PG_HOST, PG_PORT, PostgresServer

if TYPE_CHECKING:
    import psycopg


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[tuple[PostgresServer, psycopg.Connection]]:
    """The server and an autocommit admin connection; skips when unreachable."""
    psycopg = pytest.importorskip("psycopg", reason="psycopg is not installed")
    failures: dict[str, None] = {}  # distinct messages, in order: "refused" only once
    for user in dict.fromkeys(("postgres", getpass.getuser())):
        try:
            admin = psycopg.connect(
                f"postgresql://{user}@{PG_HOST}:{PG_PORT}/{PG_DATABASE}",
                autocommit=True,
                connect_timeout=3,
            )
        except psycopg.Error as error:
            failures[" ".join(str(error).split())] = None
            continue
        break
    else:
        pytest.skip(f"PostgreSQL not reachable at {PG_HOST}:{PG_PORT}: {'; '.join(failures)}")
    server = PostgresServer(user=user, schema=f"supportctl_test_{secrets.token_hex(4)}")
    # A test that leaks an open transaction must fail the next one, not hang it.
    admin.execute("SET lock_timeout = '5s'")
    try:
        yield server, admin
    finally:
        admin.execute(f"DROP SCHEMA IF EXISTS {server.schema} CASCADE")
        admin.close()


@pytest.fixture
def postgres(postgres_admin: tuple[PostgresServer, psycopg.Connection]) -> PostgresServer:
    """The server, with this session's schema emptied for the test."""
    server, admin = postgres_admin
    admin.execute(f"DROP SCHEMA IF EXISTS {server.schema} CASCADE")
    admin.execute(f"CREATE SCHEMA {server.schema}")
    return server


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty store; the SQLite file's directory does not exist yet."""
    if request.param == "sqlite":
        return f"sqlite://{tmp_path}/data/support.db"
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.url()


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """A migrated store, closed after the test."""
    with open_store(store_url) as opened:
        yield opened


@pytest.fixture
def spawn() -> SpawnContext:
    """Fresh interpreters for cross-process tests: nothing (open files, connections,
    locks) is inherited from the test process as it would be with fork."""
    return multiprocessing.get_context("spawn")
