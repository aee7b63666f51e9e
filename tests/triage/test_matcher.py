"""``Matcher`` (indexes and set intersections) agrees with the plain reading of a
condition, checked one conversation at a time by an oracle written here."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from supportctl.config.model import Condition
from supportctl.timekit.spec import Duration
from supportctl.triage.conditions import Matcher
from supportctl.triage.facts import ConversationFacts, MessageFacts

NOW = 1_800_000_000
MAILBOXES = ("support", "billing")
CHANNELS = ("email", "chat")
PRIORITIES = ("low", "normal", "high", "urgent")
TAGS = ("vip", "refund", "stale")
SUBJECTS = ("Refund please", "invoice 12", "استرداد المبلغ", "hello")

messages = st.builds(
    MessageFacts,
    subject=st.sampled_from(SUBJECTS),
    from_address=st.sampled_from(("a@big.com", "b@x.big.com", "c@small.org")),
    language=st.sampled_from(("ar", "en", None)),
)
conversations = st.lists(
    st.builds(
        ConversationFacts,
        id=st.integers(1, 10_000),
        mailbox=st.sampled_from(MAILBOXES),
        channel=st.sampled_from(CHANNELS),
        priority=st.sampled_from(PRIORITIES),
        created_at=st.integers(NOW - 10 * 86_400, NOW),
        tags=st.frozensets(st.sampled_from(TAGS)),
        messages=st.lists(messages, max_size=3).map(tuple),
    ),
    unique_by=lambda facts: facts.id,
    max_size=30,
)


def _some(values: tuple[str, ...]) -> st.SearchStrategy[tuple[str, ...]]:
    return st.lists(st.sampled_from(values), max_size=2, unique=True).map(tuple)


conditions = st.builds(
    Condition,
    subject=st.sampled_from((None, "(?i)refund", "استرداد", "^inv")),
    from_domain=_some(("big.com", "small.org")),
    mailbox=_some(MAILBOXES),
    channel=_some(CHANNELS),
    priority=_some(PRIORITIES),
    tag=_some(TAGS),
    language=st.sampled_from((None, "ar", "en")),
    older_than=st.sampled_from((None, Duration(days=2), Duration(seconds=3600))),
)


def oracle(condition: Condition, facts: ConversationFacts) -> bool:
    """The README's reading: every given field holds; mail fields on one same message."""
    if condition.mailbox and facts.mailbox not in condition.mailbox:
        return False
    if condition.channel and facts.channel not in condition.channel:
        return False
    if condition.priority and facts.priority not in condition.priority:
        return False
    if condition.tag and not set(condition.tag) & facts.tags:
        return False
    if condition.older_than and facts.created_at > NOW - condition.older_than.total_seconds:
        return False
    mail_fields = (condition.subject, condition.from_domain, condition.language)
    if not any(mail_fields):
        return True
    return any(_mail_holds(condition, message) for message in facts.messages)


def _mail_holds(condition: Condition, message: MessageFacts) -> bool:
    if condition.subject and not re.search(condition.subject, message.subject):
        return False
    domain = (message.from_address or "").rpartition("@")[2]
    if condition.from_domain and not any(
        domain == wanted or domain.endswith("." + wanted) for wanted in condition.from_domain
    ):
        return False
    return condition.language is None or message.language == condition.language


@settings(max_examples=300, deadline=None)
@given(conversations, st.lists(conditions, min_size=1, max_size=4))
def test_matcher_agrees_with_the_oracle(
    facts: list[ConversationFacts], asked: list[Condition]
) -> None:
    matcher = Matcher(facts)
    for condition in asked:  # one matcher, many conditions: its indexes are reused
        expected = {one.id for one in facts if oracle(condition, one)}
        assert matcher.matching(condition, NOW) == expected
        among = {one.id for one in facts[::2]}
        assert matcher.matching(condition, NOW, among=among) == expected & among


@settings(max_examples=100, deadline=None)
@given(conversations, conditions)
def test_an_added_tag_is_seen_by_later_conditions(
    facts: list[ConversationFacts], condition: Condition
) -> None:
    matcher = Matcher(facts)
    matcher.matching(Condition(tag=("vip",)), NOW)  # builds the tag index first
    for one in facts[::3]:
        matcher.add_tag(one.id, "vip")
    retagged = [
        one._replace(tags=one.tags | {"vip"}) if index % 3 == 0 else one
        for index, one in enumerate(facts)
    ]
    expected = {one.id for one in retagged if oracle(condition, one)}
    assert matcher.matching(condition, NOW) == expected
