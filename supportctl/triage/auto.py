"""Rules at work on the store: ``tag auto``, ``assign auto``, and the tagging sync does.

``assign auto`` holds the store lock ``triage:assign`` while it reads, plans and writes,
so two runs (two cron hosts, cron and an admin) take turns and the second plans with
the first one's result. Each write is also conditional on what the plan read
(``assignee IS NOT DISTINCT FROM <old>`` and still open), so a person's change made
meanwhile is never overwritten: that row is reported ``skipped`` instead.

Usage::

    report = assign_auto(config, store, now=now, dry_run=True)
    report.rows[0].as_row()
    # {'conversation': 1234, 'rule': 'refunds-to-omar', 'from': None, 'to': 'omar', …}
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from supportctl.config.model import Condition, Config
from supportctl.store import triage as queries
from supportctl.store.database import Store, Tx
from supportctl.store.triage import Reassignment, RuleSubject
from supportctl.triage.assignment import (
    ESCALATION,
    AssignPlan,
    Candidate,
    PlanRow,
    agents_named,
    escalation_due,
    plan_assignments,
)
from supportctl.triage.conditions import message_fields
from supportctl.triage.duty import Availability, team_availability
from supportctl.triage.facts import ConversationFacts

if TYPE_CHECKING:
    from supportctl.triage.tagging import TagChange

ASSIGN_LOCK = "triage:assign"
TAG_LOCK = "triage:tag"
POINTER_PREFIX = "assign.round_robin."
PLAN_COLUMNS = ("conversation", "rule", "from", "to", "reason", "outcome")
TAG_COLUMNS = ("conversation", "rule", "tag", "outcome")
ACTIVE_STATUSES = ("open", "pending")


def _message_fields(conditions: Iterable[Condition]) -> frozenset[str]:
    """What ``conditions`` read of messages, all together."""
    return frozenset().union(*(message_fields(condition) for condition in conditions))


def actor_of(rule: str) -> str:
    """The event actor of a rule: ``rule:<name>``."""
    return f"rule:{rule}"


# -- tags -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TagOutcome:
    change: TagChange
    outcome: str  # added | would add | skipped (someone added it meanwhile)

    def as_row(self) -> dict[str, Any]:
        return {
            "conversation": self.change.conversation,
            "rule": self.change.rule,
            "tag": self.change.tag,
            "outcome": self.outcome,
        }


def apply_tag_rules(
    tx: Tx, config: Config, conversation_ids: Iterable[int], now: datetime
) -> list[TagChange]:
    """Run the config's tag rules over ``conversation_ids`` inside ``tx`` and write what
    they add (a tag row and a ``tags`` event by ``rule:<name>`` each); return the
    changes made. Sync calls this after storing each batch, with the batch's
    conversations, *before* it refreshes their SLA columns (policies match on tags)."""
    changes = _planned_tags(tx, config, queries.rule_subjects_by_id(tx, conversation_ids), now)
    return [change for change in changes if _write_tag(tx, change, int(now.timestamp()))]


def tag_auto(
    config: Config,
    store: Store,
    *,
    now: datetime,
    include_closed: bool = False,
    dry_run: bool = False,
    wait: float = 0.0,
) -> list[TagOutcome]:
    """Run the tag rules over the open and pending conversations (all with
    ``include_closed``); LockedError if another ``tag auto`` runs and ``wait`` passes."""
    from supportctl.triage.manual import refresh_sla

    statuses = () if include_closed else ACTIVE_STATUSES
    at = int(now.timestamp())

    def plan_and_apply() -> list[TagOutcome]:
        with store.transaction(readonly=dry_run) as tx:
            changes = _planned_tags(tx, config, queries.rule_subjects(tx, statuses), now)
            if dry_run:
                return [TagOutcome(change, "would add") for change in changes]
            outcomes = [
                TagOutcome(change, "added" if _write_tag(tx, change, at) else "skipped")
                for change in changes
            ]
            tagged = {o.change.conversation for o in outcomes if o.outcome == "added"}
            refresh_sla(tx, config, sorted(tagged), now)
            return outcomes

    with store.lock(TAG_LOCK, wait=wait):
        return queries.retry_on_conflict(plan_and_apply)


def _planned_tags(
    tx: Tx, config: Config, subjects: list[RuleSubject], now: datetime
) -> list[TagChange]:
    from supportctl.triage.tagging import plan_tags

    rules = config.rules.tags
    if not rules or not subjects:
        return []
    facts = load_facts(tx, subjects, _message_fields(rule.when for rule in rules))
    removed = _removed_by_people(tx, [subject.id for subject in subjects])
    return plan_tags(rules, facts, int(now.timestamp()), removed)


def _write_tag(tx: Tx, change: TagChange, at: int) -> bool:
    """Add the tag unless it is there (a concurrent writer was first); then the event."""
    before = queries.tags_of(tx, [change.conversation]).get(change.conversation, [])
    if not queries.add_tag(tx, change.conversation, change.tag):
        return False
    after = sorted({*before, change.tag})
    queries.add_events(
        tx,
        [
            (
                change.conversation,
                at,
                actor_of(change.rule),
                "tags",
                " ".join(before) or None,
                " ".join(after),
                None,
            )
        ],
    )
    return True


def _removed_by_people(tx: Tx, conversation_ids: Sequence[int]) -> dict[int, frozenset[str]]:
    """Tags people took off and did not put back, per conversation."""
    removed: dict[int, set[str]] = defaultdict(set)
    for event in queries.tag_events_by_people(tx, conversation_ids):
        old = set((event["old_value"] or "").split())
        new = set((event["new_value"] or "").split())
        conversation = event["conversation_id"]
        removed[conversation] = (removed[conversation] | (old - new)) - (new - old)
    return {conversation: frozenset(tags) for conversation, tags in removed.items() if tags}


# -- assignment -----------------------------------------------------------------------------


class AssignOutcome(NamedTuple):
    row: PlanRow
    # assigned | would assign | waits | skipped (changed meanwhile)
    outcome: str

    def as_row(self) -> dict[str, Any]:
        return {
            "conversation": self.row.conversation,
            "rule": self.row.rule,
            "from": self.row.old,
            "to": self.row.new,
            "reason": self.row.reason,
            "outcome": self.outcome,
        }


@dataclass
class AssignReport:
    rows: list[AssignOutcome] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(row.outcome == outcome for row in self.rows)


def assign_auto(
    config: Config, store: Store, *, now: datetime, dry_run: bool = False, wait: float = 0.0
) -> AssignReport:
    """Plan (and unless ``dry_run``, apply) automatic assignment at ``now``: escalations,
    unassigned open conversations, reopened ones whose assignee is away. LockedError
    if another run holds the lock for longer than ``wait`` seconds."""
    at = int(now.timestamp())
    availability = team_availability(config, now)

    def plan_and_apply() -> AssignReport:
        with store.transaction(readonly=dry_run) as tx:
            open_counts = queries.open_counts(tx)
            candidates = _candidates(tx, config, availability, open_counts, at)
            pointers = queries.state_values(tx, POINTER_PREFIX)
            plan = plan_assignments(
                config.rules.assign,
                config.team,
                availability,
                open_counts,
                pointers,
                candidates,
                at,
            )
            if dry_run:
                return AssignReport([_dry_outcome(row) for row in plan.rows])
            return AssignReport(_apply(tx, plan, at))

    with store.lock(ASSIGN_LOCK, wait=wait), _cycle_collector_paused():
        return queries.retry_on_conflict(plan_and_apply)


@contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """Python's cycle collector off for the block: a plan of ten thousand conversations
    makes a few hundred thousand small tuples, none of them in a cycle, and the collector
    would walk them again and again (a tenth of the run); reference counting frees them
    as ever."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _candidates(
    tx: Tx,
    config: Config,
    availability: Mapping[str, Availability],
    open_counts: Mapping[str, int],
    now: int,
) -> list[Candidate]:
    rules = config.rules.assign
    escalating = _due_for_escalation(tx, config, now)
    unassigned: list[RuleSubject] = []
    if rules.strategy != "manual" or rules.routes:
        unassigned = queries.unassigned_open(tx)
    reopened: list[RuleSubject] = []
    if rules.reassign_when_away:
        away = [a for a in open_counts if a not in availability or not availability[a].on_duty]
        reopened = queries.reopened_with(tx, away)
    escalated = [subject for subject, _ in escalating.values()]
    fields = _message_fields(route.when for route in rules.routes)
    # The many unassigned ones read as one selection, the few others by id.
    queued = load_facts(tx, unassigned, fields, among=queries.UNASSIGNED_OPEN)
    others = {fact.id: fact for fact in load_facts(tx, [*escalated, *reopened], fields)}
    return (
        [
            Candidate(others[subject.id], subject.assignee, why)
            for subject, why in escalating.values()
        ]
        + [Candidate(fact) for fact in queued if fact.id not in escalating]
        + [
            Candidate(others[subject.id], subject.assignee)
            for subject in reopened
            if subject.id not in escalating
        ]
    )


def _due_for_escalation(tx: Tx, config: Config, now: int) -> dict[int, tuple[RuleSubject, str]]:
    """Conversations to escalate at ``now``, by id, each with why."""
    escalation = config.rules.assign.escalation
    if escalation is None:
        return {}
    margin = escalation.before_breach.total_seconds
    leads = agents_named(config.team, escalation.to)
    due = queries.due_for_escalation(tx, now + margin, actor_of(ESCALATION), leads)
    reasons = ((subject, escalation_due(*dues, now, margin)) for subject, dues in due)
    return {subject.id: (subject, why) for subject, why in reasons if why is not None}


def _apply(tx: Tx, plan: AssignPlan, at: int) -> list[AssignOutcome]:
    changed = queries.reassign_open(
        tx,
        (
            Reassignment(row.conversation, row.old, row.new, actor_of(row.rule), row.reason)
            for row in plan.rows
            if row.new is not None
        ),
        at,
    )
    queries.save_state(tx, POINTER_PREFIX, plan.pointers)
    return [
        AssignOutcome(row, _applied_outcome(row, row.conversation in changed)) for row in plan.rows
    ]


def _applied_outcome(row: PlanRow, changed: bool) -> str:
    if row.new is None:
        return "waits"
    return "assigned" if changed else "skipped"


def _dry_outcome(row: PlanRow) -> AssignOutcome:
    return AssignOutcome(row, "waits" if row.new is None else "would assign")


# -- what rules read ------------------------------------------------------------------------


def load_facts(
    tx: Tx,
    subjects: Sequence[RuleSubject],
    fields: frozenset[str] = frozenset(),
    among: queries.Selection | None = None,
) -> list[ConversationFacts]:
    """``ConversationFacts`` for ``subjects``, in order, with the message ``fields``
    rules read (none: no messages). ``among``, a selection that holds every subject,
    reads tags and messages in one statement instead of by id."""
    if not subjects:
        return []
    scope = among if among is not None else [subject.id for subject in subjects]
    tags = {id_: frozenset(names) for id_, names in queries.tags_of(tx, scope).items()}
    messages = queries.inbound_messages(tx, scope, fields) if fields else {}
    no_tags: frozenset[str] = frozenset()
    make = ConversationFacts._make  # a tuple in field order: no keyword handling per row
    return [
        make(
            (
                id_,
                mailbox,
                channel,
                priority,
                created_at,
                tags.get(id_, no_tags),
                tuple(messages.get(id_, ())),
            )
        )
        for id_, mailbox, channel, priority, created_at, _ in subjects
    ]
