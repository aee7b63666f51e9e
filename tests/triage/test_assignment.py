"""The ``assign auto`` planner: strategies, capacity, routes, duty, fallback, hand-on and
escalation, on plain data."""

from __future__ import annotations

from supportctl.config.model import Agent, AssignRules, Condition, Escalation, Route
from supportctl.timekit.spec import Duration
from supportctl.triage.assignment import Candidate, escalation_due, plan_assignments
from supportctl.triage.duty import Availability
from supportctl.triage.facts import ConversationFacts

NOW = 1_800_000_000
TEAM = (
    Agent("omar", "Omar", roles=("lead",), max_open=3),
    Agent("layla", "Layla", max_open=2),
    Agent("alice", "Alice"),
    Agent("youssef", "Youssef", roles=("lead",)),
)
ON = {a.id: Availability(a.id, True, False, "on duty") for a in TEAM}


def away(agent: str, reason: str = "off shift", on_leave: bool = False) -> Availability:
    return Availability(agent, False, on_leave, reason)


def unassigned(*numbers: int, tags: frozenset[str] = frozenset()) -> list[Candidate]:
    return [
        Candidate(ConversationFacts(id=n, mailbox="support", channel="email", tags=tags))
        for n in numbers
    ]


def plan(rules: AssignRules, candidates, *, availability=ON, counts=None, pointers=None):
    return plan_assignments(
        rules, TEAM, availability, counts or {}, pointers or {}, candidates, NOW
    )


def given(result) -> list[tuple[int, str | None]]:
    return [(row.conversation, row.new) for row in result.rows]


def test_least_open_evens_out_and_breaks_ties_by_team_order() -> None:
    rules = AssignRules(strategy="least_open")
    result = plan(rules, unassigned(1, 2, 3, 4), counts={"omar": 2, "layla": 0, "alice": 1})
    # layla 0 → 1; then layla 1, alice 1, youssef 0 → youssef; then layla, alice tie → layla
    assert given(result) == [(1, "layla"), (2, "youssef"), (3, "layla"), (4, "alice")]
    assert result.rows[0].rule == "least_open"
    assert result.rows[0].reason == "layla has the fewest open (0)"


def test_round_robin_continues_from_the_stored_pointer_and_skips_who_is_away() -> None:
    rules = AssignRules(strategy="round_robin", agents=("omar", "layla", "alice"))
    availability = {**ON, "alice": away("alice")}
    first = plan(rules, unassigned(1, 2, 3), availability=availability, pointers={"team": "omar"})
    assert given(first) == [(1, "layla"), (2, "omar"), (3, "layla")]
    assert first.pointers == {"team": "layla"}
    assert first.rows[1].reason == "omar's turn after layla"
    # The next run goes on where this one stopped: fair across runs.
    second = plan(rules, unassigned(4), pointers=first.pointers, counts={"layla": 0})
    assert given(second) == [(4, "alice")]


def test_max_open_is_respected_then_fallback_then_waiting() -> None:
    rules = AssignRules(strategy="least_open", agents=("layla",), fallback=("@lead",))
    result = plan(rules, unassigned(1, 2, 3), counts={"layla": 1, "omar": 3, "youssef": 0})
    assert given(result) == [(1, "layla"), (2, "youssef"), (3, "youssef")]
    assert result.rows[1].rule == "fallback"
    assert result.rows[1].reason == (
        "nobody available for least_open (at capacity (2 of 2 open): layla);"
        " fallback: youssef has the fewest open (0)"
    )
    no_fallback = plan(
        AssignRules(strategy="least_open", agents=("layla",)), unassigned(9), counts={"layla": 2}
    )
    (row,) = no_fallback.rows
    assert (row.new, row.reason) == (
        None,
        "waits: nobody available (at capacity (2 of 2 open): layla)",
    )


def test_nobody_on_duty_waits_with_the_reasons_grouped() -> None:
    availability = {
        "omar": away("omar"),
        "layla": away("layla"),
        "alice": away("alice", "on leave until 2026-12-31", on_leave=True),
        "youssef": away("youssef", "public holiday (Eid al-Fitr)"),
    }
    (row,) = plan(
        AssignRules(strategy="round_robin"), unassigned(1), availability=availability
    ).rows
    assert row.new is None
    assert row.reason == (
        "waits: nobody available (off shift: omar, layla; on leave until 2026-12-31: alice;"
        " public holiday (Eid al-Fitr): youssef)"
    )
    # A fallback takes it off shift, but never on leave.
    rules = AssignRules(strategy="round_robin", fallback=("alice", "layla"))
    (row,) = plan(rules, unassigned(1), availability=availability).rows
    assert (row.rule, row.new) == ("fallback", "layla")


def test_without_only_on_duty_everyone_takes_work() -> None:
    availability = {a.id: away(a.id) for a in TEAM}
    rules = AssignRules(strategy="least_open", only_on_duty=False, agents=("alice",))
    assert given(plan(rules, unassigned(1), availability=availability)) == [(1, "alice")]


def test_the_first_matching_route_picks_the_pool_even_under_manual() -> None:
    rules = AssignRules(
        strategy="manual",
        routes=(
            Route("refunds", Condition(tag=("refund",)), ("@lead",)),
            Route("all-refund-or-vip", Condition(tag=("refund", "vip")), ("alice",)),
        ),
    )
    candidates = unassigned(1, 2, tags=frozenset({"refund"})) + unassigned(
        3, tags=frozenset({"vip"})
    )
    result = plan(rules, candidates + unassigned(4), counts={"omar": 1})
    # Conversation 4 matches no route and "manual" assigns nothing else: no row at all.
    assert given(result) == [(1, "youssef"), (2, "omar"), (3, "alice")]
    assert [row.rule for row in result.rows] == ["refunds", "refunds", "all-refund-or-vip"]


def test_a_reopened_conversation_of_an_away_agent_is_handed_on_never_back() -> None:
    availability = {**ON, "layla": away("layla", "on leave until 2026-12-31", on_leave=True)}
    reopened = Candidate(
        ConversationFacts(id=5, mailbox="support", channel="email"), assignee="layla"
    )
    rules = AssignRules(strategy="least_open", agents=("layla", "alice"))
    (row,) = plan(
        rules, [reopened], availability=availability, counts={"layla": 0, "alice": 4}
    ).rows
    assert (row.old, row.new) == ("layla", "alice")
    assert row.reason.startswith("layla is away (on leave until 2026-12-31); ")


def test_escalation_goes_to_a_lead_on_duty_whatever_their_load() -> None:
    rules = AssignRules(strategy="least_open", escalation=Escalation(Duration(seconds=1800)))
    due = Candidate(
        ConversationFacts(id=8, mailbox="support", channel="email"),
        assignee="layla",
        escalation="first response due soon",
    )
    (row,) = plan(rules, [due], counts={"omar": 3, "youssef": 9}).rows
    assert (row.rule, row.old, row.new) == ("escalation", "layla", "omar")  # omar is full
    nobody = {**ON, "omar": away("omar"), "youssef": away("youssef", "not a working day (Sat)")}
    (row,) = plan(rules, [due], availability=nobody).rows
    assert row.new is None
    assert row.reason == (
        "first response due soon; nobody to escalate to (off shift: omar;"
        " not a working day (Sat): youssef)"
    )


def test_escalation_due_reads_unmet_targets_only() -> None:
    hour = 3600
    assert escalation_due(NOW + hour, None, None, None, NOW, 1800) is None
    assert escalation_due(NOW + 1200, None, None, None, NOW, 1800) == (
        "first response due 2027-01-15 08:20 UTC (in 20m)"
    )
    # The first response was given: the resolution target is the one that counts.
    assert escalation_due(NOW - hour, NOW - 2 * hour, NOW - 90 * 60, None, NOW, 1800) == (
        "resolution due 2027-01-15 06:30 UTC (overdue by 1h 30m)"
    )
    assert escalation_due(NOW - hour, NOW - 2 * hour, NOW - hour, NOW - 2 * hour, NOW, 1800) is None
