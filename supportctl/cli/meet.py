"""``supportctl meet``: find meeting slots across zones, holidays and leave; show a day.

``--format ics`` (plan) and ``--format html`` (overlap) are the root ``--format`` like
every other: one option says what stdout carries, and a command that has no such
document says so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from supportctl.cli.options import parse_date, pass_app, tz_option
from supportctl.errors import ExitStatus, UsageError

if TYPE_CHECKING:
    from supportctl.cli.app import App

with_option = click.option(
    "--with",
    "participants",
    multiple=True,
    required=True,
    metavar="WHO",
    help="Who meets, comma-separated or repeated: agent ids, @role, @calendar "
    '(everyone on it), or a guest "NAME=ZONE [DAYS] HH:MM-HH:MM" '
    '(e.g. "guest=America/New_York mon-fri 09:00-17:00").',
)


@click.group()
def meet() -> None:
    """Plan meetings across time zones, holidays, closures and leave."""


@meet.command()
@with_option
@click.option("--duration", metavar="DURATION", help="e.g. 45m, 1h30m. Default: meetings.duration.")
@click.option(
    "--from", "start", metavar="DATE", help="First day (YYYY-MM-DD, viewer's zone). Default: now."
)
@click.option("--days", type=int, metavar="N", help="Days to search. Default: meetings.days.")
@click.option(
    "--step",
    metavar="DURATION",
    help="Start every STEP on the viewer's clock. Default: meetings.step.",
)
@click.option("--top", type=int, default=10, show_default=True, help="How many slots to show.")
@tz_option
@click.option(
    "--recurring", type=click.Choice(["weekly"]), help="A series: one slot per week instead."
)
@click.option("--count", type=int, metavar="N", help="Meetings in the series (default 8).")
@click.option("--rotate", is_flag=True, help="Share the series' inconvenience out fairly.")
@click.option("--title", default="Meeting", show_default=True, help="The events' title (ics).")
@pass_app
def plan(
    app: App,
    participants: tuple[str, ...],
    duration: str | None,
    start: str | None,
    days: int | None,
    step: str | None,
    top: int,
    timezone: str | None,
    recurring: str | None,
    count: int | None,
    rotate: bool,
    title: str,
) -> None:
    """Rank the slots in which everyone is inside working hours and off holiday,
    closure and leave.

    The score prefers the middle of everyone's day, fewer people near its start or end
    (marked early/late) and no soft meeting hours (marked soft); earlier slots win ties.
    When nothing fits it shows the near misses, who blocks each and why, and the best
    slot without each participant, and exits 1. With --recurring weekly: one slot per
    week for --count weeks and everyone's total inconvenience (--rotate shares it).
    """
    from supportctl.meet.output import plan_output, series_output
    from supportctl.meet.planner import PlanOptions, plan_meeting, plan_series

    options = PlanOptions(
        participants, duration, step, days, parse_date("--from", start), top, timezone
    )
    now = app.now()
    if recurring:
        series = plan_series(app.config, options, count=count or 8, rotate=rotate, now=now)
        empty = [str(week.number) for week in series.weeks if week.slot is None]
        if empty:
            app.warn(f"nothing fits everyone in week {', '.join(empty)} of the series")
        app.render(series_output(series, title=title, stamp=now), tz=series.timezone)
        if len(empty) == len(series.weeks):
            click.get_current_context().exit(ExitStatus.FAILED)
        return
    if count is not None or rotate:
        raise UsageError("--count and --rotate go with --recurring weekly")
    report = plan_meeting(app.config, options, now=now)
    if not report.slots:
        app.warn(f"no slot fits all {len(report.participants)} participants; near misses follow")
    app.render(plan_output(report, title=title, stamp=now), tz=report.timezone)
    if not report.slots:
        click.get_current_context().exit(ExitStatus.FAILED)


@meet.command()
@with_option
@click.option("--date", "day", metavar="DATE", help="The day (YYYY-MM-DD). Default: today.")
@tz_option
@pass_app
def overlap(app: App, participants: tuple[str, ...], day: str | None, timezone: str | None) -> None:
    """Show the day's hours in every participant's zone, working hours marked.

    One row per hour of the viewer's day; each cell is the participant's local time
    and work, soft (meeting hours), part (some of the hour), off, holiday, closure or
    leave. --format html writes a standalone page with the grid.
    """
    from supportctl.meet.output import overlap_output
    from supportctl.meet.planner import overlap_day

    report = overlap_day(
        app.config, participants, parse_date("--date", day), timezone=timezone, now=app.now()
    )
    app.render(overlap_output(report), tz=report.timezone)
