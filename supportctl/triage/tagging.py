"""Which tags the config's tag rules add (pure).

Rules run in config order and see the tags added by the rules before them, so a rule
can build on another (``stale`` when ``tag: refund``). Rules only add tags. A tag that a
person took off a conversation is not put back by a rule: the hand wins.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from supportctl.config.model import TagRule
from supportctl.triage.conditions import Matcher
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
    conversations = list(conversations)
    matcher = Matcher(conversations)
    everyone = matcher.ids()
    added: dict[int, list[TagRule]] = defaultdict(list)  # in rule order
    for rule in rules:
        # Those that have the tag, or whose person refused it, are not asked.
        open_to = {
            id_
            for id_ in everyone
            if rule.tag not in matcher.facts(id_).tags
            and rule.tag not in removed_by_hand.get(id_, ())
        }
        for conversation in matcher.matching(rule.when, now, among=open_to):
            matcher.add_tag(conversation, rule.tag)
            added[conversation].append(rule)
    return [
        TagChange(facts.id, rule.name, rule.tag)
        for facts in conversations
        for rule in added.get(facts.id, ())
    ]
