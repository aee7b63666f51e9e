"""Does a rule's ``when`` match a conversation? (pure)

Every field given must match, and a list means any of its values. Fields about the
conversation (``mailbox``, ``channel``, ``tag``, ``priority``, ``older_than``) are read
from the conversation; fields about mail (``subject``, ``body``, ``from``,
``from_domain``, ``to``, ``header``, ``language``) must all hold for one and the same
inbound message of it, any one. Regular expressions are searched (not anchored) and
compiled once. A domain matches itself and its subdomains; ``to`` looks at To and Cc;
``older_than`` is plain elapsed time since the conversation was created (a day is 24 h).

``matching`` filters many conversations at once, one field at a time, so that a field
costs one pass over what is left; ``assign auto`` routes ten thousand that way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import cache
from operator import attrgetter

from supportctl.config.model import Condition
from supportctl.triage.facts import ConversationFacts, MessageFacts

MessageTest = Callable[[MessageFacts], bool]


def matches(condition: Condition, facts: ConversationFacts, now: int) -> bool:
    """Whether ``facts`` satisfy ``condition`` at ``now`` (epoch seconds)."""
    return bool(matching(condition, [facts], now))


def matching(
    condition: Condition, conversations: Sequence[ConversationFacts], now: int
) -> list[ConversationFacts]:
    """The ``conversations`` that satisfy ``condition`` at ``now``, in order."""
    left = list(conversations)
    if condition.mailbox:
        left = [c for c in left if c.mailbox in condition.mailbox]
    if condition.channel:
        left = [c for c in left if c.channel in condition.channel]
    if condition.priority:
        left = [c for c in left if c.priority in condition.priority]
    if condition.tag:
        wanted = frozenset(condition.tag)
        left = [c for c in left if not wanted.isdisjoint(c.tags)]
    if condition.older_than is not None:
        born_before = now - condition.older_than.total_seconds
        left = [c for c in left if c.created_at <= born_before]
    tests = message_tests(condition)
    if len(tests) == 1:  # the common case, without a generator per message
        (test,) = tests
        left = [c for c in left if any(map(test, c.messages))]
    elif tests:
        left = [c for c in left if any(_all(tests, m) for m in c.messages)]
    return left


def message_fields(condition: Condition) -> frozenset[str]:
    """The ``MessageFacts`` fields ``condition`` reads (the store need read no others)."""
    wanted: set[str] = set()
    if condition.subject is not None:
        wanted.add("subject")
    if condition.body is not None:
        wanted.add("text")
    if condition.from_address or condition.from_domain:
        wanted.add("from_address")
    if condition.to:
        wanted |= {"to_addresses", "cc_addresses"}
    if condition.language is not None:
        wanted.add("language")
    if condition.header:
        wanted |= set(MessageFacts._fields)  # every field the store keeps is a header
    return frozenset(wanted)


@cache
def message_tests(condition: Condition) -> tuple[MessageTest, ...]:
    """One test per mail field ``condition`` gives (none: it asks nothing of mail)."""
    tests: list[MessageTest] = []
    if condition.subject is not None:
        tests.append(_search(condition.subject, attrgetter("subject")))
    if condition.body is not None:
        tests.append(_search(condition.body, attrgetter("text")))
    if condition.from_address:
        senders = frozenset(condition.from_address)
        tests.append(lambda m: m.from_address in senders)
    if condition.from_domain:
        tests.append(_from_domain(condition.from_domain))
    if condition.to:
        recipients = frozenset(condition.to)
        tests.append(lambda m: not recipients.isdisjoint(m.to) or not recipients.isdisjoint(m.cc))
    if condition.language is not None:
        language = condition.language
        tests.append(lambda m: m.language == language)
    for name, pattern in condition.header:
        tests.append(_header(name, pattern))
    return tuple(tests)


def _all(tests: tuple[MessageTest, ...], message: MessageFacts) -> bool:
    return all(test(message) for test in tests)


def _search(pattern: str, field: Callable[[MessageFacts], str]) -> MessageTest:
    search = compiled(pattern).search
    return lambda message: search(field(message)) is not None


def _from_domain(domains: tuple[str, ...]) -> MessageTest:
    exact = frozenset(domains)
    suffixes = tuple("." + domain for domain in domains)

    def test(message: MessageFacts) -> bool:
        domain = (message.from_address or "").rpartition("@")[2]
        return bool(domain) and (domain in exact or domain.endswith(suffixes))

    return test


def _header(name: str, pattern: str) -> MessageTest:
    search = compiled(pattern).search

    def test(message: MessageFacts) -> bool:
        value = message.headers.get(name)
        return value is not None and search(value) is not None

    return test


@cache
def compiled(pattern: str) -> re.Pattern[str]:
    """The compiled pattern (``config validate`` has already checked it compiles)."""
    return re.compile(pattern)
