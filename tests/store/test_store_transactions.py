"""Transactions, the ? dialect, query helpers and streaming, on both databases."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import closing

import pytest

from supportctl.errors import StoreError
from supportctl.store import open_store
from supportctl.store.database import Store

STATE_ROWS = [("round_robin:support", "alice"), ("round_robin:sales", "omar")]


def put_state(store: Store, rows: list[tuple[str, str]] = STATE_ROWS) -> None:
    with store.transaction() as tx:
        tx.executemany("INSERT INTO state (key, value) VALUES (?, ?)", rows)


def test_a_transaction_commits_when_its_block_succeeds(store: Store, store_url: str) -> None:
    put_state(store)

    with open_store(store_url) as other:
        assert other.query("SELECT key, value FROM state ORDER BY key") == [
            {"key": "round_robin:sales", "value": "omar"},
            {"key": "round_robin:support", "value": "alice"},
        ]


def test_uncommitted_writes_are_invisible_to_another_connection(
    store: Store, store_url: str
) -> None:
    with open_store(store_url) as other, store.transaction() as tx:
        tx.execute("INSERT INTO state (key, value) VALUES (?, ?)", ("pointer", "alice"))
        assert other.scalar("SELECT count(*) FROM state") == 0

    assert store.scalar("SELECT count(*) FROM state") == 1


def test_a_transaction_rolls_back_when_its_block_raises(store: Store) -> None:
    with pytest.raises(RuntimeError, match="agent gave up"), store.transaction() as tx:
        tx.execute("INSERT INTO state (key, value) VALUES (?, ?)", ("pointer", "alice"))
        raise RuntimeError("agent gave up")

    assert store.scalar("SELECT count(*) FROM state") == 0


def test_a_failing_statement_rolls_back_the_whole_transaction(store: Store) -> None:
    with pytest.raises(StoreError) as caught, store.transaction() as tx:
        tx.execute("INSERT INTO state (key, value) VALUES (?, ?)", ("pointer", "alice"))
        tx.execute("INSERT INTO state (key, value) VALUES (?, ?)", ("pointer", "omar"))

    assert str(caught.value).startswith(f"database error on {store.url_for_display}: ")
    assert "\n" not in str(caught.value)
    assert store.scalar("SELECT count(*) FROM state") == 0
    put_state(store)  # the store is usable again
    assert store.scalar("SELECT count(*) FROM state") == 2


def test_transactions_do_not_nest(store: Store) -> None:
    with pytest.raises(StoreError) as caught, store.transaction():
        store.scalar("SELECT 1")

    assert str(caught.value) == "a transaction is already open on this store"
    assert store.scalar("SELECT 1") == 1


def test_execute_returns_the_number_of_rows_changed(store: Store) -> None:
    put_state(store)

    with store.transaction() as tx:
        changed = tx.execute("UPDATE state SET value = ? WHERE key LIKE ?", ("ann", "round%"))

    assert changed == 2


def test_query_helpers_return_dicts_scalars_and_none(store: Store) -> None:
    put_state(store)

    with store.transaction(readonly=True) as tx:
        assert tx.query_one("SELECT key, value FROM state WHERE value = ?", ("omar",)) == {
            "key": "round_robin:sales",
            "value": "omar",
        }
        assert tx.query_one("SELECT key FROM state WHERE value = ?", ("nobody",)) is None
        assert tx.scalar("SELECT value FROM state WHERE key = ?", ("round_robin:support",)) == (
            "alice"
        )
        assert tx.scalar("SELECT value FROM state WHERE key = ?", ("missing",)) is None
        assert tx.query("SELECT key FROM state WHERE value = ?", ("nobody",)) == []


def test_insert_returning_id_gives_the_allocated_number(store: Store) -> None:
    sql = "INSERT INTO conversation (mailbox, channel, created_at, updated_at) VALUES (?, ?, ?, ?)"
    with store.transaction() as tx:
        first = tx.insert_returning_id(sql, ("support", "email", 1, 1))
        second = tx.insert_returning_id(f"{sql};", ("support", "chat", 2, 2))

    assert (first, second) == (1, 2)
    assert store.scalar("SELECT channel FROM conversation WHERE id = ?", (second,)) == "chat"


def test_insert_returning_id_is_none_when_the_insert_is_skipped(store: Store) -> None:
    put_state(store)

    with store.transaction() as tx:
        skipped = tx.insert_returning_id(
            "INSERT INTO event (conversation_id, at, actor, kind)"
            " SELECT 1, 0, 'rule:vip', 'tag' WHERE 1 = 0"
        )

    assert skipped is None


def test_question_marks_and_percent_signs_mean_the_same_on_both_databases(
    store: Store,
) -> None:
    subjects = ["50% off", "why?", "plain", "100%"]
    with store.transaction() as tx:
        tx.executemany(
            "INSERT INTO conversation (mailbox, channel, subject, created_at, updated_at)"
            " VALUES ('support', 'email', ?, 0, 0)",
            [(subject,) for subject in subjects],
        )

    percent = store.query(
        r"SELECT subject FROM conversation WHERE subject LIKE '%\%%' ESCAPE '\'"
        " AND mailbox = ? ORDER BY subject",
        ("support",),
    )
    question = store.query(
        "SELECT subject FROM conversation WHERE subject LIKE '%?' AND mailbox = ?",
        ("support",),
    )
    arithmetic = store.scalar("SELECT 17 % 5 + ?", (10,))

    assert [row["subject"] for row in percent] == ["100%", "50% off"]
    assert [row["subject"] for row in question] == ["why?"]
    assert arithmetic == 12


# -- iterate ---------------------------------------------------------------------------

NUMBERS_SQL = (
    "WITH RECURSIVE numbers(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM numbers WHERE n < ?)"
    " SELECT {probe} AS n FROM numbers"
)


@pytest.fixture
def rows_evaluated(store: Store, store_url: str) -> Iterator[tuple[str, Callable[[], int]]]:
    """A select-list expression with a side effect the test can count, and the counter.

    It counts rows the database has produced for the client, which is what streaming
    must keep small: on SQLite a Python function in the statement, on PostgreSQL a
    sequence, read from a second connection.
    """
    if store.dialect == "sqlite":
        evaluated = 0

        def probe(n: int) -> int:
            nonlocal evaluated
            evaluated += 1
            return n

        store._connection.create_function("probe", 1, probe)  # type: ignore[attr-defined]
        yield "probe(n)", lambda: evaluated
        return
    with store.transaction() as tx:
        tx.execute("CREATE SEQUENCE probe")
    with open_store(store_url, upgrade=False) as observer:
        yield (
            "n + 0 * nextval('probe')",
            lambda: observer.scalar(
                "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM probe"
            ),
        )


# sqlite3 steps one row past what it hands out; a PostgreSQL FETCH stops at the count.
LOOKAHEAD = {"sqlite": 1, "postgresql": 0}


def test_iterate_fetches_one_batch_at_a_time(
    store: Store, rows_evaluated: tuple[str, Callable[[], int]]
) -> None:
    probe, evaluated = rows_evaluated
    lookahead = LOOKAHEAD[store.dialect]
    rows = store.iterate(NUMBERS_SQL.format(probe=probe), (250,), batch_size=100)

    first = next(rows)
    after_first = evaluated()
    first_batch_rest = [next(rows) for _ in range(99)]
    after_first_batch = evaluated()
    row_101 = next(rows)
    after_101 = evaluated()
    rest = list(rows)

    assert first == {"n": 1}
    assert after_first == 100 + lookahead
    assert first_batch_rest[-1] == {"n": 100}
    assert after_first_batch == 100 + lookahead
    assert row_101 == {"n": 101}
    assert after_101 == 200 + lookahead
    assert [row["n"] for row in rest] == list(range(102, 251))
    assert evaluated() == 250


def test_iterate_holds_the_store_until_closed(store: Store) -> None:
    put_state(store)

    with closing(store.iterate("SELECT key FROM state ORDER BY key", batch_size=1)) as rows:
        assert next(rows) == {"key": "round_robin:sales"}
        with pytest.raises(StoreError, match="a transaction is already open"):
            store.scalar("SELECT 1")

    assert store.scalar("SELECT count(*) FROM state") == 2


def test_iterate_refuses_an_empty_batch(store: Store) -> None:
    with pytest.raises(ValueError, match="batch_size must be at least 1, not 0"):
        next(store.iterate("SELECT 1", batch_size=0))


def test_bulk_inserted_rows_read_back_exactly(store: Store) -> None:
    # COPY's text format escapes tabs, newlines and backslashes itself; NULL stays NULL.
    subjects = ["طلب استرداد\tالمبلغ", "two\nlines", "back\\slash", "\\N", None, "50% off?"]
    rows = [
        ("support", "email", subject, number, number) for number, subject in enumerate(subjects)
    ]
    with store.transaction() as tx:
        tx.insert_rows(
            "conversation", ("mailbox", "channel", "subject", "created_at", "updated_at"), rows
        )
    stored = store.query("SELECT subject, created_at FROM conversation ORDER BY created_at")
    assert [(row["subject"], row["created_at"]) for row in stored] == [
        (subject, number) for number, subject in enumerate(subjects)
    ]


def test_a_failed_bulk_insert_is_a_store_error_and_rolls_back(store: Store) -> None:
    with pytest.raises(StoreError), store.transaction() as tx:
        tx.insert_rows("state", ("key", "value"), [("a", "1"), ("a", "2")])  # duplicate key
    assert store.query("SELECT key FROM state") == []
