"""Pages for people: ``text`` (an auto-reply body), ``markdown`` and ``html``.

The three share one structure, built once from ``Expectations`` through a ``Markup`` per
format, and fill a ``string.Template`` (the built-in ones live in ``templates/``; a
target may name its own file). Placeholders (values are already escaped for the format):

- ``$lang``, ``$dir`` (``ltr``/``rtl``), ``$title``, ``$intro`` (the auto-reply opening),
  ``$channels`` (every channel's section), ``$tzdata`` (the time-zone data version);
- per channel, with its name made an identifier (``live-chat`` → ``live_chat``):
  ``${NAME_status}`` (open now or when it opens), ``${NAME_reply_by}`` (the promised
  reply time, or that there is no target), ``${NAME_hours}`` and ``${NAME_closures}``
  (the list of holidays and closures).

There is deliberately no generation time among them: a page that stays the same while
nothing changes lets a file target skip rewriting it.
"""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from string import Template

from supportctl.errors import ConfigError
from supportctl.publish.expectations import ChannelExpectation, Expectations, Period
from supportctl.publish.language import (
    Words,
    channel_label,
    clock,
    day_range,
    hours_text,
    local_moment,
    moment_range,
    utc_offset,
    words_for,
)

TEMPLATES = Path(__file__).with_name("templates")
PAGE_FORMATS = ("text", "markdown", "html")


@dataclass(frozen=True)
class Markup:
    """How one format writes the pieces of a page."""

    escape: Callable[[str], str]
    heading: str  # {text}
    paragraph: str  # {text}
    item: str  # {text}
    items: str  # {items}: the joined items
    block_separator: str  # between the blocks of a channel
    section: str  # {body}: one channel
    channel_separator: str
    moment: str  # {text} {iso}: a point in time


def _escape_markdown(text: str) -> str:
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", text)


_TEXT = Markup(
    escape=str,
    heading="{text}",
    paragraph="{text}",
    item="- {text}",
    items="{items}",
    block_separator="\n",
    section="{body}",
    channel_separator="\n\n",
    moment="{text}",
)
MARKUPS = {
    "text": _TEXT,
    "markdown": dataclasses.replace(
        _TEXT, escape=_escape_markdown, heading="## {text}", block_separator="\n\n"
    ),
    "html": Markup(
        escape=html.escape,
        heading="<h2>{text}</h2>",
        paragraph="<p>{text}</p>",
        item="<li>{text}</li>",
        items="<ul>\n{items}\n</ul>",
        block_separator="\n",
        section="<section>\n{body}\n</section>",
        channel_separator="\n",
        moment='<time datetime="{iso}">{text}</time>',
    ),
}


def render_page(report: Expectations, fmt: str, template: Path | None = None) -> str:
    """``report`` as a ``text``, ``markdown`` or ``html`` page, through ``template`` (a
    file) or the built-in template of ``fmt``."""
    fields = page_fields(report, fmt)
    source = template or TEMPLATES / f"{fmt}.tmpl"
    return fill_template(source, fields)


def page_fields(report: Expectations, fmt: str) -> dict[str, str]:
    """The placeholders of a ``fmt`` page (see the module docstring)."""
    markup, words = MARKUPS[fmt], words_for(report.language)
    fields = {
        "lang": words.code,
        "dir": words.direction,
        "title": markup.escape(words.title),
        "intro": markup.escape(words.intro),
        "tzdata": markup.escape(report.tzdata),
    }
    sections = []
    for channel in report.channels:
        parts = _channel_parts(report, channel, words, markup)
        fields.update({f"{identifier(channel.name)}_{key}": value for key, value in parts.items()})
        blocks = [
            markup.heading.format(text=markup.escape(channel_label(words, channel.name))),
            markup.paragraph.format(text=parts["status"]),
            markup.paragraph.format(text=parts["reply_by"]),
            markup.paragraph.format(text=parts["hours"]),
            parts["closures"],
        ]
        sections.append(markup.section.format(body=markup.block_separator.join(blocks)))
    fields["channels"] = markup.channel_separator.join(sections)
    return fields


def fill_template(source: Path, fields: dict[str, str]) -> str:
    """``source`` (a ``string.Template`` file) with ``fields`` substituted; a missing or
    unknown placeholder is a ``ConfigError`` naming the template and line."""
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read template {source}: {exc}") from exc
    try:
        return Template(text).substitute(fields)
    except KeyError as exc:
        name = exc.args[0]
        line = _line_of(text, f"${name}") or _line_of(text, f"${{{name}}}")
        raise ConfigError(
            f"unknown placeholder ${name}",
            where=f"{source}:{line}" if line else str(source),
            hint=f"known: {', '.join('$' + key for key in sorted(fields))}",
        ) from exc
    except ValueError as exc:  # a lone "$" or "${" that is not a placeholder
        raise ConfigError(f"{exc}", where=str(source), hint="write $$ for a literal $") from exc


def identifier(name: str) -> str:
    """A channel name as a template identifier: ``live-chat`` → ``live_chat``."""
    cleaned = re.sub(r"\W", "_", name, flags=re.ASCII)
    return cleaned if cleaned[:1].isalpha() or cleaned[:1] == "_" else f"_{cleaned}"


def period_text(period: Period, channel: ChannelExpectation, words: Words, this_year: int) -> str:
    """``Eid al-Fitr: 19–24 Mar (dates subject to official announcement)``."""
    if isinstance(period.start, datetime) and isinstance(period.end, datetime):
        start, end = channel.local(period.start), channel.local(period.end)
        when = moment_range(words, start, end)
    else:
        when = day_range(words, _day(period.start), _day(period.end), this_year=this_year)
    text = f"{period.name}: {when}"
    return f"{text} ({words.estimated})" if period.estimated else text


def _channel_parts(
    report: Expectations, channel: ChannelExpectation, words: Words, markup: Markup
) -> dict[str, str]:
    today = channel.local(report.generated_at).date()
    return {
        "status": _status(channel, words, markup, today),
        "reply_by": _reply(channel, words, markup),
        "hours": markup.escape(hours_text(words, channel.hours, channel.special_hours)),
        "closures": _closures(channel, words, markup, report.horizon, today.year),
    }


def _status(channel: ChannelExpectation, words: Words, markup: Markup, today: date) -> str:
    if channel.open_now and channel.closes_at:
        closes = channel.local(channel.closes_at)
        text = local_moment(words, closes)
        if closes.date() == today:
            text = f"{clock(closes)} {words.zone_note.format(offset=utc_offset(closes))}"
        return markup.escape(words.open_until).format(when=_moment(markup, closes, text))
    if channel.open_now:
        return markup.escape(words.open_now)
    if channel.next_open:
        opens = channel.local(channel.next_open)
        text = local_moment(words, opens)
        return markup.escape(words.closed_now).format(when=_moment(markup, opens, text))
    return markup.escape(words.closed_now_no_opening)


def _reply(channel: ChannelExpectation, words: Words, markup: Markup) -> str:
    if channel.reply_by is None:
        return markup.escape(words.no_target)
    reply_by = channel.local(channel.reply_by)
    text = _moment(markup, reply_by, local_moment(words, reply_by))
    return markup.escape(words.reply_by).format(when=text)


def _closures(
    channel: ChannelExpectation, words: Words, markup: Markup, horizon: int, this_year: int
) -> str:
    if not channel.periods:
        text = words.nothing_upcoming.format(days=horizon)
        return markup.paragraph.format(text=markup.escape(text))
    items = "\n".join(
        markup.item.format(text=markup.escape(period_text(period, channel, words, this_year)))
        for period in channel.periods
    )
    title = markup.escape(words.upcoming.format(days=horizon))
    return markup.paragraph.format(text=f"{title}:") + "\n" + markup.items.format(items=items)


def _moment(markup: Markup, local: datetime, text: str) -> str:
    return markup.moment.format(text=markup.escape(text), iso=local.isoformat())


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _line_of(text: str, needle: str) -> int | None:
    index = text.find(needle)
    return text.count("\n", 0, index) + 1 if index >= 0 else None
