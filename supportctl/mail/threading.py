"""Which conversation a message belongs to (pure: lookups are passed in).

Order of evidence, strongest first:

1. Message-ID links: In-Reply-To, then References newest to oldest (RFC 5322 §3.6.4),
   to a message we hold — preferring one whose conversation's customer is this
   message's customer, so a Message-ID reused by another sender cannot pull a stranger's
   message into someone else's conversation;
2. a ``[#1234]`` token that supportctl's own replies carry in the subject — from the
   conversation's own customer (or from us): a token is easy to type, so a stranger's
   mail must not land in someone else's conversation through it;
3. last resort: the same normalized subject from the same customer on a conversation
   active within the mailbox's ``thread_window``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ThreadLookups:
    """What the store can answer; each returns a conversation id or candidates."""

    by_message_ids: Callable[[list[str]], Sequence[dict[str, Any]]]
    customer_of: Callable[[int], str | None]  # a conversation's customer; "" if none exists
    by_subject: Callable[[str, str], int | None]  # (customer, subject_key)


@dataclass(frozen=True)
class ThreadDecision:
    conversation_id: int | None  # None: start a new conversation
    reason: str  # "reply", "ticket-token", "subject", "new"


def choose_conversation(
    *,
    in_reply_to: str | None,
    references: Sequence[str],
    ticket_number: int | None,
    customer: str | None,
    subject_key: str,
    outbound: bool,
    lookups: ThreadLookups,
) -> ThreadDecision:
    linked = [in_reply_to] if in_reply_to else []
    linked += [ref for ref in reversed(references) if ref not in linked]
    if linked:
        candidates = lookups.by_message_ids(linked)
        if candidates:
            return ThreadDecision(_best_link(candidates, linked, customer), "reply")
    if ticket_number is not None:
        owner = lookups.customer_of(ticket_number)
        if owner != "" and (outbound or owner == customer):
            return ThreadDecision(ticket_number, "ticket-token")
    if customer and subject_key:
        found = lookups.by_subject(customer, subject_key)
        if found is not None:
            return ThreadDecision(found, "subject")
    return ThreadDecision(None, "new")


def _best_link(
    candidates: Sequence[dict[str, Any]], linked: list[str], customer: str | None
) -> int:
    """The conversation of the strongest link; among messages sharing one Message-ID,
    the one with this customer."""
    rank = {message_id: position for position, message_id in enumerate(linked)}
    ordered = sorted(candidates, key=lambda c: rank.get(c["message_id"], len(rank)))
    best_id = ordered[0]["message_id"]
    same_id = [c for c in ordered if c["message_id"] == best_id]
    for candidate in same_id:
        if customer and candidate["customer"] == customer:
            return candidate["conversation_id"]
    return same_id[0]["conversation_id"]
