"""``supportctl export``: conversations, messages or events as CSV or JSON Lines."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from supportctl.cli.options import pass_app

if TYPE_CHECKING:
    from supportctl.cli.app import App

KINDS = ("conversations", "messages", "events")
FORMATS = ("csv", "jsonl")


@click.command()
@click.argument("kind", type=click.Choice(KINDS))
@click.option(
    "--since",
    metavar="DATE",
    help="Only rows created, received or happened from this day (team's zone) on.",
)
@click.option(
    "--format",
    "export_format",
    type=click.Choice(FORMATS),
    help="csv (default) or jsonl; the root --format may say it too.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Write to FILE (atomically) instead of stdout.",
)
@click.option("--excel", is_flag=True, help="Start with a UTF-8 byte-order mark, for Excel.")
@pass_app
def export(
    app: App,
    kind: str,
    since: str | None,
    export_format: str | None,
    output: str | None,
    excel: bool,
) -> None:
    """Export every conversation, message or event, one row each, streamed.

    Conversations carry their first-response and resolution times (seconds, wall clock
    and business) and SLA state; instants are UTC (2026-03-19 13:30:00Z).
    """
    from pathlib import Path

    from supportctl.cli.options import parse_date
    from supportctl.reports.build import report_settings
    from supportctl.reports.export import export_file, write_export
    from supportctl.reports.periods import LocalClock

    fmt = export_format or ("csv" if app.output_format == "table" else app.output_format)
    day = parse_date("--since", since)
    start = None if day is None else LocalClock(report_settings(app.config).timezone).midnight(day)
    options = {"since": start, "excel": excel}
    if output is None:
        count = write_export(app.store, kind, fmt, app.stdout, **options)
    else:
        count = export_file(Path(output), app.store, kind, fmt, **options)
    app.info(f"exported {count:,} {kind}")
