"""Changing conversations by hand: assignee, tags, status and priority.

All or nothing: every id, agent, status, priority and tag is checked before anything
changes, and one transaction holds the whole change. Each conversation that changes
gets one event (``actor``, old → new); one already as asked is reported ``unchanged``
and gets none. A concurrent writer is never overwritten blindly: each write is
conditional on the value just read, and a conversation changed in between is read
again and the change applied to what is there now (the event records that value).

Usage::

    with open_store(config.store) as store:
        changes = assign(store, config, [1234, 1235], "omar", actor="layla", now=now)
    # [Change(conversation=1234, field='assignee', old=None, new='omar', outcome='changed'), …]
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from supportctl.config.model import Config
from supportctl.errors import NotFoundError, StoreError, UsageError
from supportctl.store import triage as queries
from supportctl.store.database import Row, Store, Tx

STATUSES = ("open", "pending", "closed")
PRIORITIES = ("low", "normal", "high", "urgent")
CHANGE_COLUMNS = ("conversation", "field", "from", "to", "outcome")
# A tag is one word in any script (Arabic tags are as common as English ones here): no
# space (events keep a set of tags space-separated), no comma (tables list them comma-
# separated), and no leading + or - (which add and remove it on the command line). The
# config schema's "tag" pattern is the same.
TAG = re.compile(r"[^\s,+\-\x00-\x1f\x7f][^\s,\x00-\x1f\x7f]*")
_ID = re.compile(r"#?(\d+)")
# Each attempt loses only to a writer that committed in between; five in a row means
# something rewrites the conversation in a loop.
_MAX_ATTEMPTS = 5

SideEffects = Callable[[Row, str | None, int], Mapping[str, Any]]


@dataclass(frozen=True)
class Change:
    """One conversation's ``field`` from ``old`` to ``new``; ``outcome`` is ``changed``,
    ``unchanged`` (it already was) or ``would change`` (dry run)."""

    conversation: int
    field: str
    old: str | None
    new: str | None
    outcome: str

    def as_row(self) -> dict[str, Any]:
        return {
            "conversation": self.conversation,
            "field": self.field,
            "from": self.old,
            "to": self.new,
            "outcome": self.outcome,
        }


# -- ids ------------------------------------------------------------------------------------


def parse_ids(tokens: Iterable[str]) -> list[int]:
    """``["1234", "#1235"]`` → ``[1234, 1235]``; UsageError naming a token that is not one."""
    return [_one_id(token, "argument") for token in tokens]


def ids_from_lines(lines: Iterable[str]) -> list[int]:
    """Ids from standard input: per line a number (``1234``, ``#1234``) or a JSON object
    with an ``id`` (what ``conversations list --format jsonl`` writes); blank lines are
    skipped.

    >>> ids_from_lines(["1234", '{"id": 1235, "status": "open"}', ""])
    [1234, 1235]
    """
    ids = []
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text:
            continue
        where = f"stdin line {number}"
        if text.startswith("{"):
            ids.append(_id_of_json(text, where))
        else:
            ids.append(_one_id(text, where))
    return ids


def _one_id(token: str, where: str) -> int:
    match = _ID.fullmatch(token.strip())
    if match is None:
        raise UsageError(
            f"{token!r} is not a conversation id", where=where, hint="give numbers like 1234"
        )
    return int(match[1])


def _id_of_json(text: str, where: str) -> int:
    try:
        value = json.loads(text).get("id")
    except (ValueError, AttributeError) as error:
        raise UsageError("not a JSON object", where=where) from error
    if not isinstance(value, int) or isinstance(value, bool):
        raise UsageError('the JSON object has no numeric "id"', where=where)
    return value


# -- changes --------------------------------------------------------------------------------


def assign(
    store: Store,
    config: Config,
    ids: Sequence[int],
    agent: str | None,
    *,
    actor: str,
    now: datetime,
    dry_run: bool = False,
) -> list[Change]:
    """Give ``ids`` to ``agent`` (None: unassign). NotFoundError for an agent not in
    the team or an id not in the store."""
    if agent is not None:
        require_agent(config, agent)
    return _change_column(store, config, ids, _Target("assignee", agent), actor, now, dry_run)


def set_status(
    store: Store,
    config: Config,
    ids: Sequence[int],
    status: str,
    *,
    actor: str,
    now: datetime,
    dry_run: bool = False,
) -> list[Change]:
    """Move ``ids`` to ``status``. Closing stamps the resolution time; reopening clears
    it (and counts the reopening when the conversation goes back to open)."""
    _require_choice("status", status, STATUSES)
    target = _Target("status", status, _status_effects)
    return _change_column(store, config, ids, target, actor, now, dry_run)


def set_priority(
    store: Store,
    config: Config,
    ids: Sequence[int],
    priority: str,
    *,
    actor: str,
    now: datetime,
    dry_run: bool = False,
) -> list[Change]:
    _require_choice("priority", priority, PRIORITIES)
    return _change_column(store, config, ids, _Target("priority", priority), actor, now, dry_run)


def change_tags(
    store: Store,
    config: Config,
    ids: Sequence[int],
    add: Sequence[str],
    remove: Sequence[str],
    *,
    actor: str,
    now: datetime,
    dry_run: bool = False,
) -> list[Change]:
    """Add and remove tags; one ``tags`` event per conversation with the whole set
    before and after (space-separated, sorted)."""
    for tag in (*add, *remove):
        if not TAG.fullmatch(tag):
            raise UsageError(
                f"{tag!r} is not a tag",
                hint="a tag is one word (any script), with no comma; +tag adds, -tag removes",
            )
    if not add and not remove:
        raise UsageError("no tags given", hint="+tag adds a tag, -tag removes one")
    both = sorted(set(add) & set(remove))
    if both:
        raise UsageError(f"tag {both[0]!r} is both added and removed")
    at = int(now.timestamp())
    unique = _unique_ids(ids)

    def change_all() -> list[Change]:
        with store.transaction(readonly=dry_run) as tx:
            require_conversations(tx, unique)
            current = queries.tags_of(tx, unique)
            changes = {
                number: _change_tags_of(
                    tx, number, set(current.get(number, ())), add, remove, actor, at, dry_run
                )
                for number in sorted(unique)
            }
            refresh_sla(tx, config, _changed(changes.values()), now)
        return [changes[number] for number in unique]

    return queries.retry_on_conflict(change_all)


def _change_tags_of(
    tx: Tx,
    conversation: int,
    old: set[str],
    add: Sequence[str],
    remove: Sequence[str],
    actor: str,
    at: int,
    dry_run: bool,
) -> Change:
    new = (old | set(add)) - set(remove)
    old_text, new_text = _tag_text(old), _tag_text(new)
    if new == old:
        return Change(conversation, "tags", old_text, new_text, "unchanged")
    if dry_run:
        return Change(conversation, "tags", old_text, new_text, "would change")
    for tag in sorted(new - old):
        queries.add_tag(tx, conversation, tag)
    for tag in sorted(old - new):
        queries.remove_tag(tx, conversation, tag)
    queries.add_events(tx, [(conversation, at, actor, "tags", old_text, new_text, None)])
    return Change(conversation, "tags", old_text, new_text, "changed")


def require_agent(config: Config, agent: str) -> None:
    try:
        config.agent(agent)
    except KeyError:
        known = ", ".join(a.id for a in config.team) or "none: the config has no team"
        raise NotFoundError(f"no agent {agent!r} in the team", hint=f"known: {known}") from None


def require_conversations(tx: Tx, ids: Sequence[int]) -> None:
    """NotFoundError naming every id the store does not hold (and nothing changes)."""
    if not ids:
        raise UsageError("no conversations given", hint="name ids, or pass them with --stdin")
    missing = sorted(set(ids) - queries.existing_ids(tx, ids))
    if missing:
        shown = ", ".join(f"#{number}" for number in missing[:10])
        more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        raise NotFoundError(f"no conversation {shown}{more}", hint="nothing was changed")


@dataclass(frozen=True)
class _Target:
    """A column to set to ``value``, and what else moves with it."""

    column: str
    value: str | None
    side_effects: SideEffects | None = None


def _change_column(
    store: Store,
    config: Config,
    ids: Sequence[int],
    target: _Target,
    actor: str,
    now: datetime,
    dry_run: bool,
) -> list[Change]:
    at = int(now.timestamp())
    unique = _unique_ids(ids)

    def change_all() -> list[Change]:
        with store.transaction(readonly=dry_run) as tx:
            require_conversations(tx, unique)
            # In id order, as every bulk writer goes: fewer deadlocks on PostgreSQL.
            changes = {
                number: _change_one(tx, number, target, actor, at, dry_run)
                for number in sorted(unique)
            }
            if target.column != "assignee":  # the SLA does not depend on who owns it
                refresh_sla(tx, config, _changed(changes.values()), now)
        return [changes[number] for number in unique]

    return queries.retry_on_conflict(change_all)


def _change_one(
    tx: Tx, conversation: int, target: _Target, actor: str, at: int, dry_run: bool
) -> Change:
    column, new = target.column, target.value
    for _ in range(_MAX_ATTEMPTS):
        row = queries.conversation_row(tx, conversation)
        assert row is not None  # checked by require_conversations; rows are never deleted
        old = row[column]
        if old == new:
            return Change(conversation, column, old, new, "unchanged")
        if dry_run:
            return Change(conversation, column, old, new, "would change")
        also = target.side_effects(row, new, at) if target.side_effects else None
        if queries.change_if(tx, conversation, column, old, new, also):
            queries.add_events(tx, [(conversation, at, actor, column, old, new, None)])
            return Change(conversation, column, old, new, "changed")
    raise StoreError(f"conversation #{conversation} kept changing under this change; try again")


def refresh_sla(tx: Tx, config: Config, conversation_ids: Sequence[int], now: datetime) -> None:
    """Recompute the SLA columns of conversations whose status, priority or tags changed
    (what a policy matches on, and whether a target was met), in the same transaction."""
    if not config.sla or not conversation_ids:
        return
    from supportctl.store.sla import refresh_conversations
    from supportctl.timekit.sla import SlaPolicies

    refresh_conversations(tx, SlaPolicies.from_config(config), conversation_ids, now)


def _status_effects(row: Row, new: str | None, at: int) -> dict[str, Any]:
    """What moves with the status: closing stamps the resolution; leaving closed clears
    it, and going back to open counts as a reopening (as when a customer writes again)."""
    if new == "closed":
        return {"resolved_at": at}
    if row["status"] == "closed":
        reopened = row["reopened_count"] + (new == "open")
        return {"resolved_at": None, "reopened_count": reopened}
    return {}


def _require_choice(name: str, value: str, choices: Sequence[str]) -> None:
    if value not in choices:
        raise UsageError(f"unknown {name} {value!r}", hint=f"use one of: {', '.join(choices)}")


def _unique_ids(ids: Iterable[int]) -> list[int]:
    return list(dict.fromkeys(ids))


def _changed(changes: Iterable[Change]) -> list[int]:
    return [change.conversation for change in changes if change.outcome == "changed"]


def _tag_text(tags: Iterable[str]) -> str | None:
    return " ".join(sorted(tags)) or None
