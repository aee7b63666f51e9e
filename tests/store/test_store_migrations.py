"""Migrations: applying, recording, refusing, and the version 1 schema itself."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from supportctl.errors import StoreError
from supportctl.store import open_store
from supportctl.store.database import Store
from supportctl.store.migrations import Migration, discover_migrations
from tests.store.store_helpers import run_together, upgrade_when_all_ready

FIRST_UPGRADE = datetime(2026, 3, 19, 6, 30, tzinfo=UTC)
LATER = datetime(2026, 4, 2, 12, 0, tzinfo=UTC)
SCHEMA_V1_TABLES = {
    "conversation",
    "conversation_tag",
    "event",
    "message",
    "schema_migrations",
    "state",
    "sync_state",
}
CATALOG = {
    "sqlite": {
        "tables": "SELECT name FROM sqlite_master WHERE type = 'table'"
        " AND name NOT LIKE 'sqlite_%'",
        "indexes": "SELECT name FROM sqlite_master WHERE type = 'index'"
        " AND name NOT LIKE 'sqlite_%'",
    },
    "postgresql": {
        "tables": "SELECT table_name AS name FROM information_schema.tables"
        " WHERE table_schema = current_schema()",
        "indexes": "SELECT indexname AS name FROM pg_indexes"
        " WHERE schemaname = current_schema() AND indexname NOT LIKE '%_pkey'"
        " AND indexname NOT LIKE '%_key'",
    },
}


def names(store: Store, kind: str) -> set[str]:
    return {row["name"] for row in store.query(CATALOG[store.dialect][kind])}


def fixed_clock(instant: datetime):
    return lambda: instant


MIGRATIONS = [
    (1, "initial_schema"),
    (2, "sync_lookups"),
    (3, "report_times"),
    (4, "writeback"),
    (5, "message_header_fields"),
]
LATEST = len(MIGRATIONS)


def test_the_package_holds_the_migrations_in_order() -> None:
    assert [(m.number, m.name) for m in discover_migrations()] == MIGRATIONS


def test_fresh_open_applies_every_migration(store_url: str) -> None:
    with open_store(store_url, clock=fixed_clock(FIRST_UPGRADE)) as store:
        status = store.status()
        tables = names(store, "tables")

    assert status.current_version == LATEST
    assert status.latest_version == LATEST
    assert status.pending == []
    assert status.applied == [(*migration, FIRST_UPGRADE) for migration in MIGRATIONS]
    assert tables == SCHEMA_V1_TABLES | {"message_keywords"}


def test_reopening_an_upgraded_store_changes_nothing(store_url: str) -> None:
    open_store(store_url, clock=fixed_clock(FIRST_UPGRADE)).close()

    with open_store(store_url, clock=fixed_clock(LATER)) as store:
        assert store.upgrade() == []
        assert store.status().applied == [(*m, FIRST_UPGRADE) for m in MIGRATIONS]


def test_status_before_and_after_upgrade(store_url: str) -> None:
    with open_store(store_url, upgrade=False, clock=fixed_clock(FIRST_UPGRADE)) as store:
        before = store.status()
        applied = store.upgrade()
        after = store.status()

    assert (before.current_version, before.latest_version) == (0, LATEST)
    assert before.pending == MIGRATIONS
    assert before.applied == []
    assert applied == MIGRATIONS
    assert (after.current_version, after.latest_version) == (LATEST, LATEST)
    assert after.pending == []
    assert after.applied == [(*migration, FIRST_UPGRADE) for migration in MIGRATIONS]
    assert after.dialect == store.dialect
    assert after.url == store.url_for_display


def test_dry_run_lists_pending_migrations_and_changes_nothing(store_url: str) -> None:
    with open_store(store_url, upgrade=False) as store:
        planned = store.upgrade(dry_run=True)
        status = store.status()
        tables = names(store, "tables")

    assert planned == MIGRATIONS
    assert status.pending == MIGRATIONS
    assert status.applied == []
    assert tables == set()


def test_a_database_newer_than_the_code_is_refused(store: Store, store_url: str) -> None:
    with store.transaction() as tx:
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
            (LATEST + 1, "from_the_future", 1_800_000_000),
        )

    for upgrade in (True, False):
        with pytest.raises(StoreError) as caught:
            open_store(store_url, upgrade=upgrade)
        assert str(caught.value) == (
            f"{store.url_for_display} is at schema version {LATEST + 1}, newer than this"
            f" supportctl knows ({LATEST}) (upgrade supportctl)"
        )


def test_each_migration_commits_alone_and_a_failing_one_leaves_no_trace(
    store_url: str,
) -> None:
    broken = Migration(
        number=LATEST + 1,
        name="broken",
        statements=("CREATE TABLE extra (id INTEGER)", "INSERT INTO no_such_table VALUES (1)"),
    )
    migrations = [*discover_migrations(), broken]

    with pytest.raises(StoreError, match="no_such_table"):
        open_store(store_url, migrations=migrations)

    with open_store(store_url, upgrade=False, migrations=migrations) as store:
        status = store.status()
        tables = names(store, "tables")
    assert status.current_version == LATEST
    assert status.pending == [(LATEST + 1, "broken")]
    assert "extra" not in tables
    assert "conversation" in tables


def test_two_processes_upgrading_at_once_apply_each_migration_once(store_url: str, spawn) -> None:
    applied = run_together(spawn, upgrade_when_all_ready, [(store_url,)] * 2, timeout=30)

    assert sorted(applied) == [[], MIGRATIONS]
    with open_store(store_url, upgrade=False) as store:
        assert store.scalar("SELECT count(*) FROM schema_migrations") == LATEST


def test_discovery_refuses_a_gap_in_the_numbering(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "gappy_migrations"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "0001_first.py").write_text("STATEMENTS = ()\n")
    (package / "0003_third.py").write_text("STATEMENTS = ()\n")
    monkeypatch.syspath_prepend(str(tmp_path))

    with pytest.raises(StoreError) as caught:
        discover_migrations("gappy_migrations")

    assert str(caught.value) == (
        "migrations in gappy_migrations must be numbered 1, 2, 3, ... without gaps or"
        " duplicates, found [1, 3]"
    )


def test_discovery_refuses_a_misnamed_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "misnamed_migrations"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "add_column.py").write_text("STATEMENTS = ()\n")
    monkeypatch.syspath_prepend(str(tmp_path))

    with pytest.raises(StoreError) as caught:
        discover_migrations("misnamed_migrations")

    assert str(caught.value) == (
        "migration misnamed_migrations.add_column is not named NNNN_short_name"
    )


# -- the schema ------------------------------------------------------------------------


def test_the_schema_has_the_indexes_the_queries_need(store: Store) -> None:
    assert names(store, "indexes") == {
        "message_mailbox_message_id_idx",
        "message_conversation_id_idx",
        "message_mailbox_received_at_idx",
        "conversation_status_updated_at_idx",
        "conversation_assignee_status_idx",
        "conversation_customer_idx",
        "conversation_mailbox_subject_key_idx",
        "conversation_created_at_idx",
        "event_conversation_id_at_idx",
        "conversation_tag_tag_idx",
    }


def insert_conversation(store: Store, **columns: object) -> int:
    values = {"mailbox": "support", "channel": "email", "created_at": 1, "updated_at": 1}
    values.update(columns)
    placeholders = ", ".join("?" for _ in values)
    with store.transaction() as tx:
        number = tx.insert_returning_id(
            f"INSERT INTO conversation ({', '.join(values)}) VALUES ({placeholders})",
            list(values.values()),
        )
    assert number is not None
    return number


def test_conversation_defaults(store: Store) -> None:
    number = insert_conversation(store)

    row = store.query_one(
        "SELECT status, priority, assignee, reopened_count, message_count, subject_key,"
        " first_response_breached FROM conversation WHERE id = ?",
        (number,),
    )

    assert row == {
        "status": "open",
        "priority": "normal",
        "assignee": None,
        "reopened_count": 0,
        "message_count": 0,
        "subject_key": "",
        "first_response_breached": None,
    }


def test_conversation_numbers_are_never_reused(store: Store) -> None:
    first = insert_conversation(store)
    second = insert_conversation(store)
    with store.transaction() as tx:
        tx.execute("DELETE FROM conversation WHERE id = ?", (second,))

    third = insert_conversation(store)

    assert (first, second, third) == (1, 2, 3)


@pytest.mark.parametrize(
    "columns",
    [{"status": "resolved"}, {"priority": "critical"}, {"first_response_breached": 2}],
)
def test_conversation_refuses_values_outside_its_vocabulary(
    store: Store, columns: dict[str, object]
) -> None:
    with pytest.raises(StoreError, match=r"(?i)check"):
        insert_conversation(store, **columns)


def test_foreign_keys_are_enforced_and_cascade(store: Store) -> None:
    number = insert_conversation(store)
    with store.transaction() as tx:
        tx.execute(
            "INSERT INTO conversation_tag (conversation_id, tag) VALUES (?, ?)", (number, "refund")
        )
    with pytest.raises(StoreError, match=r"(?i)foreign key"), store.transaction() as tx:
        tx.execute(
            "INSERT INTO conversation_tag (conversation_id, tag) VALUES (?, ?)", (number + 1, "vip")
        )

    with store.transaction() as tx:
        tx.execute("DELETE FROM conversation WHERE id = ?", (number,))

    assert store.scalar("SELECT count(*) FROM conversation_tag") == 0


def test_a_message_is_stored_once_per_mailbox_folder_uidvalidity_uid(store: Store) -> None:
    sql = (
        "INSERT INTO message (mailbox, folder, uidvalidity, uid, received_at, direction,"
        ' "references") VALUES (?, ?, ?, ?, ?, ?, ?)'
    )
    row = ("support", "INBOX", 4_294_967_295, 4_294_967_295, 1_773_900_000, "inbound", "<a@x>")
    with store.transaction() as tx:
        tx.execute(sql, row)

    with pytest.raises(StoreError, match=r"(?i)unique"), store.transaction() as tx:
        tx.execute(sql, row)

    assert store.query_one('SELECT uid, "references", attachments, flags FROM message') == {
        "uid": 4_294_967_295,
        "references": "<a@x>",
        "attachments": "[]",
        "flags": "",
    }


def test_version_5_adds_header_fields_empty_for_the_messages_already_stored(
    store_url: str,
) -> None:
    before_5 = discover_migrations()[:4]
    with open_store(store_url, migrations=before_5) as store, store.transaction() as tx:
        tx.execute(
            "INSERT INTO message (mailbox, folder, uidvalidity, uid, received_at, direction)"
            " VALUES ('support', 'INBOX', 1, 1, 1773900000, 'inbound')"
        )

    with open_store(store_url, clock=fixed_clock(LATER)) as store:
        assert store.status().applied[-1] == (5, "message_header_fields", LATER)
        with store.transaction() as tx:
            tx.execute(
                "INSERT INTO message (mailbox, folder, uidvalidity, uid, received_at, direction,"
                " header_fields) VALUES ('support', 'INBOX', 1, 2, 1773900000, 'inbound', ?)",
                ('{"x-priority":"1"}',),
            )
        rows = store.query("SELECT uid, header_fields FROM message ORDER BY uid")

    assert rows == [
        {"uid": 1, "header_fields": None},
        {"uid": 2, "header_fields": '{"x-priority":"1"}'},
    ]
