"""One entry point for every publish format, and what counts as "the same content".

``json`` is the document for a website widget (fields in README, "Publishing"):

    {"generated_at": ISO UTC, "tzdata": "2026f", "language": "en", "horizon": 30,
     "channels": [{"name", "label", "policy", "calendar", "timezone", "open_now",
                   "closes_at", "next_open", "first_response", "reply_by", "hours",
                   "hours_text", "special_hours",
                   "closures": [{"name", "kind", "all_day", "start", "end", "estimated"}]}]}

Instants are ISO 8601 with the team's own UTC offset; an all-day period's ``start`` and
``end`` are dates, both inclusive; a timed closure's are instants, ``end`` exclusive.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

from supportctl.errors import ConfigError, UsageError
from supportctl.publish import PUBLISH_FORMATS
from supportctl.publish.expectations import ChannelExpectation, Expectations, Period
from supportctl.publish.language import channel_label, hours_text, words_for


def render_expectations(report: Expectations, fmt: str, template: Path | None = None) -> str:
    """``report`` in ``fmt`` (one of ``PUBLISH_FORMATS``), through ``template`` if given."""
    if fmt == "json":
        if template is not None:
            raise ConfigError(
                f"format json takes no template ({template})", hint="drop 'template' or use html"
            )
        return json.dumps(json_document(report), ensure_ascii=False, indent=2) + "\n"
    if fmt == "ics":
        from supportctl.publish.ics import render_ics

        return render_ics(report, template)
    if fmt in ("text", "markdown", "html"):
        from supportctl.publish.pages import render_page

        return render_page(report, fmt, template)
    raise UsageError(
        f"unknown publish format {fmt!r}", hint=f"use one of {', '.join(PUBLISH_FORMATS)}"
    )


def same_content(fmt: str, old: str, new: str) -> bool:
    """Whether ``old`` and ``new`` say the same, apart from when they were generated
    (``generated_at`` in json, ``DTSTAMP`` in ics): a file target then leaves ``old``."""
    if fmt == "json":
        try:
            before = json.loads(old)
        except ValueError:
            return False
        after = json.loads(new)
        if not isinstance(before, dict):
            return False
        return {**before, "generated_at": None} == {**after, "generated_at": None}
    if fmt == "ics":
        return _without_stamps(old) == _without_stamps(new)
    return old == new


def json_document(report: Expectations) -> dict[str, Any]:
    """The json format as plain data (see the module docstring)."""
    return {
        "generated_at": report.generated_at.isoformat(),
        "tzdata": report.tzdata,
        "language": report.language,
        "horizon": report.horizon,
        "channels": [_channel(channel, report.language) for channel in report.channels],
    }


def _channel(channel: ChannelExpectation, language: str) -> dict[str, Any]:
    words = words_for(language)

    def instant(value: Any) -> str | None:
        return channel.local(value).isoformat() if value is not None else None

    return {
        "name": channel.name,
        "label": channel_label(words, channel.name),
        "policy": channel.policy,
        "calendar": channel.calendar,
        "timezone": channel.timezone,
        "open_now": channel.open_now,
        "closes_at": instant(channel.closes_at),
        "next_open": instant(channel.next_open),
        "first_response": str(channel.first_response) if channel.first_response else None,
        "reply_by": instant(channel.reply_by),
        "hours": [group.as_dict() for group in channel.hours],
        "hours_text": hours_text(words, channel.hours, channel.special_hours),
        "special_hours": channel.special_hours,
        "closures": [_period(period, channel) for period in channel.periods],
    }


def _period(period: Period, channel: ChannelExpectation) -> dict[str, Any]:
    def moment(value: date | datetime) -> str:
        return (
            channel.local(value).isoformat() if isinstance(value, datetime) else value.isoformat()
        )

    return {
        "name": period.name,
        "kind": period.kind,
        "all_day": period.all_day,
        "start": moment(period.start),
        "end": moment(period.end),
        "estimated": period.estimated,
    }


def _without_stamps(text: str) -> list[str]:
    return [line for line in text.splitlines() if not line.startswith("DTSTAMP:")]
