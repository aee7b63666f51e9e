"""Words, day and month names, and date formats of published text, in English and Arabic.

Arabic text uses the Gregorian calendar with the month names used in the Gulf and Egypt
(يناير، فبراير، ...) and Western digits, as Saudi and Egyptian companies write them in
e-mail. No Hijri dates: neither the standard library nor the ``holidays`` package can
convert an arbitrary date (``holidays`` knows only the dates of its own Islamic
holidays).

Times are 24-hour ``HH:MM``; English ranges use an en dash: ``19–24 Mar``, ``Sun–Thu``.
Arabic ranges of numbers say "to" (``19 إلى 24 مارس``, ``09:00 إلى 17:00``): between two
numbers a dash is laid out right to left by the bidirectional algorithm (``24–19``), in
html and in mail readers alike, and reads either way; a word cannot be misread.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from supportctl.errors import UsageError
from supportctl.timekit.spec import MINUTES_PER_DAY, HourRange

if TYPE_CHECKING:
    from supportctl.publish.expectations import WeekdayHours

LANGUAGES = ("ar", "en")
DASH = "–"  # between words (weekday names), in both languages


@dataclass(frozen=True)
class Words:
    """Everything a published page says in one language."""

    code: str
    direction: str  # ltr | rtl
    to: str  # between two numbers: "19–24", "09:00–17:00"
    spaced_to: str  # between two dates with months: "30 Mar – 2 Apr"
    weekdays: tuple[str, ...]  # Monday first, as ``date.weekday()``
    weekdays_short: tuple[str, ...]
    months: tuple[str, ...]  # January first
    months_short: tuple[str, ...]
    channel_labels: dict[str, str]
    title: str
    intro: str
    open_now: str
    closed_now: str  # {when}: when it opens again
    closed_now_no_opening: str
    open_until: str  # {when}
    reply_by: str  # {when}
    no_target: str
    hours: str
    hours_special: str  # {name}
    closed: str
    overnight: str
    round_the_clock: str
    all_week: str
    upcoming: str  # {days}
    nothing_upcoming: str  # {days}
    estimated: str
    at_time: str  # {date} {time}
    zone_note: str  # {offset}
    calendar_name: str
    sieve_subject: str


ENGLISH = Words(
    code="en",
    direction="ltr",
    to=DASH,
    spaced_to=f" {DASH} ",
    weekdays=("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    weekdays_short=("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    months=(
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    months_short=(
        "Jan",
        "Feb",
        "Mar",
        "Apr",
        "May",
        "Jun",
        "Jul",
        "Aug",
        "Sep",
        "Oct",
        "Nov",
        "Dec",
    ),
    channel_labels={"email": "Email", "chat": "Live chat", "phone": "Phone"},
    title="When to expect our reply",
    intro="Thank you for your message. This is an automatic reply about when we will answer.",
    open_now="We are open now.",
    closed_now="We are closed now and open again on {when}.",
    closed_now_no_opening="We are closed now.",
    open_until="We are open now, until {when}.",
    reply_by="If you write now, expect a reply by {when}.",
    no_target="We answer as soon as we can.",
    hours="Hours",
    hours_special="Hours ({name})",
    closed="closed",
    overnight="overnight",
    round_the_clock="24 hours",
    all_week="Every day",
    upcoming="Holidays and closures in the next {days} days",
    nothing_upcoming="No holidays or closures in the next {days} days.",
    estimated="dates subject to official announcement",
    at_time="{date}, {time}",
    zone_note="(UTC{offset})",
    calendar_name="Our holidays and closures",
    sieve_subject="Automatic reply: when to expect our answer",
)

_ARABIC_WEEKDAYS = ("الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد")
_ARABIC_MONTHS = (
    "يناير",
    "فبراير",
    "مارس",
    "أبريل",
    "مايو",
    "يونيو",
    "يوليو",
    "أغسطس",
    "سبتمبر",
    "أكتوبر",
    "نوفمبر",
    "ديسمبر",
)

ARABIC = Words(
    code="ar",
    direction="rtl",
    to=" إلى ",
    spaced_to=" إلى ",
    weekdays=_ARABIC_WEEKDAYS,
    weekdays_short=_ARABIC_WEEKDAYS,
    months=_ARABIC_MONTHS,
    months_short=_ARABIC_MONTHS,  # Arabic has no short month names
    channel_labels={"email": "البريد الإلكتروني", "chat": "الدردشة المباشرة", "phone": "الهاتف"},
    title="متى تتوقع ردنا",
    intro="شكرًا لرسالتك. هذا رد آلي يوضح موعد ردنا عليك.",
    open_now="نحن متاحون الآن.",
    closed_now="نحن خارج أوقات العمل الآن، ونعود يوم {when}.",
    closed_now_no_opening="نحن خارج أوقات العمل الآن.",
    open_until="نحن متاحون الآن حتى {when}.",
    reply_by="إذا راسلتنا الآن فتوقع ردنا بحلول {when}.",
    no_target="نرد عليك في أقرب وقت ممكن.",
    hours="أوقات العمل",
    hours_special="أوقات العمل ({name})",
    closed="مغلق",
    overnight="حتى صباح اليوم التالي",
    round_the_clock="على مدار الساعة",
    all_week="كل يوم",
    upcoming="الإجازات والإغلاقات خلال الأيام الـ{days} القادمة",
    nothing_upcoming="لا إجازات ولا إغلاقات خلال الأيام الـ{days} القادمة.",
    estimated="التواريخ خاضعة للإعلان الرسمي",
    at_time="{date} الساعة {time}",
    zone_note="(بتوقيت UTC{offset})",
    calendar_name="إجازاتنا وأيام الإغلاق",
    sieve_subject="رد آلي: موعد ردنا على رسالتك",
)

_BY_CODE = {words.code: words for words in (ENGLISH, ARABIC)}


def words_for(language: str) -> Words:
    """The ``Words`` of ``ar`` or ``en``; anything else is a ``UsageError``."""
    try:
        return _BY_CODE[language]
    except KeyError:
        raise UsageError(
            f"unknown language {language!r}", hint=f"use one of {', '.join(LANGUAGES)}"
        ) from None


def channel_label(words: Words, name: str) -> str:
    """``email`` → ``Email`` / ``البريد الإلكتروني``; other names are shown as written."""
    return words.channel_labels.get(name, name)


def long_date(words: Words, day: date) -> str:
    """``Tuesday 17 March 2026`` / ``الثلاثاء 17 مارس 2026``."""
    return f"{words.weekdays[day.weekday()]} {day.day} {words.months[day.month - 1]} {day.year}"


def clock(moment: datetime) -> str:
    """``09:05`` from a local datetime."""
    return f"{moment.hour:02d}:{moment.minute:02d}"


def utc_offset(moment: datetime) -> str:
    """``+3``, ``+5:30``, ``-4``, or ``""`` for UTC, from an aware local datetime."""
    offset = moment.utcoffset() or timedelta()
    minutes = int(offset.total_seconds()) // 60
    if minutes == 0:
        return ""
    sign = "+" if minutes > 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours}:{rest:02d}" if rest else f"{sign}{hours}"


def local_moment(words: Words, moment: datetime) -> str:
    """``Tuesday 17 March 2026, 11:00 (UTC+3)`` from an aware local datetime."""
    text = words.at_time.format(date=long_date(words, moment.date()), time=clock(moment))
    return f"{text} {words.zone_note.format(offset=utc_offset(moment))}"


def day_range(words: Words, first: date, last: date, *, this_year: int) -> str:
    """Inclusive dates: ``19–24 Mar``, ``30 Mar – 2 Apr``, ``23 Sep``; the year is added
    when the range is not all in ``this_year``."""
    show_year = not first.year == last.year == this_year
    months = words.months_short

    def short(day: date, *, year: bool) -> str:
        return f"{day.day} {months[day.month - 1]}" + (f" {day.year}" if year else "")

    if first == last:
        return short(first, year=show_year)
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}{words.to}{short(last, year=show_year)}"
    if first.year == last.year:
        return f"{short(first, year=False)}{words.spaced_to}{short(last, year=show_year)}"
    return f"{short(first, year=True)}{words.spaced_to}{short(last, year=True)}"


def moment_range(words: Words, start: datetime, end: datetime) -> str:
    """Local instants: ``4 Jun 13:00–17:00`` or ``4 Jun 13:00 – 5 Jun 09:00``."""
    months = words.months_short
    first = f"{start.day} {months[start.month - 1]} {clock(start)}"
    if start.date() == end.date():
        return f"{first}{words.to}{clock(end)}"
    return f"{first}{words.spaced_to}{end.day} {months[end.month - 1]} {clock(end)}"


def weekday_span(words: Words, days: tuple[int, ...]) -> str:
    """Consecutive weekdays (Monday = 0): ``Sun–Thu``, ``Fri``, or every day."""
    if len(days) == 7:
        return words.all_week
    names = words.weekdays_short
    if len(days) == 1:
        return names[days[0]]
    return f"{names[days[0]]}{DASH}{names[days[-1]]}"


def hour_ranges(words: Words, ranges: tuple[HourRange, ...]) -> str:
    """``09:00–12:00, 13:00–17:00``; ``22:00–06:00 (overnight)``; ``24 hours``; ``closed``."""
    if not ranges:
        return words.closed
    if ranges == (HourRange(0, MINUTES_PER_DAY),):
        return words.round_the_clock
    parts = []
    for hour_range in ranges:
        text = str(hour_range).replace("-", words.to)
        parts.append(f"{text} ({words.overnight})" if hour_range.overnight else text)
    return ", ".join(parts)


def hours_text(words: Words, week: Sequence[WeekdayHours], special_hours: str | None) -> str:
    """``Hours (Ramadan): Sun–Thu 10:00–15:00; Fri–Sat closed``."""
    label = words.hours_special.format(name=special_hours) if special_hours else words.hours
    separator = "؛ " if words.code == "ar" else "; "
    groups = separator.join(
        f"{weekday_span(words, group.days)} {hour_ranges(words, group.ranges)}" for group in week
    )
    return f"{label}: {groups}"
