"""A conversation's first-response and resolution times in business seconds (pure).

Stored beside the SLA columns (``conversation.first_response_business`` and
``resolution_business``) by whoever refreshes those, so reports only aggregate them:
``supportctl.store.sla`` calls ``business_times`` for every conversation it evaluates.

Business time is counted on the calendar of the conversation's SLA policy (round the
clock for a policy without one) from ``created_at`` to the first response, and to the
resolution of a closed conversation; it is empty while that has not happened and for a
conversation without a policy.
"""

from __future__ import annotations

from datetime import UTC, datetime

from supportctl.timekit.business import business_between
from supportctl.timekit.calendar import BusinessCalendar
from supportctl.timekit.sla import SlaPolicies

BusinessTimes = tuple[int | None, int | None]  # first response, resolution (seconds)
NO_TIMES: BusinessTimes = (None, None)


def business_times(
    policies: SlaPolicies,
    policy_name: str | None,
    created_at: int,
    first_response_at: int | None,
    resolved_at: int | None,
) -> BusinessTimes:
    """``(first_response_business, resolution_business)`` in whole seconds.

    Instants are epoch seconds; ``resolved_at`` only of a closed conversation.

    >>> from supportctl.config.model import SlaPolicy
    >>> policies = SlaPolicies((SlaPolicy("email"),), {}, "UTC")
    >>> business_times(policies, "email", 0, 90, None)
    (90, None)
    """
    if policy_name is None:
        return NO_TIMES
    calendar = policies.calendar(policies.named(policy_name))
    return (
        business_seconds(calendar, created_at, first_response_at),
        business_seconds(calendar, created_at, resolved_at),
    )


def business_seconds(calendar: BusinessCalendar, start: int, end: int | None) -> int | None:
    """Open seconds of ``calendar`` from ``start`` to ``end`` (epoch seconds), or None."""
    if end is None:
        return None
    elapsed = business_between(calendar, _instant(start), _instant(end))
    return round(elapsed.total_seconds())


def _instant(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)
