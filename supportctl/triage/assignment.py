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
from supportctl.triage.conditions import Matcher
from supportctl.triage.duty import Availability
from supportctl.triage.facts import ConversationFacts

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
    matcher = Matcher(conversations)
    left = matcher.ids()
    for route in routes:
        if not left:
            break
        taken = matcher.matching(route.when, now, among=left)
        chosen.update(dict.fromkeys(taken, route))
        left -= taken
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


class _Pool:
    """The agents one kind of decision chooses among (``members``, in config order); of
    them ``workers`` may take work now, and ``ready`` are workers under ``max_open``. The
    planner keeps ``ready`` current as it hands out conversations."""

    def __init__(self, key: str, members: list[str], workers: list[str]):
        self.key = key  # what the round-robin pointer of this pool is stored under
        self.members = members
        self.position = {agent: number for number, agent in enumerate(members)}
        self.workers = workers
        self.ready = workers


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
        self.open_counts = {**dict.fromkeys(self.agents, 0), **open_counts}
        self.limits = {a.id: a.max_open or sys.maxsize for a in team}
        self.may_work = {a.id: not rules.only_on_duty or availability[a.id].on_duty for a in team}
        self.pointers = dict(pointers)
        self.changed_pointers: dict[str, str] = {}
        self.resolved: dict[tuple[str, ...], list[str]] = {}
        self.pools: dict[str, _Pool] = {}
        self.pools_of: defaultdict[str, list[_Pool]] = defaultdict(list)
        self.route_pools: dict[str, _Pool] = {}  # by route name
        self.team_pool = self._pool(
            TEAM_POOL, self.resolve(rules.agents) if rules.agents else list(self.agents)
        )
        self.route_strategy = rules.strategy if rules.strategy == ROUND_ROBIN else LEAST_OPEN

    def plan(self, candidate: Candidate, route: Route | None) -> PlanRow | None:
        if candidate.escalation is not None:
            return self._escalate(candidate)
        if route is not None:
            pool, rule, strategy = self._route_pool(route), route.name, self.route_strategy
        elif self.rules.strategy in (ROUND_ROBIN, LEAST_OPEN):
            pool, rule, strategy = self.team_pool, self.rules.strategy, self.rules.strategy
        else:
            return None
        old = candidate.assignee
        agent, why = self._pick(pool, strategy, old)
        if old is None and agent is not None:  # the common case, kept short
            return self._assign(candidate, rule, agent, why)
        away = f"{old} is away ({self._reason(old)}); " if old else ""
        if agent is not None:
            return self._assign(candidate, rule, agent, away + why)
        fallback, fallback_why = self._fallback(old)
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

    def _route_pool(self, route: Route) -> _Pool:
        pool = self.route_pools.get(route.name)
        if pool is None:
            pool = self._pool(f"route:{route.name}", self.resolve(route.to))
            self.route_pools[route.name] = pool
        return pool

    def _pool(self, key: str, members: list[str]) -> _Pool:
        """The pool stored under ``key``, made on first use."""
        if key not in self.pools:
            pool = _Pool(key, members, [a for a in members if self.may_work[a]])
            self._refresh_ready(pool)
            self.pools[key] = pool
            for agent in members:
                self.pools_of[agent].append(pool)
        return self.pools[key]

    def _escalate(self, candidate: Candidate) -> PlanRow:
        assert self.rules.escalation is not None and candidate.escalation is not None
        pool = self._pool(ESCALATION, self.resolve(self.rules.escalation.to))
        agent, why = self._pick(pool, LEAST_OPEN, candidate.assignee, capacity=False)
        if agent is None:
            reason = f"{candidate.escalation}; nobody to escalate to ({why})"
            return PlanRow(candidate.facts.id, ESCALATION, candidate.assignee, None, reason)
        return self._assign(candidate, ESCALATION, agent, f"{candidate.escalation}; {why}")

    def _reason(self, agent: str) -> str:
        known = self.availability.get(agent)
        return known.reason if known else "not in the team"

    def _fallback(self, exclude: str | None) -> tuple[str | None, str]:
        pool = [a for a in self.resolve(self.rules.fallback) if a != exclude]
        eligible = [a for a in pool if not self.availability[a].on_leave and not self._full(a)]
        if eligible:
            return self._least_open(eligible)
        refusals = {
            a: self.availability[a].reason if self.availability[a].on_leave else self._full(a)
            for a in pool
        }
        return None, _summarize(refusals) or "no agents"

    def _pick(
        self, pool: _Pool, strategy: str, exclude: str | None, *, capacity: bool = True
    ) -> tuple[str | None, str]:
        """The agent of ``pool`` who gets the next conversation (never ``exclude``), and
        why; None and why nobody can."""
        eligible = pool.ready if capacity else pool.workers
        if exclude in pool.position:
            eligible = [a for a in eligible if a != exclude]
        if not eligible:
            refusals = {a: self._refusal(a, exclude, capacity) for a in pool.members}
            return None, _summarize(refusals) or "no agents"
        if strategy == ROUND_ROBIN:
            return self._next_in_turn(pool, eligible)
        return self._least_open(eligible)

    def _refusal(self, agent: str, exclude: str | None, capacity: bool) -> str:
        """Why ``agent`` cannot take a conversation (only asked of one who cannot)."""
        if agent == exclude:
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

    def _next_in_turn(self, pool: _Pool, eligible: list[str]) -> tuple[str, str]:
        """The first of ``eligible`` after the pool's last pick, round the pool."""
        last = self.pointers.get(pool.key)
        after = pool.position.get(last, -1) if last is not None else -1
        agent = next((a for a in eligible if pool.position[a] > after), eligible[0])
        self.pointers[pool.key] = self.changed_pointers[pool.key] = agent
        return agent, f"{agent}'s turn" + (f" after {last}" if last else "")

    def _assign(self, candidate: Candidate, rule: str, agent: str, reason: str) -> PlanRow:
        if candidate.assignee:
            self._count(candidate.assignee, -1)
        self._count(agent, 1)
        return PlanRow(candidate.facts.id, rule, candidate.assignee, agent, reason)

    def _count(self, agent: str, change: int) -> None:
        """Add ``change`` to ``agent``'s open count; when that fills them up or frees
        them, the ``ready`` lists of their pools follow."""
        limit = self.limits.get(agent, sys.maxsize)
        before = self.open_counts.get(agent, 0)
        self.open_counts[agent] = before + change
        if (before >= limit) != (before + change >= limit):
            for pool in self.pools_of[agent]:
                self._refresh_ready(pool)

    def _refresh_ready(self, pool: _Pool) -> None:
        pool.ready = [a for a in pool.workers if not self._full(a)]


def _summarize(refusals: Mapping[str, str]) -> str:
    """``{"a": "off shift", "b": "off shift", "c": "on leave"}`` → ``off shift: a, b;
    on leave: c`` (thirty agents make one short line); empty reasons are left out."""
    by_reason: dict[str, list[str]] = defaultdict(list)
    for agent, why in refusals.items():
        if why:
            by_reason[why].append(agent)
    return "; ".join(f"{why}: {', '.join(agents)}" for why, agents in by_reason.items())
