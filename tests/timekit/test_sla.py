"""SLA policies: matching, due times, breach states, reopening, ``sla due`` and ``--at``."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from supportctl.config.model import Calendar, Condition, HolidaySource, SlaPolicy
from supportctl.errors import ConfigError, NotFoundError, UsageError
from supportctl.timekit.sla import (
    NO_SLA,
    ConversationFacts,
    SlaPolicies,
    SlaState,
    SlaSubject,
    breached,
    parse_local_instant,
    sla_due,
)
from supportctl.timekit.spec import parse_duration, parse_weekly_hours

RIYADH = Calendar(
    "riyadh",
    "Asia/Riyadh",
    parse_weekly_hours({"sun-thu": "09:00-17:00"}),
    HolidaySource("SA"),
)
CAIRO = Calendar("cairo", "Africa/Cairo", parse_weekly_hours({"sun-thu": "09:00-17:00"}))
CHAT = SlaPolicy("chat", Condition(channel=("chat",)), parse_duration("5m"))
VIP = SlaPolicy(
    "vip",
    Condition(tag=("vip", "press"), priority=("high", "urgent")),
    parse_duration("1h"),
    parse_duration("1d"),
    "riyadh",
)
EGYPT = SlaPolicy("egypt", Condition(mailbox=("egypt",)), parse_duration("8h"), None, "cairo")
EMAIL = SlaPolicy("email", Condition(), parse_duration("8h"), parse_duration("3d"), "riyadh")
CALENDARS = {"riyadh": RIYADH, "cairo": CAIRO}


def at(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


@pytest.fixture(scope="module")
def policies() -> SlaPolicies:
    return SlaPolicies((CHAT, VIP, EGYPT, EMAIL), CALENDARS, "Asia/Riyadh", ["email", "chat"])


def facts(
    created: str,
    *,
    channel: str = "email",
    mailbox: str = "support",
    priority: str = "normal",
    tags: tuple[str, ...] = (),
    customer_wrote: bool = True,
    first_response: str | None = None,
    resolved: str | None = None,
) -> ConversationFacts:
    return ConversationFacts(
        subject=SlaSubject(channel, mailbox, priority, frozenset(tags)),
        created_at=at(created),
        customer_wrote=customer_wrote,
        first_response_at=at(first_response) if first_response else None,
        resolved_at=at(resolved) if resolved else None,
    )


# -- matching ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        (SlaSubject("chat", "chat"), "chat"),
        # The first match wins: a VIP chat is still a chat.
        (SlaSubject("chat", "chat", "urgent", frozenset({"vip"})), "chat"),
        # tag: any of the listed; priority: any of the listed; both must fit.
        (SlaSubject("email", "support", "high", frozenset({"press", "refund"})), "vip"),
        (SlaSubject("email", "support", "normal", frozenset({"vip"})), "email"),
        (SlaSubject("email", "support", "urgent", frozenset({"refund"})), "email"),
        (SlaSubject("email", "egypt"), "egypt"),
        (SlaSubject("email", "egypt", "urgent", frozenset({"vip"})), "vip"),
        # A subject that names nothing fits only matches that ask nothing.
        (SlaSubject(), "email"),
    ],
)
def test_first_matching_policy_wins(
    policies: SlaPolicies, subject: SlaSubject, expected: str
) -> None:
    policy = policies.match(subject)
    assert policy is not None and policy.name == expected


def test_without_a_default_policy_an_unmatched_conversation_has_no_sla() -> None:
    policies = SlaPolicies((CHAT, EGYPT), CALENDARS, "UTC")
    assert policies.match(SlaSubject("email", "support")) is None
    assert policies.evaluate(facts("2026-01-11T10:00+03:00"), at("2026-02-01T00:00Z")) == NO_SLA


def test_a_policy_naming_an_undefined_calendar_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="'nowhere', which is not defined"):
        SlaPolicies((replace(EMAIL, calendar="nowhere"),), CALENDARS, "UTC")


# -- due times and breach states --------------------------------------------------------


def test_the_issues_eid_example(policies: SlaPolicies) -> None:
    state = policies.evaluate(facts("2026-03-19T16:30+03:00"), at("2026-03-20T00:00+03:00"))
    assert state == SlaState(
        sla_policy="email",
        first_response_due=at("2026-03-25T17:00+03:00"),
        # 3 business days: the opening (Wed 25 09:00) moved to the third open day after.
        resolution_due=at("2026-03-30T09:00+03:00"),
        first_response_breached=None,
        resolution_breached=None,
    )
    assert state.first_response_due.tzinfo is UTC


def test_a_policy_without_calendar_runs_round_the_clock(policies: SlaPolicies) -> None:
    state = policies.evaluate(
        facts("2026-01-09T23:58+03:00", channel="chat"), at("2026-01-09T21:04Z")
    )
    assert state.first_response_due == at("2026-01-10T00:03+03:00")  # Saturday night
    assert (state.resolution_due, state.resolution_breached) == (None, None)
    assert state.first_response_breached is True


@pytest.mark.parametrize(
    ("first_response", "now", "expected"),
    [
        ("2026-01-11T16:59+03:00", "2026-02-01T00:00Z", False),
        ("2026-01-11T17:00+03:00", "2026-02-01T00:00Z", False),  # exactly at the due time
        ("2026-01-11T17:01+03:00", "2026-02-01T00:00Z", True),
        (None, "2026-01-11T17:00+03:00", None),  # not answered, not yet late
        (None, "2026-01-11T17:00:01+03:00", True),
    ],
)
def test_first_response_breach_state(
    policies: SlaPolicies, first_response: str | None, now: str, expected: bool | None
) -> None:
    conversation = facts("2026-01-11T09:00+03:00", first_response=first_response)
    state = policies.evaluate(conversation, at(now))
    assert state.first_response_due == at("2026-01-11T17:00+03:00")
    assert state.first_response_breached is expected


def test_a_conversation_the_customer_never_wrote_in_has_no_sla(policies: SlaPolicies) -> None:
    outreach = facts("2026-01-11T09:00+03:00", customer_wrote=False)
    assert policies.evaluate(outreach, at("2026-03-01T00:00Z")) == NO_SLA


def test_reopening_keeps_the_resolution_due_time_from_creation(policies: SlaPolicies) -> None:
    # Created Sun 11 Jan 09:00: resolution due Wed 14 Jan 09:00 (3 business days).
    created, due = "2026-01-11T09:00+03:00", at("2026-01-14T09:00+03:00")
    closed_in_time = facts(
        created, first_response="2026-01-11T10:00+03:00", resolved="2026-01-12T12:00+03:00"
    )
    state = policies.evaluate(closed_in_time, at("2026-01-13T00:00Z"))
    assert (state.resolution_due, state.resolution_breached) == (due, False)
    # The customer reopens it on the 13th (sync clears resolved_at): running again...
    reopened = replace(closed_in_time, resolved_at=None)
    state = policies.evaluate(reopened, at("2026-01-13T12:00+03:00"))
    assert (state.resolution_due, state.resolution_breached) == (due, None)
    # ...breached once the original due time passes...
    assert policies.evaluate(reopened, at("2026-01-14T09:01+03:00")).resolution_breached is True
    # ...and closing it again late stays a breach; the first response is untouched.
    closed_late = replace(closed_in_time, resolved_at=at("2026-01-15T10:00+03:00"))
    state = policies.evaluate(closed_late, at("2026-01-16T00:00Z"))
    assert (state.resolution_due, state.resolution_breached) == (due, True)
    assert state.first_response_breached is False


def test_conversations_arriving_while_closed_share_the_due_times_of_the_opening(
    policies: SlaPolicies,
) -> None:
    friday = policies.evaluate(facts("2026-01-09T11:00+03:00"), at("2026-01-01T00:00Z"))
    saturday = policies.evaluate(facts("2026-01-10T23:59+03:00"), at("2026-01-01T00:00Z"))
    opening = policies.evaluate(facts("2026-01-11T09:00+03:00"), at("2026-01-01T00:00Z"))
    assert friday == saturday == opening
    assert opening.first_response_due == at("2026-01-11T17:00+03:00")


@settings(max_examples=200, deadline=None)
@given(
    created=st.integers(0, 365 * 86400),
    answered_after=st.none() | st.integers(0, 86400),
    now_after=st.integers(0, 86400),
)
def test_round_the_clock_due_times_are_plain_arithmetic(
    created: int, answered_after: int | None, now_after: int
) -> None:
    policies = SlaPolicies((replace(CHAT, first_response=parse_duration("1h")),), {}, "UTC")
    start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=created)
    conversation = ConversationFacts(
        SlaSubject("chat"),
        start,
        True,
        None if answered_after is None else start + timedelta(seconds=answered_after),
    )
    state = policies.evaluate(conversation, start + timedelta(seconds=now_after))
    assert state.first_response_due == start + timedelta(hours=1)
    if answered_after is not None:
        assert state.first_response_breached is (answered_after > 3600)
    else:
        assert state.first_response_breached is (True if now_after > 3600 else None)


def test_breached_without_a_due_time_is_unknown() -> None:
    assert breached(None, at("2026-01-01T00:00Z"), at("2026-02-01T00:00Z")) is None


# -- the fingerprint ----------------------------------------------------------------------


def test_fingerprint_follows_policies_and_their_calendars_only() -> None:
    base = SlaPolicies((CHAT, EMAIL), CALENDARS, "UTC").fingerprint
    assert SlaPolicies((CHAT, EMAIL), dict(CALENDARS), "UTC").fingerprint == base
    # A calendar no policy uses does not count; one they use does.
    other_cairo = {**CALENDARS, "cairo": replace(CAIRO, timezone="Africa/Tripoli")}
    assert SlaPolicies((CHAT, EMAIL), other_cairo, "UTC").fingerprint == base
    later_riyadh = {
        **CALENDARS,
        "riyadh": replace(RIYADH, hours=parse_weekly_hours({"sun-thu": "10:00-18:00"})),
    }
    assert SlaPolicies((CHAT, EMAIL), later_riyadh, "UTC").fingerprint != base
    assert SlaPolicies((EMAIL, CHAT), CALENDARS, "UTC").fingerprint != base  # order matters
    shorter = replace(EMAIL, first_response=parse_duration("4h"))
    assert SlaPolicies((CHAT, shorter), CALENDARS, "UTC").fingerprint != base


# -- sla due and --at ---------------------------------------------------------------------


def test_sla_due_reads_at_in_the_policy_calendars_zone(policies: SlaPolicies) -> None:
    due = sla_due(
        policies, subject=SlaSubject("email"), at="2026-03-19 16:30", now=at("2000-01-01T00:00Z")
    )
    assert (due.policy, due.calendar, due.timezone) == ("email", "riyadh", "Asia/Riyadh")
    assert due.at.isoformat() == "2026-03-19T16:30:00+03:00"
    assert due.first_response_due.isoformat() == "2026-03-25T17:00:00+03:00"
    assert due.first_response_due_utc == "2026-03-25T14:00:00+00:00"
    assert (due.first_response, due.resolution) == ("8h", "3d")
    cairo = sla_due(
        policies, policy_name="egypt", at="2026-01-11 16:00", now=at("2000-01-01T00:00Z")
    )
    assert cairo.at.isoformat() == "2026-01-11T16:00:00+02:00"
    assert cairo.first_response_due.isoformat() == "2026-01-12T16:00:00+02:00"
    assert (cairo.resolution, cairo.resolution_due, cairo.resolution_due_utc) == (None, None, None)


def test_sla_due_defaults_to_now_and_to_the_config_zone_without_calendar(
    policies: SlaPolicies,
) -> None:
    due = sla_due(policies, subject=SlaSubject("chat"), now=at("2026-01-09T20:58Z"))
    assert due.timezone == "Asia/Riyadh"
    assert due.at.isoformat() == "2026-01-09T23:58:00+03:00"
    assert due.first_response_due.isoformat() == "2026-01-10T00:03:00+03:00"


def test_sla_due_refuses_unknown_names(policies: SlaPolicies) -> None:
    now = at("2026-01-01T00:00Z")
    with pytest.raises(NotFoundError, match=r"no SLA policy named 'vipp' \(known: chat, vip"):
        sla_due(policies, policy_name="vipp", now=now)
    with pytest.raises(NotFoundError, match=r"channel 'fax' \(known: chat, email\)"):
        sla_due(policies, subject=SlaSubject("fax"), now=now)
    without_default = SlaPolicies((CHAT, EGYPT), CALENDARS, "UTC", ["email"])
    with pytest.raises(NotFoundError, match="no SLA policy matches channel=email priority=high"):
        sla_due(without_default, subject=SlaSubject("email", priority="high"), now=now)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-19 16:30", "2026-03-19T16:30+00:00"),
        ("2026-03-19T16:30+03:00", "2026-03-19T13:30+00:00"),
        ("2026-03-19T13:30Z", "2026-03-19T13:30+00:00"),
        ("2026-03-19", "2026-03-19T00:00+00:00"),
        ("2026-03-30 10:00", "2026-03-30T09:00+00:00"),  # British Summer Time
    ],
)
def test_parse_local_instant(text: str, expected: str) -> None:
    instant = parse_local_instant(text, "Europe/London", option="--at")
    assert instant == at(expected) and instant.tzinfo is UTC


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("next tuesday", "--at: 'next tuesday' is not a date and time"),
        ("2026-03-29 01:30", "--at: 2026-03-29 01:30 does not exist (the clocks skip it)"),
        ("2026-10-25 01:30", "--at: 2026-10-25 01:30 happens twice (the clocks go back)"),
    ],
)
def test_parse_local_instant_refuses(text: str, message: str) -> None:
    with pytest.raises(UsageError) as error:
        parse_local_instant(text, "Europe/London", option="--at")
    assert str(error.value).startswith(message)
