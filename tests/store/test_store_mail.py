"""How sync writes a batch, on both databases: conversation numbers handed out at once and
reserved in one statement, even with two writers at once; rows inserted in bulk (COPY on
PostgreSQL) with their text intact; lookups by a list of values; statistics for a new
PostgreSQL store."""

from __future__ import annotations

from multiprocessing.context import SpawnContext
from typing import Any

import pytest

from supportctl.store import mail as queries
from supportctl.store import open_store
from supportctl.store.database import Store
from tests.store.store_helpers import (
    conversation_row,
    run_together,
    start_conversations_when_all_ready,
)

AWKWARD = [
    "tab\there",
    "two\nlines\r\nand a return",
    "back\\slash and \\N and \\.",
    "quote \" and 'single'",
    "{braces}, commas, (parens)",
    "عربي مع رمز 🙂",
    "",
]


def start_conversation(store: Store) -> int:
    """A conversation inserted the usual way, its number from the database."""
    with store.transaction() as tx:
        number = tx.insert_returning_id(
            "INSERT INTO conversation (mailbox, channel, created_at, updated_at)"
            " VALUES ('support', 'email', 1, 1)"
        )
    assert number is not None
    return number


def reserve(store: Store, count: int) -> list[int]:
    with store.transaction() as tx:
        return queries.reserve_conversation_numbers(tx, count)


def message_row(uid: int, conversation_id: int, **columns: Any) -> dict[str, Any]:
    return {
        "mailbox": "support",
        "folder": "INBOX",
        "uidvalidity": 7,
        "uid": uid,
        "received_at": 1,
        "direction": "inbound",
        "conversation_id": conversation_id,
        **columns,
    }


def test_a_new_store_reserves_numbers_from_one(store: Store) -> None:
    assert reserve(store, 0) == []
    assert reserve(store, 2) == [1, 2]
    assert reserve(store, 3) == [3, 4, 5]


def test_reserved_numbers_follow_every_number_ever_given(store: Store) -> None:
    first, second = start_conversation(store), start_conversation(store)
    with store.transaction() as tx:
        tx.execute("DELETE FROM conversation WHERE id = ?", (second,))

    assert reserve(store, 3) == [3, 4, 5]
    # ...and numbers given the usual way come after the reserved ones.
    assert (first, start_conversation(store)) == (1, 6)


def test_a_rolled_back_reservation_leaves_a_gap_on_postgresql_only(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction() as tx:
        queries.reserve_conversation_numbers(tx, 2)
        raise RuntimeError("the batch failed")

    # PostgreSQL's sequence never hands a number out twice, even one rolled back.
    expected = [1, 2] if store.dialect == "sqlite" else [3, 4]
    assert reserve(store, 2) == expected


def test_numbers_handed_out_stand_for_the_ones_reserved(store: Store) -> None:
    start_conversation(store)
    with store.transaction() as tx:
        numbers = queries.ConversationNumbers.guess(tx, above=1)
        handed = [numbers.next(), numbers.next()]
        assert numbers.take(tx) == {2: 2, 3: 3}
    assert handed == [2, 3]


def test_numbers_move_up_when_another_writer_took_them_first(store: Store) -> None:
    with store.transaction() as tx:
        numbers = queries.ConversationNumbers.guess(tx, above=0)
        assert [numbers.next(), numbers.next()] == [1, 2]
        queries.reserve_conversation_numbers(tx, 3)  # as another writer would meanwhile
        assert numbers.take(tx) == {1: 4, 2: 5}


def test_numbers_handed_out_stay_above_those_the_caller_holds(store: Store) -> None:
    with store.transaction() as tx:
        numbers = queries.ConversationNumbers.guess(tx, above=41)
        assert numbers.next() == 42
        assert numbers.take(tx) == {42: 1}


def test_two_open_transactions_on_postgresql_take_distinct_numbers(
    store: Store, store_url: str
) -> None:
    if store.dialect == "sqlite":
        pytest.skip("SQLite admits one writing transaction at a time")
    with open_store(store_url) as other, store.transaction() as first:
        mine = queries.ConversationNumbers.guess(first, above=0)
        assert mine.next() == 1
        with other.transaction() as second:
            theirs = queries.ConversationNumbers.guess(second, above=0)
            assert theirs.next() == 1
            assert theirs.take(second) == {1: 1}
            queries.insert_conversations(second, [conversation_row(1, "sales")])
        assert mine.take(first) == {1: 2}
        queries.insert_conversations(first, [conversation_row(2)])
    rows = store.query("SELECT id, mailbox FROM conversation ORDER BY id")
    assert rows == [{"id": 1, "mailbox": "sales"}, {"id": 2, "mailbox": "support"}]


def test_two_writers_at_once_get_distinct_numbers_and_no_gaps(
    store: Store, store_url: str, spawn: SpawnContext
) -> None:
    arguments = [(store_url, 10, 5)] * 2  # each: 10 transactions of 5 conversations
    stored = run_together(spawn, start_conversations_when_all_ready, arguments)
    assert sorted(stored[0] + stored[1]) == list(range(1, 101))
    assert store.scalar("SELECT count(*) FROM conversation") == 100


def test_bulk_inserts_keep_text_exactly(store: Store) -> None:
    conversations = [
        conversation_row(number) | {"subject": text, "customer_name": None}
        for number, text in enumerate(AWKWARD, start=1)
    ]
    messages = [
        message_row(
            uid,
            uid,
            snippet=text,
            references=f"<{uid}@x>",
            attachments=[{"name": text, "size": 3}],
            header_fields={"x-note": text} if text else None,
        )
        for uid, text in enumerate(AWKWARD, start=1)
    ]
    with store.transaction() as tx:
        queries.insert_conversations(tx, conversations)
        queries.insert_messages(tx, messages)

    stored = store.query("SELECT id, subject, customer_name FROM conversation ORDER BY id")
    assert [(row["subject"], row["customer_name"]) for row in stored] == [
        (text, None) for text in AWKWARD
    ]
    rows = store.query(
        'SELECT snippet, "references", attachments, header_fields FROM message ORDER BY uid'
    )
    assert [row["snippet"] for row in rows] == AWKWARD
    assert [row["references"] for row in rows] == [f"<{n}@x>" for n in range(1, 8)]
    assert [queries.decode_header_fields(row["header_fields"]) for row in rows] == [
        {"x-note": text} if text else None for text in AWKWARD
    ]
    assert '"name": "tab\\there"' in rows[0]["attachments"]


def test_one_of_finds_exactly_the_values_given(store: Store) -> None:
    keys = [*AWKWARD, "NULL", "other"]
    with store.transaction() as tx:
        tx.executemany("INSERT INTO state (key, value) VALUES (?, ?)", [(k, k) for k in keys])
        queries.insert_conversations(tx, [conversation_row(n) for n in range(1, 6)])
        condition, params = tx.one_of("key", [*AWKWARD, "absent"])
        by_text = tx.query(f"SELECT key FROM state WHERE {condition}", params)
        condition, params = tx.one_of("id", [4, 2, 99])
        by_number = tx.query(f"SELECT id FROM conversation WHERE {condition} ORDER BY id", params)

    assert sorted(row["key"] for row in by_text) == sorted(AWKWARD)
    assert by_number == [{"id": 2}, {"id": 4}]


def test_lookups_by_many_values_find_every_one(store: Store) -> None:
    count = queries.IN_LIST_SIZE + 7  # more than one statement's worth
    with store.transaction() as tx:
        queries.insert_conversations(tx, [conversation_row(n) for n in range(1, count + 1)])
        queries.insert_messages(
            tx, [message_row(n, n, message_id=f"<{n}@x>") for n in range(1, count + 1)]
        )
        stored = queries.stored_uids(tx, "support", "INBOX", 7, [count, 3, count + 5, 1])
        linked = queries.messages_by_message_id(
            tx, "support", [f"<{n}@x>" for n in range(2, count + 3)]
        )
        by_id = queries.conversations_by_id(tx, range(count - 2, count + 3))

    assert stored == {1, 3, count}
    assert [row["conversation_id"] for row in linked] == list(range(count, 1, -1))
    assert sorted(row["id"] for row in by_id) == [count - 2, count - 1, count]


def test_a_new_postgresql_store_gets_statistics_once(store: Store) -> None:
    with store.transaction() as tx:
        queries.insert_conversations(tx, [conversation_row(1)])
        queries.insert_messages(tx, [message_row(1, 1)])
    with store.transaction() as tx:
        first = queries.gather_missing_statistics(tx)
    with store.transaction() as tx:
        again = queries.gather_missing_statistics(tx)

    if store.dialect == "sqlite":
        assert (first, again) == ([], [])
        return
    assert (first, again) == (["message", "conversation"], [])
    known = store.query(
        "SELECT DISTINCT tablename FROM pg_stats WHERE schemaname = current_schema()"
        " AND tablename IN ('message', 'conversation') ORDER BY 1"
    )
    assert known == [{"tablename": "conversation"}, {"tablename": "message"}]
