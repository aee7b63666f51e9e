"""How a stored message changes its conversation (pure).

A customer's message reopens a closed or pending conversation; an agent's reply sets the
mailbox's ``after_reply`` status and, the first time, the first-response time. Automatic
mail (auto-replies, bounces) is kept in the thread but changes no status. Every status
change comes with an event.

Folders are synced one after the other (the inbox before Sent), so messages do not
arrive in time order: a message changes the status only when it is newer than the
latest message from the other side, and the first response is the earliest reply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Event = tuple[str, str | None, str | None, str]  # kind, old value, new value, reason


@dataclass(frozen=True)
class ConversationUpdate:
    changes: dict[str, Any]
    events: list[Event] = field(default_factory=list)
    reopened: int = 0


def message_effects(
    conversation: dict[str, Any] | None,
    *,
    direction: str,
    at: int,
    auto_submitted: bool,
    after_reply: str,
) -> ConversationUpdate:
    """The column changes and events for one new message on ``conversation`` (None: the
    message starts it)."""
    if conversation is None:
        status = "open" if direction == "inbound" else after_reply
        changes: dict[str, Any] = {"status": status, "updated_at": at, "message_count": 1}
        changes["last_inbound_at" if direction == "inbound" else "last_outbound_at"] = at
        if status == "closed":
            changes["resolved_at"] = at
        return ConversationUpdate(changes)
    changes = {
        "updated_at": max(conversation["updated_at"], at),
        "message_count": conversation["message_count"] + 1,
    }
    if direction == "inbound":
        return _inbound(conversation, changes, at, auto_submitted)
    return _outbound(conversation, changes, at, after_reply)


def _inbound(
    conversation: dict[str, Any], changes: dict[str, Any], at: int, auto_submitted: bool
) -> ConversationUpdate:
    changes["last_inbound_at"] = max(conversation["last_inbound_at"] or at, at)
    status = conversation["status"]
    answered_later = at < max(
        conversation["last_outbound_at"] or 0, conversation["resolved_at"] or 0
    )
    if auto_submitted or status == "open" or answered_later:
        return ConversationUpdate(changes)
    changes["status"] = "open"
    if status == "closed":
        changes["reopened_count"] = conversation["reopened_count"] + 1
        changes["resolved_at"] = None
        return ConversationUpdate(
            changes, [("status", "closed", "open", "the customer wrote again")], 1
        )
    return ConversationUpdate(changes, [("status", status, "open", "the customer replied")])


def _outbound(
    conversation: dict[str, Any], changes: dict[str, Any], at: int, after_reply: str
) -> ConversationUpdate:
    changes["last_outbound_at"] = max(conversation["last_outbound_at"] or at, at)
    if conversation["last_inbound_at"] is not None and at >= conversation["created_at"]:
        changes["first_response_at"] = min(conversation["first_response_at"] or at, at)
    customer_wrote_later = at < (conversation["last_inbound_at"] or 0)
    if conversation["status"] == after_reply or customer_wrote_later:
        return ConversationUpdate(changes)
    changes["status"] = after_reply
    if after_reply == "closed":
        changes["resolved_at"] = at
    return ConversationUpdate(
        changes, [("status", conversation["status"], after_reply, "an agent replied")]
    )
