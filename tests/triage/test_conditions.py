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
    header_fields={"x-priority": "1 (Highest)", "list-id": "Orders <orders.example.com>"},
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
        (Condition(header=(("x-priority", "^1"),)), True),  # a field sync kept
        (Condition(header=(("X-Priority", "^1"),)), True),  # names in any case
        (Condition(header=(("x-priority", "^[2-5]"),)), False),
        (Condition(header=(("x-priority", "^1"), ("subject", "^Hello"))), False),  # one message
        (Condition(header=(("x-mailer", "."),)), False),  # a field the message lacks
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


def test_header_conditions_ask_only_for_the_columns_they_read() -> None:
    assert message_fields(Condition(header=(("x-priority", "^1"),))) == {"header_fields"}
    assert message_fields(Condition(header=(("List-Id", "x"), ("x-mailer", "y")))) == {
        "header_fields"
    }
    assert message_fields(Condition(header=(("in-reply-to", "x"), ("Subject", "y")))) == {
        "in_reply_to",
        "subject",
    }
    assert message_fields(Condition(header=(("to", "x"),))) == {"to_addresses"}


def test_headers_are_the_columns_and_the_fields_sync_kept() -> None:
    assert REFUND_MAIL.headers == {
        "subject": "طلب استرداد المبلغ",
        "from": "ceo@mail.bigcustomer.com",
        "to": "support@example.com",
        "cc": "billing@example.com",
        "message-id": "abc@mail.bigcustomer.com",
        "in-reply-to": "m1@example.com",
        "x-priority": "1 (Highest)",
        "list-id": "Orders <orders.example.com>",
    }
    assert MessageFacts(to_addresses="a@x.com,b@y.com").header("to") == "a@x.com, b@y.com"


def test_a_message_stored_before_sync_kept_header_fields_shows_its_columns() -> None:
    before = REFUND_MAIL._replace(header_fields=None)
    old = conversation(messages=(before,))
    assert before.header("x-priority") is None
    assert not matches(Condition(header=(("x-priority", "."),)), old, NOW)
    assert matches(Condition(header=(("in-reply-to", "@example"),)), old, NOW)
