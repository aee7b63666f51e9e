"""iCalendar files (RFC 5545) that calendar clients import: events, nothing else.

- Lines end in CRLF and are folded at 75 octets (§3.1), never inside a UTF-8 sequence.
- TEXT values escape backslash, semicolon, comma and newline (§3.3.11).
- Times are UTC (``19980119T070000Z``, §3.3.5 form #2), so no VTIMEZONE is needed;
  whole days are DATE values (``VALUE=DATE``) with an exclusive ``DTEND`` (§3.6.1).
- Every VEVENT has the required UID and DTSTAMP (§3.6.1). A UID made by ``stable_uid``
  from what identifies the event lets a client update an imported event instead of
  duplicating it when the file is imported again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

CRLF = "\r\n"
LINE_OCTETS = 75


@dataclass(frozen=True)
class Event:
    """One VEVENT: aware datetimes (written in UTC) or dates (whole days; ``end`` is the
    day after the last, as RFC 5545 has it)."""

    uid: str
    start: datetime | date
    end: datetime | date
    summary: str
    description: str | None = None


def calendar(events: Iterable[Event], *, stamp: datetime, name: str | None = None) -> str:
    """The VCALENDAR holding ``events``; ``stamp`` (aware) is every event's DTSTAMP.

    >>> from datetime import timedelta
    >>> at = datetime(2026, 1, 11, 6, tzinfo=UTC)
    >>> text = calendar([Event("1@x", at, at + timedelta(hours=1), "Sync")], stamp=at)
    >>> text.splitlines()[8:10]
    ['DTSTART:20260111T060000Z', 'DTEND:20260111T070000Z']
    """
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//supportctl//supportctl//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ]
    if name:
        lines.append(f"X-WR-CALNAME:{escape_text(name)}")
    for event in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event.uid}",
            f"DTSTAMP:{_utc(stamp)}",
            _time_property("DTSTART", event.start),
            _time_property("DTEND", event.end),
            f"SUMMARY:{escape_text(event.summary)}",
        ]
        if event.description:
            lines.append(f"DESCRIPTION:{escape_text(event.description)}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines)


def stable_uid(*parts: str) -> str:
    """A UID that depends only on ``parts`` (e.g. the participants and the start)."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
    return f"{digest}@supportctl"


def escape_text(value: str) -> str:
    """A TEXT property value (RFC 5545 §3.3.11)."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """Split a content line into lines of at most 75 octets, each continuation starting
    with one space (RFC 5545 §3.1); multi-octet characters stay whole."""
    pieces: list[str] = []
    current, size = "", 0
    for char in line:
        octets = len(char.encode())
        if size + octets > LINE_OCTETS:
            pieces.append(current)
            current, size = " ", 1
        current += char
        size += octets
    pieces.append(current)
    return CRLF.join(pieces)


def _time_property(name: str, value: datetime | date) -> str:
    if isinstance(value, datetime):
        return f"{name}:{_utc(value)}"
    return f"{name};VALUE=DATE:{value:%Y%m%d}"


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
