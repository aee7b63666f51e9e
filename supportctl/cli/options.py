"""Options shared by several commands, declared once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import click

from supportctl.cli.completion import complete_mailbox
from supportctl.errors import UsageError

dry_run_option = click.option(
    "--dry-run", is_flag=True, help="Show what would change; change nothing."
)

wait_option = click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=0,
    show_default=True,
    metavar="SECONDS",
    help="Wait this long for another run's lock instead of exiting 75 at once.",
)

mailboxes_option = click.option(
    "--mailbox",
    "mailboxes",
    multiple=True,
    metavar="NAME",
    shell_complete=complete_mailbox,
    help="Only this mailbox (repeatable). Default: all.",
)


def pass_app(function: Callable[..., Any]) -> Callable[..., Any]:
    """Hand the command the ``App`` built by the root command."""
    return click.pass_obj(function)


at_option = click.option(
    "--at",
    "at",
    metavar="TIME",
    help="Use this moment instead of now: 'YYYY-MM-DD HH:MM' local time, or ISO 8601 "
    "with an offset.",
)


def parse_at(text: str, timezone: str) -> datetime:
    """``--at``'s value as a UTC instant: ISO 8601 with an offset, or a local wall-clock
    time (``2026-03-19 16:30``, ``2026-03-19``) in ``timezone``; a time that the clocks
    skip or repeat is refused rather than guessed."""
    import pytz

    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"--at {text!r} is not a time", hint="use e.g. '2026-03-19 16:30' or ISO 8601"
        ) from None
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    try:
        return pytz.timezone(timezone).localize(value, is_dst=None).astimezone(UTC)
    except (pytz.AmbiguousTimeError, pytz.NonExistentTimeError):
        raise UsageError(
            f"--at {text!r} is ambiguous or skipped in {timezone} (a DST change)",
            hint="give the UTC offset, e.g. 2026-10-25T01:30+01:00",
        ) from None


tz_option = click.option(
    "--tz",
    "timezone",
    metavar="ZONE",
    help="Show times in this IANA zone (e.g. Europe/London). Default: the config's timezone.",
)


def parse_date(option: str, text: str | None) -> date | None:
    """An option's ``YYYY-MM-DD`` value as a date (``None`` stays ``None``)."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"{option} {text!r} is not a date", hint="use YYYY-MM-DD") from None
