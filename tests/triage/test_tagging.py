"""Tag rules: config order, rules building on earlier rules, and the hand winning."""

from __future__ import annotations

from supportctl.config.model import Condition, TagRule
from supportctl.timekit.spec import Duration
from supportctl.triage.facts import ConversationFacts, MessageFacts
from supportctl.triage.tagging import TagChange, plan_tags

NOW = 1_800_000_000
RULES = (
    TagRule("refunds", "refund", Condition(subject="(?i)refund")),
    TagRule("stale-refunds", "stale", Condition(tag=("refund",), older_than=Duration(days=7))),
    TagRule("vip", "vip", Condition(from_domain=("big.com",))),
)


def facts(number: int, subject: str, age_days: int, tags: frozenset[str] = frozenset()):
    return ConversationFacts(
        id=number,
        mailbox="support",
        channel="email",
        created_at=NOW - age_days * 86400,
        tags=tags,
        messages=(MessageFacts(subject=subject, from_address="a@big.com"),),
    )


def test_rules_run_in_order_and_see_earlier_tags() -> None:
    changes = plan_tags(RULES, [facts(1, "Refund please", 8), facts(2, "Refund", 1)], NOW, {})
    assert changes == [
        TagChange(1, "refunds", "refund"),
        TagChange(1, "stale-refunds", "stale"),
        TagChange(1, "vip", "vip"),
        TagChange(2, "refunds", "refund"),
        TagChange(2, "vip", "vip"),
    ]


def test_a_tag_already_there_or_removed_by_hand_is_not_added() -> None:
    conversation = facts(1, "Refund please", 8, tags=frozenset({"refund"}))
    changes = plan_tags(RULES, [conversation], NOW, {1: frozenset({"vip"})})
    # "refund" is there already (no change), yet "stale" builds on it; "vip" was removed.
    assert changes == [TagChange(1, "stale-refunds", "stale")]
