"""Opening a store: connection settings, and the errors a person sees when it fails."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from supportctl.errors import LockedError, StoreError
from supportctl.store import open_store
from supportctl.store.database import Store
from tests.store.store_helpers import PG_SECRET, PostgresServer


def test_open_creates_the_missing_directory_of_a_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "var" / "lib" / "support.db"

    with open_store(f"sqlite://{path}") as store:
        assert store.dialect == "sqlite"
        assert store.url_for_display == f"sqlite://{path}"

    assert path.is_file()


def test_sqlite_connection_settings(tmp_path: Path) -> None:
    with open_store(str(tmp_path / "support.db")) as store:
        settings = {
            pragma: store.scalar(f"PRAGMA {pragma}")
            for pragma in ("journal_mode", "busy_timeout", "foreign_keys", "synchronous")
        }

    # synchronous 1 is NORMAL.
    assert settings == {
        "journal_mode": "wal",
        "busy_timeout": 10000,
        "foreign_keys": 1,
        "synchronous": 1,
    }


def test_sqlite_directory_that_cannot_be_created_is_a_store_error(tmp_path: Path) -> None:
    (tmp_path / "plain-file").write_text("not a directory")
    path = tmp_path / "plain-file" / "data" / "support.db"

    with pytest.raises(StoreError) as caught:
        open_store(f"sqlite://{path}")

    assert str(caught.value) == (
        f"cannot create the directory of sqlite://{path} ({path.parent}): Not a directory"
    )


def test_a_file_that_is_not_a_database_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "support.db"
    path.write_bytes(b"this is a text file, not SQLite " * 4)

    with pytest.raises(StoreError) as caught:
        open_store(str(path))

    assert str(caught.value) == f"cannot open sqlite://{path}: file is not a database"


def test_missing_psycopg_names_the_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # makes `import psycopg` fail

    with pytest.raises(StoreError) as caught:
        open_store("postgresql://ann:hunter2@db.example.com/support")

    assert str(caught.value) == (
        "PostgreSQL support is not installed (pip install 'supportctl[postgres]')"
    )


@pytest.mark.postgres
def test_unreachable_server_is_a_one_line_error_without_the_password(
    postgres: PostgresServer,
) -> None:
    url = f"postgresql://{postgres.user}:{PG_SECRET}@127.0.0.1:1/test"

    with pytest.raises(StoreError) as caught:
        open_store(url)

    message = str(caught.value)
    assert message.startswith(
        f"cannot connect to postgresql://{postgres.user}:***@127.0.0.1:1/test: "
    )
    assert "Connection refused" in message
    assert "\n" not in message
    assert PG_SECRET not in message


@pytest.mark.postgres
def test_missing_database_is_a_one_line_error_without_the_password(
    postgres: PostgresServer,
) -> None:
    url = postgres.url(password=PG_SECRET, database="supportctl_no_such_database")

    with pytest.raises(StoreError) as caught:
        open_store(url)

    message = str(caught.value)
    assert 'database "supportctl_no_such_database" does not exist' in message
    assert message.startswith(f"cannot connect to postgresql://{postgres.user}:***@")
    assert "\n" not in message
    assert PG_SECRET not in message


@pytest.mark.postgres
def test_postgres_store_keeps_one_connection(postgres: PostgresServer) -> None:
    with open_store(postgres.url()) as store:
        backends = {store.scalar("SELECT pg_backend_pid()") for _ in range(3)}

    assert len(backends) == 1


def test_opening_a_sqlite_store_imports_no_postgres_driver(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "import supportctl.store\n"
        "print(sorted(m for m in ('sqlite3', 'psycopg') if m in sys.modules))\n"
        f"supportctl.store.open_store({str(tmp_path / 'support.db')!r}).close()\n"
        "print(sorted(m for m in ('sqlite3', 'psycopg') if m in sys.modules))\n"
    )

    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )

    assert result.stdout == "[]\n['sqlite3']\n"


def test_store_is_a_context_manager_that_closes(tmp_path: Path) -> None:
    with open_store(str(tmp_path / "support.db")) as store:
        assert isinstance(store, Store)

    with pytest.raises(StoreError, match="closed database"):
        store.scalar("SELECT 1")
    store.close()  # a second close is harmless


def chained_messages(error: BaseException | None) -> str:
    """Every message a traceback would print for ``error``: its own and its causes'."""
    messages = []
    while error is not None:
        messages.append(f"{type(error).__name__}: {error}")
        error = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
    return "\n".join(messages)


def test_a_password_libpq_quotes_is_masked_even_in_the_traceback() -> None:
    with pytest.raises(StoreError) as caught:
        open_store("postgresql://ann:hunter%zz@127.0.0.1/support")

    assert str(caught.value) == (
        "cannot connect to postgresql://ann:***@127.0.0.1/support:"
        ' invalid percent-encoded token: "***"'
    )
    assert "hunter" not in chained_messages(caught.value)


def test_an_unparsable_url_is_not_echoed() -> None:
    with pytest.raises(StoreError) as caught:
        open_store("postgresql://ann:hunter2@[::1/support")

    assert str(caught.value) == "the store URL cannot be parsed: Invalid IPv6 URL"
    assert "hunter2" not in chained_messages(caught.value)


@pytest.mark.postgres
def test_no_message_of_a_postgres_store_shows_its_password(postgres: PostgresServer) -> None:
    url = postgres.url(password=PG_SECRET)
    masked = f"postgresql://{postgres.user}:***@"
    with open_store(url) as store:
        shown = [repr(store), store.url_for_display, store.status().url]
        with pytest.raises(StoreError) as bad_query:
            store.scalar("SELECT no_such_column FROM state")
        with store.lock("mailbox:support"), pytest.raises(LockedError) as locked:
            store.lock("mailbox:support").__enter__()
        with store.transaction() as tx:
            tx.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", (99, "future", 0))
    with pytest.raises(StoreError) as too_new:
        open_store(url)
    errors = [bad_query.value, locked.value, too_new.value]

    assert all(text.count(masked) == 1 for text in shown)
    assert str(bad_query.value).startswith(f"database error on {masked}")
    assert str(too_new.value).startswith(masked)
    assert [PG_SECRET in text for text in shown] == [False, False, False]
    assert [PG_SECRET in chained_messages(error) for error in errors] == [False, False, False]
