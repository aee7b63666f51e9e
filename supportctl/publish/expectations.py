"""What a customer should be told, per channel, at one instant (pure: ``now`` is passed in).

For each published SLA policy: whether its team is open now, when a message written now
can expect a reply (the first-response due time rounded up to a human step in local
time), the weekly hours in effect, and the holidays and closures of the coming days.

>>> from pathlib import Path
>>> from supportctl.config import load_config
>>> config = load_config(Path("config/example.yaml"), {"SUPPORT_IMAP_PASSWORD": "pw"})
>>> wednesday_evening = datetime(2026, 3, 18, 13, 30, tzinfo=UTC)  # 16:30 in Riyadh
>>> report = expectations(config, wednesday_evening, channels=["email"])
>>> report.channels[0].reply_by.isoformat()  # closed for Eid: 17:00 on the 25th
'2026-03-25T14:00:00+00:00'
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytz

from supportctl.config.model import Calendar, Condition, Config, SlaPolicy, SpecialHours
from supportctl.errors import NotFoundError, UsageError
from supportctl.publish.language import words_for
from supportctl.timekit.business import add_business
from supportctl.timekit.calendar import (
    BusinessCalendar,
    DayInfo,
    always_open,
    from_epoch_us,
    to_epoch_us,
)
from supportctl.timekit.spec import DAY_NAMES, MINUTES_PER_DAY, Duration, HourRange
from supportctl.timekit.views import closing_after, local_time

DEFAULT_HORIZON_DAYS = 30
DEFAULT_ROUND_TO = Duration(seconds=900)
# A holiday that began before today is shown from its first day, and one that runs past
# the horizon to its last: searched this far.
_RANGE_REACH_DAYS = 60
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class WeekdayHours:
    """Consecutive weekdays (Monday = 0) that share the same hours (none: closed)."""

    days: tuple[int, ...]
    ranges: tuple[HourRange, ...]

    def as_dict(self) -> dict[str, object]:
        return {"days": [DAY_NAMES[d] for d in self.days], "open": [str(r) for r in self.ranges]}


@dataclass(frozen=True)
class Period:
    """A holiday or closure: whole local days ``start``..``end`` (dates, inclusive), or
    the instants ``[start, end)`` (aware UTC datetimes) of a closure given by time."""

    name: str
    kind: str  # holiday | closure
    calendar: str
    start: date | datetime
    end: date | datetime
    estimated: bool = False

    @property
    def all_day(self) -> bool:
        return not isinstance(self.start, datetime)


@dataclass(frozen=True)
class ChannelExpectation:
    """One published channel (an SLA policy) at ``Expectations.generated_at``.

    Instants are aware UTC datetimes; ``timezone`` is where they are shown.
    """

    name: str
    policy: str
    calendar: str | None  # None: the policy runs round the clock
    timezone: str
    open_now: bool
    closes_at: datetime | None  # when open now (None: no closing within a month)
    next_open: datetime | None  # when closed now
    first_response: Duration | None
    reply_by: datetime | None  # None: the policy has no first-response target
    hours: tuple[WeekdayHours, ...]
    special_hours: str | None  # the name of the special hours in effect today
    periods: tuple[Period, ...]

    def local(self, instant: datetime) -> datetime:
        """``instant`` on the clock of this channel's team."""
        return local_time(instant, self.timezone)


@dataclass(frozen=True)
class Expectations:
    generated_at: datetime
    tzdata: str
    language: str
    horizon: int
    channels: tuple[ChannelExpectation, ...]


def expectations(
    config: Config,
    now: datetime,
    *,
    channels: Sequence[str] = (),
    language: str | None = None,
    horizon: int = DEFAULT_HORIZON_DAYS,
    round_to: Duration = DEFAULT_ROUND_TO,
) -> Expectations:
    """What to tell a customer who writes at ``now`` on each of ``channels``.

    ``channels`` name SLA policies or mailboxes' channels (empty: every policy); a channel
    means the policy a new conversation on it gets: the first whose ``match`` names only
    that channel, or has no conditions at all. ``reply_by`` is the
    first-response due time rounded up to ``round_to`` on the local clock. Periods are the
    holidays and closures touching the ``horizon`` local days from today on, each shown
    whole; consecutive holiday days merge when a day's name extends the first's
    ("Eid al-Fitr Holiday" then "Eid al-Fitr Holiday (observed)").
    """
    if now.tzinfo is None:
        raise UsageError(f"naive datetime {now.isoformat()}: instants must be aware (UTC)")
    if horizon < 1:
        raise UsageError(f"horizon {horizon} days: publish needs at least 1")
    language = language or config.language
    words_for(language)  # refuses an unknown language before any work
    selected = select_policies(config, channels)
    business = {  # one per calendar: channels on the same calendar share its worked-out days
        name: BusinessCalendar.from_config(config.calendars[name])
        for name in {policy.calendar for _, policy in selected if policy.calendar}
    }
    published = [
        _channel(config, business, name, policy, now.astimezone(UTC), language, horizon, round_to)
        for name, policy in selected
    ]
    return Expectations(
        generated_at=now.astimezone(UTC),
        tzdata=pytz.OLSON_VERSION,
        language=language,
        horizon=horizon,
        channels=tuple(published),
    )


def select_policies(config: Config, names: Sequence[str]) -> list[tuple[str, SlaPolicy]]:
    """(published name, policy) for each of ``names``, or every policy when empty."""
    if not config.sla:
        raise UsageError("the config has no SLA policies to publish", hint="add an 'sla' list")
    if not names:
        return [(policy.name, policy) for policy in config.sla]
    return [(name, _policy_for(config, name)) for name in names]


def _policy_for(config: Config, name: str) -> SlaPolicy:
    for policy in config.sla:
        if policy.name == name:
            return policy
    channels = {mailbox.channel for mailbox in config.mailboxes}
    for policy in config.sla if name in channels else ():
        channels = policy.match.channel
        unconditional = dataclasses.replace(policy.match, channel=()) == Condition()
        if unconditional and (not channels or name in channels):
            return policy
    known = sorted({policy.name for policy in config.sla} | channels)
    raise NotFoundError(
        f"no SLA policy or channel named {name!r}", hint=f"known: {', '.join(known)}"
    )


def _channel(
    config: Config,
    business_calendars: dict[str, BusinessCalendar],
    name: str,
    policy: SlaPolicy,
    now: datetime,
    language: str,
    horizon: int,
    round_to: Duration,
) -> ChannelExpectation:
    calendar = config.calendars[policy.calendar] if policy.calendar else None
    business = business_calendars[calendar.name] if calendar else always_open()
    timezone = calendar.timezone if calendar else config.timezone
    today = local_time(now, timezone).date()
    open_now = business.is_open(now)
    reply_by = None
    if policy.first_response is not None:
        due = add_business(business, now, policy.first_response)
        reply_by = round_up(due, round_to, timezone)
    special = _special_hours_on(calendar, today)
    return ChannelExpectation(
        name=name,
        policy=policy.name,
        calendar=calendar.name if calendar else None,
        timezone=timezone,
        open_now=open_now,
        closes_at=closing_after(business, now) if open_now else None,
        next_open=None if open_now else business.next_open(now),
        first_response=policy.first_response,
        reply_by=reply_by,
        hours=week_groups(special.hours if special else _weekly_hours(calendar)),
        special_hours=_name(special.name, special.name_ar, language) if special else None,
        periods=tuple(_periods(calendar, business, now, today, horizon, language))
        if calendar
        else (),
    )


def round_up(instant: datetime, step: Duration, timezone: str) -> datetime:
    """``instant`` moved forward to the next multiple of ``step`` on the local clock
    (counted from local midnight): 16:22 → 16:30 for 15 minutes; exact multiples stay."""
    length = timedelta(seconds=step.total_seconds)
    local = local_time(instant, timezone)
    remainder = (local.replace(tzinfo=None) - datetime.combine(local.date(), time())) % length
    return instant + (length - remainder) if remainder else instant


def week_groups(hours: dict[int, tuple[HourRange, ...]]) -> tuple[WeekdayHours, ...]:
    """The week as runs of consecutive days with equal hours (closed days included), a run
    may wrap past Sunday (``Sat–Thu``); open days first, each kind in a week that starts
    on Sunday, as weeks do in the Gulf.

    An empty ``hours`` means round the clock, as in the config.
    """
    if not hours:
        return (WeekdayHours(tuple(range(7)), (HourRange(0, MINUTES_PER_DAY),)),)
    runs: list[list[int]] = []
    for day in range(7):
        if runs and hours.get(runs[-1][-1], ()) == hours.get(day, ()):
            runs[-1].append(day)
        else:
            runs.append([day])
    if len(runs) > 1 and hours.get(runs[0][0], ()) == hours.get(runs[-1][0], ()):
        runs[0] = runs.pop() + runs[0]  # Sat–Sun then Mon–...: one run across the week's end
    groups = [WeekdayHours(tuple(run), hours.get(run[0], ())) for run in runs]
    return tuple(sorted(groups, key=lambda group: (not group.ranges, (group.days[0] + 1) % 7)))


def _weekly_hours(calendar: Calendar | None) -> dict[int, tuple[HourRange, ...]]:
    return calendar.hours if calendar else {}  # no calendar: round the clock


def _special_hours_on(calendar: Calendar | None, day: date) -> SpecialHours | None:
    if calendar is None:
        return None
    return next((s for s in calendar.special_hours if s.start <= day <= s.end), None)


def _periods(
    calendar: Calendar,
    business: BusinessCalendar,
    now: datetime,
    first: date,
    horizon: int,
    language: str,
) -> list[Period]:
    """Holidays and closures touching the local days ``first`` .. ``first + horizon - 1``
    that have not ended by ``now``, in order of their start."""
    last = first + timedelta(days=horizon - 1)
    periods = list(_holiday_periods(calendar.name, business, first, last, language))
    window_end = business.wall_to_us(datetime.combine(last + _ONE_DAY, time()))
    for closure in calendar.closures:
        name = _name(closure.name, closure.name_ar, language)
        if isinstance(closure.start, datetime) and isinstance(closure.end, datetime):
            start, end = business.instant_us(closure.start), business.instant_us(closure.end)
            if end > to_epoch_us(now) and start < window_end:
                periods.append(
                    Period(name, "closure", calendar.name, from_epoch_us(start), from_epoch_us(end))
                )
        elif closure.end >= first and closure.start <= last:
            periods.append(Period(name, "closure", calendar.name, closure.start, closure.end))
    return sorted(periods, key=lambda period: (_first_day(period, calendar.timezone), period.name))


def _holiday_periods(
    calendar: str, business: BusinessCalendar, first: date, last: date, language: str
) -> Iterator[Period]:
    """Runs of consecutive holiday days that touch ``first`` .. ``last``, each whole."""
    day = first
    while (first - day).days < _RANGE_REACH_DAYS and _continues(
        business.day_info(day - _ONE_DAY), business.day_info(day)
    ):
        day -= _ONE_DAY
    run: list[DayInfo] = []
    while (day - last).days <= _RANGE_REACH_DAYS:
        info = business.day_info(day)
        if run and _continues(run[0], info):
            run.append(info)
        else:
            if run:
                yield _holiday_period(calendar, run, language)
            if day > last:
                return
            run = [info] if info.holiday else []
        day += _ONE_DAY
    if run:
        yield _holiday_period(calendar, run, language)


def _continues(earlier: DayInfo, later: DayInfo) -> bool:
    """Whether ``later``'s holiday carries on ``earlier``'s (same name, or extended)."""
    return bool(earlier.holiday and later.holiday and later.holiday.startswith(earlier.holiday))


def _holiday_period(calendar: str, run: list[DayInfo], language: str) -> Period:
    first = run[0]
    return Period(
        name=_name(first.holiday or "", first.holiday_ar, language),
        kind="holiday",
        calendar=calendar,
        start=first.day,
        end=run[-1].day,
        estimated=any(info.estimated for info in run),
    )


def _first_day(period: Period, timezone: str) -> date:
    if isinstance(period.start, datetime):
        return local_time(period.start, timezone).date()
    return period.start


def _name(name: str, name_ar: str | None, language: str) -> str:
    return (name_ar or name) if language == "ar" else name
