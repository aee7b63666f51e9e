"""Rule conditions: each field alone, lists as "any of", message fields on one message."""

from __future__ import annotations

import pytest

from supportctl.config.model import Condition
from supportctl.timekit.spec import Duration
from supportctl.triage.conditions import matches, message_fields
from supportctl.triage.facts import ConversationFacts, MessageFacts

NOW = 1_800_000_000
DAY = 86400

REFUND_MAIL = MessageFacts(
    subject="طلب استرداد المبلغ",
    text="Please refund order 42",
    from_address="ceo@mail.bigcustomer.com",
    to_addresses="support@example.com",
    cc_addresses="billing@example.com",
    language="ar",
    message_id="abc@mail.bigcustomer.com",
    in_reply_to="m1@example.com",
)
CHAT_MAIL = MessageFacts(
    subject="Hello", text="hi", from_address="someone@other.org", language="en"
)


def conversation(**overrides: object) -> ConversationFacts:
    values: dict[str, object] = {
        "id": 7,
        "mailbox": "support",
        "channel": "email",
        "priority": "normal",
        "created_at": NOW - 3 * DAY,
        "tags": frozenset({"vip"}),
        "messages": (CHAT_MAIL, REFUND_MAIL),
    }
    values.update(overrides)
    return ConversationFacts(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "condition,expected",
    [
        (Condition(), True),
        (Condition(subject="(?i)refund|استرداد"), True),
        (Condition(subject="^Invoice"), False),
        (Condition(body="(?i)REFUND"), True),
        (Condition(from_address=("ceo@mail.bigcustomer.com",)), True),
        (Condition(from_address=("ceo@bigcustomer.com",)), False),
        (Condition(from_domain=("bigcustomer.com",)), True),  # a subdomain counts
        (Condition(from_domain=("customer.com",)), False),  # a suffix that is no subdomain
        (Condition(to=("billing@example.com",)), True),  # Cc or To
        (Condition(to=("sales@example.com",)), False),
        (Condition(mailbox=("billing", "support")), True),
        (Condition(mailbox=("billing",)), False),
        (Condition(channel=("chat",)), False),
        (Condition(header=(("in-reply-to", "@example[.]com$"),)), True),
        (Condition(header=(("message-id", "^xyz"),)), False),
        (Condition(header=(("cc", "billing@"), ("subject", "استرداد"))), True),
        (Condition(header=(("x-priority", "."),)), False),  # a field the store lacks
        (Condition(language="ar"), True),
        (Condition(language="en", subject="refund"), False),  # not on one same message
        (Condition(tag=("refund", "vip")), True),
        (Condition(tag=("refund",)), False),
        (Condition(priority=("high", "urgent")), False),
        (Condition(older_than=Duration(days=3)), True),  # exactly three days old
        (Condition(older_than=Duration(days=3, seconds=1)), False),
        (Condition(subject="استرداد", mailbox=("support",), tag=("vip",)), True),
    ],
)
def test_each_field(condition: Condition, expected: bool) -> None:
    assert matches(condition, conversation(), NOW) is expected


def test_message_fields_need_a_message() -> None:
    assert not matches(Condition(language="ar"), conversation(messages=()), NOW)
    assert matches(Condition(mailbox=("support",)), conversation(messages=()), NOW)


def test_only_mail_fields_ask_for_message_columns() -> None:
    assert message_fields(Condition(tag=("a",), older_than=Duration(days=1))) == frozenset()
    assert message_fields(Condition(subject="x", body="y", language="ar")) == {
        "subject",
        "text",
        "language",
    }
    assert message_fields(Condition(from_domain=("x.com",), to=("a@b",))) == {
        "from_address",
        "to_addresses",
        "cc_addresses",
    }
    assert message_fields(Condition(header=(("x-a", "b"),))) == set(MessageFacts._fields)
