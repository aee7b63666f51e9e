"""What publish tells customers, worked out by hand for a Riyadh team (Sun-Thu 09:00-17:00,
SA holidays, Eid al-Fitr 2026 estimated on 19-24 March)."""

from __future__ import annotations

import dataclasses
import doctest
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import pytz

from supportctl.config import load_config
from supportctl.config.model import Config, Mailbox
from supportctl.errors import NotFoundError, UsageError
from supportctl.publish import expectations as expectations_module
from supportctl.publish.expectations import (
    Period,
    WeekdayHours,
    expectations,
    round_up,
    select_policies,
    week_groups,
)
from supportctl.timekit.spec import Duration, HourRange, parse_weekly_hours
from tests.conftest import EXAMPLE_CONFIG

RIYADH_CONFIG = Path(__file__).with_name("riyadh.yaml")
EID = Period("Eid al-Fitr Holiday", "holiday", "riyadh", date(2026, 3, 19), date(2026, 3, 24), True)


def riyadh(*fields: int) -> datetime:
    """A wall-clock time in Riyadh as an aware datetime (UTC+3, no DST)."""
    return pytz.timezone("Asia/Riyadh").localize(datetime(*fields))


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(RIYADH_CONFIG, {})


def test_open_wednesday_before_eid(config: Config) -> None:
    report = expectations(config, riyadh(2026, 3, 18, 16, 30))
    chat, email = report.channels
    assert (chat.name, chat.policy, email.name) == ("chat", "chat", "email")
    assert email.open_now and email.next_open is None
    assert email.closes_at == riyadh(2026, 3, 18, 17, 0)
    # 30 minutes on Wednesday, Eid to Tuesday, 7h30 on Wednesday the 25th (issue's case).
    assert email.reply_by == riyadh(2026, 3, 25, 16, 30)
    assert chat.reply_by == riyadh(2026, 3, 18, 16, 45)  # 16:35 rounded up
    assert email.periods == chat.periods == (EID,)
    assert report.tzdata == pytz.OLSON_VERSION and report.horizon == 30


def test_closed_on_the_first_day_of_eid(config: Config) -> None:
    email = expectations(config, riyadh(2026, 3, 19, 16, 30), channels=["email"]).channels[0]
    assert not email.open_now and email.closes_at is None
    assert email.next_open == riyadh(2026, 3, 25, 9, 0)
    assert email.reply_by == riyadh(2026, 3, 25, 17, 0)  # the hand-worked case


def test_friday_saturday_weekend(config: Config) -> None:
    chat, email = expectations(config, riyadh(2026, 1, 9, 12, 0)).channels
    assert email.next_open == chat.next_open == riyadh(2026, 1, 11, 9, 0)
    assert email.reply_by == riyadh(2026, 1, 11, 17, 0)
    assert chat.reply_by == riyadh(2026, 1, 11, 9, 15)  # 09:05 rounded up
    assert email.periods == ()  # nothing from 9 January to 7 February


def test_thursday_evening_chat_is_answered_on_sunday(config: Config) -> None:
    chat = expectations(config, riyadh(2026, 1, 8, 16, 58), channels=["chat"]).channels[0]
    assert chat.reply_by == riyadh(2026, 1, 11, 9, 15)  # Sun 09:03, rounded up


def test_a_holiday_under_way_is_shown_whole(config: Config) -> None:
    email = expectations(config, riyadh(2026, 3, 21, 10, 0), channels=["email"]).channels[0]
    assert email.periods == (EID,)


def test_horizon_leaves_out_later_holidays(config: Config) -> None:
    now = riyadh(2026, 3, 1, 10, 0)
    assert expectations(config, now, horizon=18).channels[0].periods == ()
    assert expectations(config, now, horizon=19).channels[0].periods == (EID,)


def test_weekly_hours_are_grouped(config: Config) -> None:
    email = expectations(config, riyadh(2026, 3, 18, 16, 30), channels=["email"]).channels[0]
    assert email.hours == (
        WeekdayHours((6, 0, 1, 2, 3), (HourRange(540, 1020),)),
        WeekdayHours((4, 5), ()),
    )
    assert email.special_hours is None


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"sat-thu": "22:00-06:00"}, [((5, 6, 0, 1, 2, 3), "22:00-06:00"), ((4,), None)]),
        (
            {"sun-thu": "09:00-17:00", "sat": "10:00-14:00"},
            [((6, 0, 1, 2, 3), "09:00-17:00"), ((5,), "10:00-14:00"), ((4,), None)],
        ),
        ({"mon-fri": "09:00-17:30"}, [((0, 1, 2, 3, 4), "09:00-17:30"), ((5, 6), None)]),
        ({}, [((0, 1, 2, 3, 4, 5, 6), "00:00-24:00")]),
    ],
)
def test_week_groups(spec: dict[str, str], expected: list[tuple[tuple[int, ...], str]]) -> None:
    groups = week_groups(parse_weekly_hours(spec))
    assert [(g.days, str(g.ranges[0]) if g.ranges else None) for g in groups] == expected


def test_special_hours_in_effect_are_named() -> None:
    config = load_config(EXAMPLE_CONFIG, {"SUPPORT_IMAP_PASSWORD": "pw"})
    report = expectations(config, riyadh(2026, 3, 15, 13, 0), channels=["email"], language="ar")
    email = report.channels[0]
    assert email.special_hours == "رمضان"
    assert email.hours[0] == WeekdayHours((6, 0, 1, 2, 3), (HourRange(600, 900),))
    # Ramadan hours 10:00-15:00: 2h on Sunday, 5h Monday, 1h Tuesday.
    assert email.reply_by == riyadh(2026, 3, 17, 11, 0)


def test_closure_given_in_local_time() -> None:
    # The example's "Office move" is 2026-06-04T13:00 to 17:00 without an offset: local
    # time of the Riyadh calendar (a naive time used to crash the calendar).
    config = load_config(EXAMPLE_CONFIG, {"SUPPORT_IMAP_PASSWORD": "pw"})
    now = riyadh(2026, 6, 1, 10, 0)
    email = expectations(config, now, channels=["email"], language="en").channels[0]
    move = Period(
        "Office move",
        "closure",
        "riyadh",
        datetime(2026, 6, 4, 10, tzinfo=UTC),
        datetime(2026, 6, 4, 14, tzinfo=UTC),
    )
    assert email.periods == (move,)
    during = expectations(config, riyadh(2026, 6, 4, 14, 0), channels=["email"]).channels[0]
    assert not during.open_now and during.next_open == riyadh(2026, 6, 7, 9, 0)


@pytest.mark.parametrize(
    ("local", "step", "zone", "expected"),
    [
        ((2026, 3, 18, 16, 22), 900, "Asia/Riyadh", (2026, 3, 18, 16, 30)),
        ((2026, 3, 18, 16, 30), 900, "Asia/Riyadh", (2026, 3, 18, 16, 30)),
        ((2026, 3, 18, 23, 50), 900, "Asia/Riyadh", (2026, 3, 19, 0, 0)),
        ((2026, 3, 18, 10, 10), 3600, "Asia/Kolkata", (2026, 3, 18, 11, 0)),  # UTC+5:30
    ],
)
def test_round_up_on_the_local_clock(
    local: tuple[int, ...], step: int, zone: str, expected: tuple[int, ...]
) -> None:
    tz = pytz.timezone(zone)
    rounded = round_up(tz.localize(datetime(*local)), Duration(seconds=step), zone)
    assert rounded == tz.localize(datetime(*expected))


def test_channels_name_policies_or_channels(config: Config) -> None:
    assert [p.name for _, p in select_policies(config, [])] == ["chat", "email"]
    # "email" is a policy; "chat" both; a channel named by no policy falls to the default.
    assert [(n, p.name) for n, p in select_policies(config, ["chat", "email"])] == [
        ("chat", "chat"),
        ("email", "email"),
    ]
    hotline = Mailbox("hotline", channel="phone", maildir="calls")
    with_phone = dataclasses.replace(config, mailboxes=(*config.mailboxes, hotline))
    assert select_policies(with_phone, ["phone"])[0][1].name == "email"


def test_a_channel_policy_with_other_conditions_is_not_the_channels() -> None:
    config = load_config(EXAMPLE_CONFIG, {"SUPPORT_IMAP_PASSWORD": "pw"})
    # "vip" matches tag and priority: a customer writing now is not known to be one.
    assert [p.name for _, p in select_policies(config, ["chat", "email"])] == ["chat", "email"]


def test_unknown_channel_lists_the_known(config: Config) -> None:
    with pytest.raises(NotFoundError, match="'fax'") as raised:
        select_policies(config, ["fax"])
    assert raised.value.hint == "known: chat, email"
    with pytest.raises(NotFoundError, match="'phone'"):  # no mailbox has that channel
        select_policies(config, ["phone"])


def test_bad_requests_are_refused(config: Config) -> None:
    with pytest.raises(UsageError, match="naive"):
        expectations(config, datetime(2026, 3, 18, 12, 0))
    with pytest.raises(UsageError, match="language"):
        expectations(config, riyadh(2026, 3, 18, 12, 0), language="fr")
    no_sla = load_config(RIYADH_CONFIG, {})
    with pytest.raises(UsageError, match="no SLA policies"):
        select_policies(Config(**{**vars(no_sla), "sla": ()}), [])


def test_doctest() -> None:
    assert doctest.testmod(expectations_module).failed == 0
