"""What rules see of a conversation: plain values read from the store, nothing else.

Named tuples rather than dataclasses: ``assign auto`` builds tens of thousands per run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple


class MessageFacts(NamedTuple):
    """One inbound message, with the store's column values (addresses lower-case and
    comma-separated); ``text`` is the whole text part where sync kept it (``fetch:
    full``), else the snippet."""

    subject: str = ""
    text: str = ""
    from_address: str | None = None
    to_addresses: str | None = None
    cc_addresses: str | None = None
    language: str | None = None
    message_id: str | None = None
    in_reply_to: str | None = None
    references: str | None = None

    @property
    def to(self) -> tuple[str, ...]:
        return _addresses(self.to_addresses)

    @property
    def cc(self) -> tuple[str, ...]:
        return _addresses(self.cc_addresses)

    @property
    def headers(self) -> Mapping[str, str]:
        """The header fields the store keeps, by lower-case name (a ``header`` condition
        on any other field matches nothing until sync stores it)."""
        fields = {
            "subject": self.subject,
            "from": self.from_address,
            "to": ", ".join(self.to),
            "cc": ", ".join(self.cc),
            "message-id": self.message_id,
            "in-reply-to": self.in_reply_to,
            "references": self.references,
        }
        return {name: value for name, value in fields.items() if value}


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
