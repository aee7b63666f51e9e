"""Does a rule's ``when`` match a conversation? (pure)

Every field given must match, and a list means any of its values. Fields about the
conversation (``mailbox``, ``channel``, ``tag``, ``priority``, ``older_than``) are read
from the conversation; fields about mail (``subject``, ``body``, ``from``,
``from_domain``, ``to``, ``header``, ``language``) must all hold for one and the same
inbound message of it, any one. Regular expressions are searched (not anchored) and
compiled once. A domain matches itself and its subdomains; ``to`` looks at To and Cc;
``header`` names a field in any case (``MessageFacts.header``); ``older_than`` is plain
elapsed time since the conversation was created (a day is 24 h).

A ``Matcher`` answers many conditions over one set of conversations: each conversation
field is indexed (value → ids) the first time a condition asks about it, so a condition
costs a few set intersections, and mail is searched only in what the other fields left;
``assign auto`` routes ten thousand conversations through twenty routes that way.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from functools import cache
from operator import attrgetter

from supportctl.config.model import Condition
from supportctl.triage.facts import COLUMN_HEADERS, ConversationFacts, MessageFacts

MessageTest = Callable[[MessageFacts], bool]


def matches(condition: Condition, facts: ConversationFacts, now: int) -> bool:
    """Whether ``facts`` satisfy ``condition`` at ``now`` (epoch seconds)."""
    return bool(Matcher([facts]).matching(condition, now))


class Matcher:
    """Which of one set of conversations satisfy a condition, for many conditions."""

    def __init__(self, conversations: Iterable[ConversationFacts]):
        self._by_id = {facts.id: facts for facts in conversations}
        self._ids = frozenset(self._by_id)
        # Field name → value → ids of the conversations holding it, built on first use.
        self._indexes: dict[str, dict[str, set[int]]] = {}

    def ids(self) -> set[int]:
        """Every conversation's id."""
        return set(self._ids)

    def facts(self, conversation: int) -> ConversationFacts:
        return self._by_id[conversation]

    def matching(
        self, condition: Condition, now: int, among: AbstractSet[int] | None = None
    ) -> set[int]:
        """Ids of the conversations (of ``among``, default all) that satisfy ``condition``
        at ``now`` (epoch seconds)."""
        by_id = self._by_id
        scope = self._ids if among is None else among
        left: set[int] | None = None  # None: no conversation field asked yet
        for name, wanted in _indexed_fields(condition):
            if wanted:
                index = self._index(name)
                holders = set().union(*(index.get(value, ()) for value in wanted))
                # From the holders' side: a field's few holders, not every id copied.
                left = holders & (scope if left is None else left)
        left = set(scope) if left is None else left
        if condition.older_than is not None and left:
            born_before = now - condition.older_than.total_seconds
            left = {id_ for id_ in left if by_id[id_].created_at <= born_before}
        tests = message_tests(condition)
        if len(tests) == 1 and left:  # the common case, without a generator per message
            (test,) = tests
            left = {id_ for id_ in left if any(map(test, by_id[id_].messages))}
        elif tests and left:
            left = {id_ for id_ in left if any(_all(tests, m) for m in by_id[id_].messages)}
        return left

    def add_tag(self, conversation: int, tag: str) -> None:
        """Conditions asked from now on see ``conversation`` with ``tag``."""
        facts = self._by_id[conversation]
        self._by_id[conversation] = facts._replace(tags=facts.tags | {tag})
        if "tags" in self._indexes:
            self._indexes["tags"].setdefault(tag, set()).add(conversation)

    def _index(self, name: str) -> dict[str, set[int]]:
        if name not in self._indexes:
            index: defaultdict[str, set[int]] = defaultdict(set)
            if name == "tags":
                for facts in self._by_id.values():
                    for tag in facts.tags:
                        index[tag].add(facts.id)
            else:
                value_of = attrgetter(name)
                for facts in self._by_id.values():
                    index[value_of(facts)].add(facts.id)
            self._indexes[name] = dict(index)
        return self._indexes[name]


def _indexed_fields(condition: Condition) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The condition's fields about the conversation, by ``ConversationFacts`` field."""
    return (
        ("mailbox", condition.mailbox),
        ("channel", condition.channel),
        ("priority", condition.priority),
        ("tags", condition.tag),
    )


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
    for name, _ in condition.header:
        wanted.add(COLUMN_HEADERS.get(name.lower(), "header_fields"))
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
        tests.append(_header(name.lower(), pattern))
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
        value = message.header(name)
        return value is not None and search(value) is not None

    return test


@cache
def compiled(pattern: str) -> re.Pattern[str]:
    """The compiled pattern (``config validate`` has already checked it compiles)."""
    return re.compile(pattern)
