"""``--with`` specs: agents, roles, calendars and ad hoc guests, and every bad spec."""

from __future__ import annotations

from datetime import date

import pytest

from supportctl.config.model import Leave
from supportctl.errors import NotFoundError, UsageError
from supportctl.meet.participants import resolve_participants, split_specs
from supportctl.timekit.spec import HourRange
from tests.meet.conftest import agent, calendar, config

RIYADH = calendar("riyadh", "Asia/Riyadh", {"sun-thu": "09:00-17:00"})
CAIRO = calendar("cairo", "Africa/Cairo", {"sun-thu": "09:00-17:00"})
LEAD = calendar("lead", "UTC", {"mon-fri": "09:00-17:00"})  # a calendar named like a role
TEAM = config(
    [RIYADH, CAIRO, LEAD],
    [
        agent("omar", "riyadh", roles=["lead"], leave=[Leave(date(2026, 1, 1), date(2026, 1, 2))]),
        agent("layla", "riyadh"),
        agent("alice", "cairo", meeting_hours={"sun-thu": "08:00-19:00"}),
        agent("youssef", "cairo", roles=["lead", "ops"]),
        agent("drifter", None),
    ],
)


def names(*specs: str) -> list[str]:
    return [p.name for p in resolve_participants(TEAM, specs)]


def test_agents_roles_and_calendars_resolve_in_order_each_once() -> None:
    assert names("omar,@cairo", "@role:lead") == ["omar", "alice", "youssef"]
    assert names("@ops", "@riyadh") == ["youssef", "omar", "layla"]


def test_an_agent_brings_calendar_leave_and_meeting_hours() -> None:
    omar, alice = resolve_participants(TEAM, ["omar", "alice"])
    assert omar.calendar is RIYADH and omar.timezone == "Asia/Riyadh"
    assert len(omar.leave) == 1
    assert alice.meeting_hours is not None and alice.meeting_hours[6] == (HourRange(480, 1140),)


def test_a_guest_has_hours_in_their_zone_every_day_unless_days_are_given() -> None:
    (guest,) = resolve_participants(TEAM, ["guest=America/New_York 09:00-17:00"])
    assert guest.name == "guest" and guest.timezone == "America/New_York"
    assert sorted(guest.calendar.hours) == list(range(7))
    assert guest.calendar.holidays is None and guest.leave == ()
    (bob,) = resolve_participants(
        TEAM, ["bob=Asia/Tokyo mon-fri 09:00-12:00,13:00-18:00 sat 10:00-12:00"]
    )
    assert bob.calendar.hours[0] == (HourRange(540, 720), HourRange(780, 1080))
    assert bob.calendar.hours[5] == (HourRange(600, 720),)
    assert 6 not in bob.calendar.hours


def test_commas_split_specs_but_more_hours_stay_with_their_guest() -> None:
    assert split_specs(["omar,g=UTC mon-fri 09:00-12:00,13:00-17:00, sat 10:00-12:00,@lead"]) == [
        "omar",
        "g=UTC mon-fri 09:00-12:00,13:00-17:00,sat 10:00-12:00",
        "@lead",
    ]


@pytest.mark.parametrize(
    "spec,error,message",
    [
        ("nobody", NotFoundError, "--with 'nobody': no agent with that id"),
        ("@nobody", NotFoundError, "no agent has that role or calendar"),
        ("@calendar:lead", NotFoundError, "no agent has that role or calendar"),
        ("@lead", UsageError, "'lead' is both a role and a calendar"),
        ("@team:x", UsageError, "use @NAME, @role:NAME or @calendar:NAME"),
        ("drifter", UsageError, "agent 'drifter' has no calendar"),
        ("g=Mars/Olympus 09:00-17:00", UsageError, "unknown time zone 'Mars/Olympus'"),
        ("g=UTC", UsageError, "no working hours"),
        ("g=", UsageError, "no time zone"),
        ("g=UTC 9-17", UsageError, "malformed time '9'"),
        ("g=UTC mon-fri", UsageError, "day key 'mon-fri' has no hours after it"),
        ("g=UTC fry 09:00-17:00", UsageError, "unknown day 'fry'"),
        ("g=UTC 09:00-17:00 sat 10:00-12:00", UsageError, "sat is given twice"),
        ("bad name=UTC 09:00-17:00", UsageError, "'bad name' is not a name"),
        ("score=UTC 09:00-17:00", UsageError, "the name 'score' is a column of the plan"),
        ("omar=UTC 09:00-17:00", UsageError, "'omar' is already taken"),
    ],
)
def test_bad_specs_are_one_line_errors_naming_the_spec(
    spec: str, error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as raised:
        resolve_participants(TEAM, ["omar", spec], reserved=("score",))
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_nobody_at_all_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="--with names nobody"):
        resolve_participants(TEAM, [" , "])
