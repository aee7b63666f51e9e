"""Which tags the config's tag rules add (pure).

Rules run in config order and see the tags added by the rules before them, so a rule
can build on another (``stale`` when ``tag: refund``). Rules only add tags. A tag that a
person took off a conversation is not put back by a rule: the hand wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from supportctl.config.model import TagRule
from supportctl.triage.conditions import matches
from supportctl.triage.facts import ConversationFacts


@dataclass(frozen=True)
class TagChange:
    """Rule ``rule`` adds ``tag`` to conversation ``conversation``."""

    conversation: int
    rule: str
    tag: str


def plan_tags(
    rules: Iterable[TagRule],
    conversations: Iterable[ConversationFacts],
    now: int,
    removed_by_hand: Mapping[int, frozenset[str]],
) -> list[TagChange]:
    """The tags ``rules`` add to ``conversations`` at ``now`` (epoch seconds), in
    conversation order then rule order. ``removed_by_hand`` maps a conversation to the
    tags people removed from it."""
    rules = tuple(rules)
    changes: list[TagChange] = []
    for facts in conversations:
        refused = removed_by_hand.get(facts.id, frozenset())
        for rule in rules:
            if rule.tag in facts.tags or rule.tag in refused:
                continue
            if matches(rule.when, facts, now):
                changes.append(TagChange(facts.id, rule.name, rule.tag))
                facts = facts._replace(tags=facts.tags | {rule.tag})
    return changes
