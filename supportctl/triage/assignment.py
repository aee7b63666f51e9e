"""The plan of ``assign auto`` (pure): who gets which conversation, and why.

For each candidate conversation, in the order given (the caller puts urgent and old
ones first):

1. **Escalation**: one whose SLA target falls due within ``escalation.before_breach``
   goes to the escalation targets (default ``@lead``), the least loaded one on duty.
   Capacity does not stop an escalation; nobody on duty does (it then stays put and the
   row says why).
2. **Routes**: the first route whose ``when`` matches gives the agents to choose from.
3. **Strategy**: otherwise the pool is ``assign.agents`` (default: the whole team),
   chosen ``round_robin`` (the turn passes to the next agent after the one who got the
   last conversation of that pool; the pointer is the caller's to keep) or
   ``least_open`` (fewest open conversations, ties to the first listed). ``manual``
   assigns nothing but what routes and escalation say. A route picks by the strategy
   too (``least_open`` under ``manual``).

An agent is eligible when on duty (with ``only_on_duty``) and under ``max_open``. When
no one in the pool is, the conversation goes to ``fallback`` (anyone listed there who is
not on leave and under capacity, off shift or not: they find it when they start) or
waits. A conversation handed on because its assignee is away never goes back to them.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from supportctl.config.model import Agent, AssignRules, Route
from supportctl.render import format_timedelta
from supportctl.triage.conditions import matching
from supportctl.triage.duty import Availability
from supportctl.triage.facts import ConversationFacts

_NOBODY: frozenset[str] = frozenset()
ESCALATION = "escalation"
FALLBACK = "fallback"
ROUND_ROBIN = "round_robin"
LEAST_OPEN = "least_open"
TEAM_POOL = "team"


class Candidate(NamedTuple):
    """A conversation ``assign auto`` considers: unassigned (``assignee`` None), reopened
    while its assignee is away, or due for escalation (``escalation`` says why)."""

    facts: ConversationFacts
    assignee: str | None = None
    escalation: str | None = None


class PlanRow(NamedTuple):
    """Conversation ``conversation`` goes from ``old`` to ``new`` by ``rule``; ``new`` is
    None when it waits (``reason`` says why)."""

    conversation: int
    rule: str
    old: str | None
    new: str | None
    reason: str


@dataclass
class AssignPlan:
    rows: list[PlanRow] = field(default_factory=list)
    # Round-robin pool → the agent who got that pool's last conversation.
    pointers: dict[str, str] = field(default_factory=dict)


def plan_assignments(
    rules: AssignRules,
    team: Sequence[Agent],
    availability: Mapping[str, Availability],
    open_counts: Mapping[str, int],
    pointers: Mapping[str, str],
    candidates: Sequence[Candidate],
    now: int,
) -> AssignPlan:
    """Plan ``candidates`` in order; ``open_counts`` and ``pointers`` are the store's now
    (epoch seconds ``now``), and are not changed."""
    planner = _Planner(rules, team, availability, open_counts, pointers)
    routes = first_routes(rules.routes, [c.facts for c in candidates if not c.escalation], now)
    rows = [
        row
        for candidate in candidates
        if (row := planner.plan(candidate, routes.get(candidate.facts.id))) is not None
    ]
    return AssignPlan(rows, planner.changed_pointers)


def first_routes(
    routes: Sequence[Route], conversations: Sequence[ConversationFacts], now: int
) -> dict[int, Route]:
    """Conversation id → the first of ``routes`` whose ``when`` it matches (none: absent)."""
    chosen: dict[int, Route] = {}
    left = list(conversations)
    for route in routes:
        if not left:
            break
        for facts in matching(route.when, left, now):
            chosen[facts.id] = route
        left = [facts for facts in left if facts.id not in chosen]
    return chosen


def agents_named(team: Iterable[Agent], targets: Iterable[str]) -> list[str]:
    """Ids of the agents ``targets`` name (ids and ``@role``s), in team order, once each.

    >>> agents_named([Agent("omar", "Omar", roles=("lead",)), Agent("sara", "Sara")],
    ...              ["sara", "@lead"])
    ['omar', 'sara']
    """
    targets = set(targets)
    roles = {target[1:] for target in targets if target.startswith("@")}
    return [a.id for a in team if a.id in targets or not roles.isdisjoint(a.roles)]


def escalation_due(
    first_response_due: int | None,
    first_response_at: int | None,
    resolution_due: int | None,
    resolved_at: int | None,
    now: int,
    margin_seconds: int,
) -> str | None:
    """Why a conversation is due for escalation at ``now``, or None: an unmet target
    due within ``margin_seconds`` (or already overdue)."""
    targets = (
        ("first response", first_response_due, first_response_at),
        ("resolution", resolution_due, resolved_at),
    )
    for name, due, met in targets:
        if due is not None and met is None and due <= now + margin_seconds:
            when = datetime.fromtimestamp(due, UTC).strftime("%Y-%m-%d %H:%M UTC")
            left = format_timedelta(timedelta(seconds=abs(due - now)))
            timing = f"in {left}" if due > now else f"overdue by {left}"
            return f"{name} due {when} ({timing})"
    return None


class _Planner:
    def __init__(
        self,
        rules: AssignRules,
        team: Sequence[Agent],
        availability: Mapping[str, Availability],
        open_counts: Mapping[str, int],
        pointers: Mapping[str, str],
    ):
        self.rules = rules
        self.agents = {agent.id: agent for agent in team}
        self.availability = availability
        self.open_counts: defaultdict[str, int] = defaultdict(int, open_counts)
        self.limits = {a.id: a.max_open or sys.maxsize for a in team}
        self.may_work = {a.id: not rules.only_on_duty or availability[a.id].on_duty for a in team}
        self.pointers = dict(pointers)
        self.changed_pointers: dict[str, str] = {}
        self.resolved: dict[tuple[str, ...], list[str]] = {}
        self.workers: dict[str, list[str]] = {}
        self.team_pool = self.resolve(rules.agents) if rules.agents else list(self.agents)
        self.route_strategy = rules.strategy if rules.strategy == ROUND_ROBIN else LEAST_OPEN

    def plan(self, candidate: Candidate, route: Route | None) -> PlanRow | None:
        if candidate.escalation is not None:
            return self._escalate(candidate)
        if route is not None:
            pool, rule, strategy = self.resolve(route.to), route.name, self.route_strategy
        elif self.rules.strategy in (ROUND_ROBIN, LEAST_OPEN):
            pool, rule, strategy = self.team_pool, self.rules.strategy, self.rules.strategy
        else:
            return None
        old = candidate.assignee
        away = f"{old} is away ({self._reason(old)}); " if old else ""
        exclude = frozenset((old,)) if old else _NOBODY
        agent, why = self._pick(f"route:{rule}" if route else TEAM_POOL, pool, strategy, exclude)
        if agent is not None:
            return self._assign(candidate, rule, agent, away + why)
        fallback, fallback_why = self._fallback(exclude)
        if fallback is not None:
            reason = f"{away}nobody available for {rule} ({why}); fallback: {fallback_why}"
            return self._assign(candidate, FALLBACK, fallback, reason)
        waits = f"{away}waits: nobody available ({why})"
        if self.rules.fallback:
            waits += f"; fallback: {fallback_why}"
        return PlanRow(candidate.facts.id, rule, old, None, waits)

    def resolve(self, targets: tuple[str, ...]) -> list[str]:
        """``agents_named`` for this team, worked out once per set of targets."""
        if targets not in self.resolved:
            self.resolved[targets] = agents_named(self.agents.values(), targets)
        return self.resolved[targets]

    def _escalate(self, candidate: Candidate) -> PlanRow:
        assert self.rules.escalation is not None and candidate.escalation is not None
        targets = self.resolve(self.rules.escalation.to)
        exclude = frozenset((candidate.assignee,)) if candidate.assignee else _NOBODY
        agent, why = self._pick(ESCALATION, targets, LEAST_OPEN, exclude, capacity=False)
        if agent is None:
            reason = f"{candidate.escalation}; nobody to escalate to ({why})"
            return PlanRow(candidate.facts.id, ESCALATION, candidate.assignee, None, reason)
        return self._assign(candidate, ESCALATION, agent, f"{candidate.escalation}; {why}")

    def _reason(self, agent: str) -> str:
        known = self.availability.get(agent)
        return known.reason if known else "not in the team"

    def _fallback(self, exclude: frozenset[str]) -> tuple[str | None, str]:
        pool = [a for a in self.resolve(self.rules.fallback) if a not in exclude]
        eligible = [a for a in pool if not self.availability[a].on_leave and not self._full(a)]
        if eligible:
            return self._least_open(eligible)
        refusals = {
            a: self.availability[a].reason if self.availability[a].on_leave else self._full(a)
            for a in pool
        }
        return None, _summarize(refusals) or "no agents"

    def _pick(
        self,
        pool_key: str,
        pool: list[str],
        strategy: str,
        exclude: frozenset[str],
        *,
        capacity: bool = True,
    ) -> tuple[str | None, str]:
        counts, limits = self.open_counts, self.limits
        eligible = [
            a
            for a in self._workers(pool_key, pool)
            if (not capacity or counts[a] < limits[a]) and a not in exclude
        ]
        if not eligible:
            refusals = {a: self._refusal(a, exclude, capacity) for a in pool}
            return None, _summarize(refusals) or "no agents"
        if strategy == ROUND_ROBIN:
            return self._next_in_turn(pool_key, pool, eligible)
        return self._least_open(eligible)

    def _workers(self, pool_key: str, pool: list[str]) -> list[str]:
        """The agents of ``pool`` who may take work now, worked out once per pool."""
        if pool_key not in self.workers:
            self.workers[pool_key] = [a for a in pool if self.may_work[a]]
        return self.workers[pool_key]

    def _refusal(self, agent: str, exclude: frozenset[str], capacity: bool) -> str:
        """Why ``agent`` cannot take a conversation (only asked of one who cannot)."""
        if agent in exclude:
            return "the current assignee"
        if not self.may_work[agent]:
            return self.availability[agent].reason
        return self._full(agent) if capacity else ""

    def _full(self, agent: str) -> str:
        """``at capacity (…)`` when ``agent`` carries ``max_open`` conversations, else ""."""
        count, limit = self.open_counts[agent], self.limits[agent]
        return f"at capacity ({count} of {limit} open)" if count >= limit else ""

    def _least_open(self, eligible: list[str]) -> tuple[str, str]:
        agent = min(eligible, key=self.open_counts.__getitem__)  # ties: first listed
        return agent, f"{agent} has the fewest open ({self.open_counts[agent]})"

    def _next_in_turn(self, pool_key: str, pool: list[str], eligible: list[str]) -> tuple[str, str]:
        last = self.pointers.get(pool_key)
        start = pool.index(last) + 1 if last in pool else 0
        rotation = pool[start:] + pool[:start]
        agent = next(a for a in rotation if a in eligible)
        self.pointers[pool_key] = self.changed_pointers[pool_key] = agent
        return agent, f"{agent}'s turn" + (f" after {last}" if last else "")

    def _assign(self, candidate: Candidate, rule: str, agent: str, reason: str) -> PlanRow:
        if candidate.assignee:
            self.open_counts[candidate.assignee] -= 1
        self.open_counts[agent] += 1
        return PlanRow(candidate.facts.id, rule, candidate.assignee, agent, reason)


def _summarize(refusals: Mapping[str, str]) -> str:
    """``{"a": "off shift", "b": "off shift", "c": "on leave"}`` → ``off shift: a, b;
    on leave: c`` (thirty agents make one short line); empty reasons are left out."""
    by_reason: dict[str, list[str]] = defaultdict(list)
    for agent, why in refusals.items():
        if why:
            by_reason[why].append(agent)
    return "; ".join(f"{why}: {', '.join(agents)}" for why, agents in by_reason.items())
