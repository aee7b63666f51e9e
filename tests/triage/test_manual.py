"""Changes by hand on SQLite and PostgreSQL: all or nothing, one event per change,
dry runs, and no blind overwrite of a concurrent writer."""

from __future__ import annotations

import pytest

from supportctl.config import load_schema
from supportctl.config.model import Config
from supportctl.errors import NotFoundError, UsageError
from supportctl.store import triage as queries
from supportctl.store.database import Store
from supportctl.triage.manual import (
    TAG,
    Change,
    assign,
    change_tags,
    ids_from_lines,
    parse_ids,
    set_priority,
    set_status,
)
from tests.triage.seed import EPOCH_NOW, NOW, add_conversation, column, events


def test_assign_several_and_unassign(store: Store, config: Config) -> None:
    a, b = add_conversation(store), add_conversation(store, assignee="omar")
    changes = assign(store, config, [a, b, a], "omar", actor="layla", now=NOW)
    assert changes == [
        Change(a, "assignee", None, "omar", "changed"),
        Change(b, "assignee", "omar", "omar", "unchanged"),
    ]
    assert events(store) == [(a, "layla", "assignee", None, "omar")]
    assign(store, config, [a], None, actor="layla", now=NOW)
    assert column(store, a, "assignee") is None
    assert events(store)[-1] == (a, "layla", "assignee", "omar", None)


def test_nothing_changes_when_anything_is_wrong(store: Store, config: Config) -> None:
    a = add_conversation(store)
    with pytest.raises(NotFoundError, match=r"no conversation #998, #999 \(nothing was changed\)"):
        assign(store, config, [a, 999, 998], "omar", actor="layla", now=NOW)
    with pytest.raises(NotFoundError, match=r"no agent 'omr' in the team.*known: omar, layla"):
        assign(store, config, [a], "omr", actor="layla", now=NOW)
    with pytest.raises(UsageError, match="unknown status 'done'"):
        set_status(store, config, [a], "done", actor="layla", now=NOW)
    with pytest.raises(UsageError, match="unknown priority 'asap'"):
        set_priority(store, config, [a], "asap", actor="layla", now=NOW)
    with pytest.raises(UsageError, match="'bad tag' is not a tag"):
        change_tags(store, config, [a], ["ok", "bad tag"], [], actor="layla", now=NOW)
    with pytest.raises(UsageError, match="no conversations given"):
        assign(store, config, [], "omar", actor="layla", now=NOW)
    assert column(store, a, "assignee") is None
    assert events(store) == []


def test_dry_run_reports_the_same_and_changes_nothing(store: Store, config: Config) -> None:
    a = add_conversation(store, tags=("billing",))
    planned = change_tags(
        store, config, [a], ["refund"], ["billing"], actor="l", now=NOW, dry_run=True
    )
    assert planned == [Change(a, "tags", "billing", "refund", "would change")]
    assert set_status(store, config, [a], "closed", actor="l", now=NOW, dry_run=True)[
        0
    ].outcome == ("would change")
    assert queries_tags(store, a) == ["billing"]
    assert column(store, a, "status") == "open"
    assert events(store) == []


def test_tags_add_and_remove_with_one_event(store: Store, config: Config) -> None:
    a = add_conversation(store, tags=("billing", "vip"))
    (change,) = change_tags(
        store, config, [a], ["refund"], ["billing", "absent"], actor="l", now=NOW
    )
    assert (change.old, change.new, change.outcome) == ("billing vip", "refund vip", "changed")
    assert queries_tags(store, a) == ["refund", "vip"]
    assert events(store) == [(a, "l", "tags", "billing vip", "refund vip")]
    with pytest.raises(UsageError, match="'vip' is both added and removed"):
        change_tags(store, config, [a], ["vip"], ["vip"], actor="l", now=NOW)


def test_status_moves_the_resolution_time(store: Store, config: Config) -> None:
    a = add_conversation(store)
    set_status(store, config, [a], "closed", actor="l", now=NOW)
    assert (column(store, a, "resolved_at"), column(store, a, "reopened_count")) == (EPOCH_NOW, 0)
    set_status(store, config, [a], "open", actor="l", now=NOW)
    assert (column(store, a, "resolved_at"), column(store, a, "reopened_count")) == (None, 1)
    set_status(store, config, [a], "pending", actor="l", now=NOW)
    set_priority(store, config, [a], "urgent", actor="l", now=NOW)
    assert [e[2:] for e in events(store)] == [
        ("status", "open", "closed"),
        ("status", "closed", "open"),
        ("status", "open", "pending"),
        ("priority", "normal", "urgent"),
    ]


def test_a_write_is_conditional_on_what_was_read(store: Store) -> None:
    a = add_conversation(store)
    with store.transaction() as tx:
        assert queries.change_if(tx, a, "assignee", None, "omar")
        # Someone else's value is not overwritten by a writer that read the old one.
        assert not queries.change_if(tx, a, "assignee", None, "layla")
        stale = queries.Reassignment(a, None, "layla", "rule:x", "stale read")
        assert queries.reassign_open(tx, [stale], EPOCH_NOW) == set()
        current = queries.Reassignment(a, "omar", "layla", "rule:x", "omar is away")
        assert queries.reassign_open(tx, [current], EPOCH_NOW) == {a}
    assert column(store, a, "assignee") == "layla"
    # Only the change made is recorded: the stale one left no event.
    recorded = store.query(
        "SELECT conversation_id, at, actor, old_value, new_value, reason FROM event"
    )
    assert [tuple(row.values()) for row in recorded] == [
        (a, EPOCH_NOW, "rule:x", "omar", "layla", "omar is away")
    ]


def test_ids_from_arguments_and_lines() -> None:
    assert parse_ids(["12", "#13"]) == [12, 13]
    with pytest.raises(UsageError, match="argument: 'x12' is not a conversation id"):
        parse_ids(["x12"])
    lines = ["12\n", "\n", '{"id": 13, "status": "open"}\n', "#14"]
    assert ids_from_lines(lines) == [12, 13, 14]
    with pytest.raises(UsageError, match='stdin line 2: the JSON object has no numeric "id"'):
        ids_from_lines(["1", '{"number": 2}'])
    with pytest.raises(UsageError, match="stdin line 1: not a JSON object"):
        ids_from_lines(["{oops"])


def queries_tags(store: Store, conversation: int) -> list[str]:
    with store.transaction(readonly=True) as tx:
        return queries.tags_of(tx, [conversation]).get(conversation, [])


def test_the_command_line_and_the_config_schema_agree_on_what_a_tag_is() -> None:
    assert load_schema()["$defs"]["tag"]["pattern"] == f"^{TAG.pattern}$"
