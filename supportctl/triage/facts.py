"""What rules see of a conversation: plain values read from the store, nothing else.

Named tuples rather than dataclasses: ``assign auto`` builds tens of thousands per run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

# The header fields the store keeps in columns of their own, by lower-case name: the
# ``MessageFacts`` field that holds each. Sync keeps the other fields rules may ask about
# in ``header_fields``.
COLUMN_HEADERS: Mapping[str, str] = {
    "subject": "subject",
    "from": "from_address",
    "to": "to_addresses",
    "cc": "cc_addresses",
    "message-id": "message_id",
    "in-reply-to": "in_reply_to",
    "references": "references",
}
_ADDRESS_LISTS = frozenset({"to_addresses", "cc_addresses"})
_NO_FIELDS: Mapping[str, str] = {}


class MessageFacts(NamedTuple):
    """One inbound message, with the store's column values (addresses lower-case and
    comma-separated); ``text`` is the whole text part where sync kept it (``fetch:
    full``), else the snippet. ``header_fields`` holds the other header fields sync kept
    (lower-case name → value), None for a message stored before it kept them."""

    subject: str = ""
    text: str = ""
    from_address: str | None = None
    to_addresses: str | None = None
    cc_addresses: str | None = None
    language: str | None = None
    message_id: str | None = None
    in_reply_to: str | None = None
    references: str | None = None
    header_fields: Mapping[str, str] | None = None

    @property
    def to(self) -> tuple[str, ...]:
        return _addresses(self.to_addresses)

    @property
    def cc(self) -> tuple[str, ...]:
        return _addresses(self.cc_addresses)

    def header(self, name: str) -> str | None:
        """The value of the header field ``name`` (lower-case); None when the message has
        none, or the store did not keep it."""
        column = COLUMN_HEADERS.get(name)
        if column is None:
            return (self.header_fields or _NO_FIELDS).get(name)
        value = getattr(self, column)
        if value and column in _ADDRESS_LISTS:
            value = value.replace(",", ", ")
        return value or None

    @property
    def headers(self) -> Mapping[str, str]:
        """Every header field the store keeps, by lower-case name: the ones with columns
        of their own and ``header_fields``."""
        fields = {name: self.header(name) for name in COLUMN_HEADERS}
        kept = {name: value for name, value in fields.items() if value}
        return kept | dict(self.header_fields or _NO_FIELDS)


def _addresses(joined: str | None) -> tuple[str, ...]:
    return tuple(joined.split(",")) if joined else ()


class ConversationFacts(NamedTuple):
    """One conversation; ``created_at`` is epoch seconds (UTC). ``messages`` holds its
    inbound messages, or nothing when no rule asks about messages."""

    id: int
    mailbox: str
    channel: str
    priority: str = "normal"
    created_at: int = 0
    tags: frozenset[str] = frozenset()
    messages: tuple[MessageFacts, ...] = ()
