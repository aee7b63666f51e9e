"""Holidays and closures as an iCalendar feed (RFC 5545) a customer can subscribe to.

Whole-day holidays and closures are all-day events (``DTSTART;VALUE=DATE``, ``DTEND``
the day after the last, exclusive, §3.6.1); a closure given by time is a timed event in
UTC. An estimated holiday is ``STATUS:TENTATIVE`` and says so in its description. Each
event's UID is derived from the calendar, the name and the first date, so a feed
re-published with the same facts keeps its UIDs (§3.8.4.7). ``DTSTAMP`` is the
generation time. Lines end in CRLF and are folded at 75 octets without splitting a
UTF-8 sequence (§3.1); text values are escaped (§3.3.11): ``supportctl.ics`` does both.

The built-in template ``templates/ics.tmpl`` (or a target's own) is a ``string.Template``
with the placeholders ``$prodid``, ``$name`` (the feed's title, escaped) and ``$events``
(every VEVENT); after substitution, blank lines are dropped and every line is folded.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from supportctl.ics import CRLF, escape_text, fold, stable_uid
from supportctl.publish.expectations import Expectations, Period
from supportctl.publish.language import channel_label, words_for
from supportctl.publish.pages import TEMPLATES, fill_template

PRODID = "-//supportctl//publish//EN"


def render_ics(report: Expectations, template: Path | None = None) -> str:
    """``report``'s holidays and closures as an iCalendar text (CRLF line ends)."""
    words = words_for(report.language)
    events = "\n".join(
        "\n".join(_event(period, labels, report)) for period, labels in _unique_periods(report)
    )
    fields = {"prodid": PRODID, "name": escape_text(words.calendar_name), "events": events}
    text = fill_template(template or TEMPLATES / "ics.tmpl", fields)
    lines = (line for line in text.splitlines() if line.strip())
    return "".join(fold(line) + CRLF for line in lines)


def event_uid(calendar: str, name: str, first: date | datetime) -> str:
    """A UID that stays the same while the calendar, the name and the first day do."""
    return stable_uid(calendar, name, first.isoformat())


def _unique_periods(report: Expectations) -> Iterator[tuple[Period, list[str]]]:
    """Each period once (channels on one calendar share them), with the labels of the
    channels it concerns, in order of first appearance."""
    words = words_for(report.language)
    labels: dict[Period, list[str]] = {}
    for channel in report.channels:
        for period in channel.periods:
            labels.setdefault(period, []).append(channel_label(words, channel.name))
    yield from labels.items()


def _event(period: Period, labels: list[str], report: Expectations) -> Iterator[str]:
    words = words_for(report.language)
    yield "BEGIN:VEVENT"
    yield f"UID:{event_uid(period.calendar, period.name, period.start)}"
    yield f"DTSTAMP:{_utc_stamp(report.generated_at)}"
    if isinstance(period.start, datetime) and isinstance(period.end, datetime):
        yield f"DTSTART:{_utc_stamp(period.start)}"
        yield f"DTEND:{_utc_stamp(period.end)}"
    else:
        yield f"DTSTART;VALUE=DATE:{period.start:%Y%m%d}"
        yield f"DTEND;VALUE=DATE:{period.end + timedelta(days=1):%Y%m%d}"
    yield f"SUMMARY:{escape_text(period.name)}"
    description = ", ".join(labels)
    if period.estimated:
        description = f"{description} — {words.estimated}"
    yield f"DESCRIPTION:{escape_text(description)}"
    yield f"CATEGORIES:{period.kind.upper()}"
    yield f"STATUS:{'TENTATIVE' if period.estimated else 'CONFIRMED'}"
    yield "TRANSP:TRANSPARENT"
    yield "END:VEVENT"


def _utc_stamp(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
