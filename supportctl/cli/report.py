"""``supportctl report``: response times, SLA compliance and volumes over a period.

Every subcommand reads the same figures (``supportctl.reports.build``), so a
conversation is counted the same way everywhere; ``--list`` shows the conversations
behind them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any

import click

from supportctl.cli.completion import complete_tag
from supportctl.cli.options import mailboxes_option, pass_app

if TYPE_CHECKING:
    from supportctl.cli.app import App
    from supportctl.reports.build import ReportRequest
    from supportctl.reports.metrics import ReportData

BY_CHOICES = ("day", "week", "month", "quarter", "year", "agent", "tag", "mailbox", "channel")


def period_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """--period / --since / --until / --last, --mailbox, --channel, --tag and --list."""
    decorators = (
        click.option(
            "--period",
            metavar="PERIOD",
            help="2026, 2026-Q4, 2026-11 or 2026-11-05, in the team's zone.",
        ),
        click.option("--since", metavar="DATE", help="First day (YYYY-MM-DD), with --until."),
        click.option("--until", metavar="DATE", help="Last day, included (YYYY-MM-DD)."),
        click.option(
            "--last",
            metavar="SPAN",
            help="day, week, month, quarter, year (the last complete one) or Nd (the N days "
            "before today). Default: 30d.",
        ),
        mailboxes_option,
        click.option(
            "--channel",
            "channels",
            multiple=True,
            metavar="NAME",
            help="Only this channel (repeatable).",
        ),
        click.option(
            "--tag",
            "tags",
            multiple=True,
            metavar="TAG",
            shell_complete=complete_tag,
            help="Only conversations with this tag (repeatable: all of them).",
        ),
        click.option(
            "--list",
            "listing",
            is_flag=True,
            help="List the conversations behind the figures instead.",
        ),
    )
    for decorator in reversed(decorators):
        function = decorator(function)
    return function


by_option = click.option(
    "--by", type=click.Choice(BY_CHOICES), help="One row per day, week, ..., agent, tag, ..."
)


@click.group()
def report() -> None:
    """Response times, SLA compliance, volumes, agents, tags and busiest hours.

    A period's figures are those of the conversations created in it (response times,
    replies, SLA), what happened in it (resolved, reopened, messages) and its end
    (backlog); the README's "Reports" section defines each.
    """


@report.command()
@period_options
@by_option
@click.option(
    "--language",
    type=click.Choice(("ar", "en")),
    help="Language of --format html (default: the config's).",
)
@pass_app
def summary(app: App, by: str | None, language: str | None, **options: Any) -> None:
    """Volume, response times and SLA compliance; --format html writes a standalone page
    with charts."""
    from supportctl.render import ByFormat
    from supportctl.reports.tables import summary_sections

    page_wanted = app.output_format == "html"  # the charts need two more queries
    request = _request(options, by=by, busiest=page_wanted, histograms=page_wanted)
    if not _listed(app, request, options):
        data = _build(app, request)
        page = partial(_page, app, request, data, language or app.config.language)
        app.render(ByFormat(summary_sections(data), {"html": page}), tz=data.timezone)
    _warn_when_empty(app)


def _page(app: App, request: ReportRequest, data: ReportData, language: str) -> str:
    """The html page: the period's totals, and its course by --by's time step (else the
    one ``volume`` would choose)."""
    from supportctl.reports.build import TIME_UNITS, default_unit
    from supportctl.reports.html import report_page

    total = data if request.by is None else _build(app, replace(request, by=None))
    if request.by in TIME_UNITS:
        series = data
    else:
        unit = default_unit(app.config, request, app.now())
        series = _build(app, replace(request, by=unit, busiest=False, histograms=False))
    return report_page(total, series, language)


@report.command()
@period_options
@by_option
@pass_app
def response(app: App, by: str | None, **options: Any) -> None:
    """First-response and resolution times (wall clock and business) and replies per
    conversation: count, median, p90, mean."""
    from supportctl.reports.tables import response_table

    _show(app, _request(options, by=by), options, response_table)


@report.command()
@period_options
@by_option
@click.option("--breached", is_flag=True, help="With --list: only conversations that breached.")
@pass_app
def sla(app: App, by: str | None, breached: bool, **options: Any) -> None:
    """SLA compliance per clock: met, breached, running and the share met."""
    from supportctl.reports.tables import sla_table

    if breached:
        options["listing"] = True
    _show(app, _request(options, by=by), options, sla_table, breached=breached)


@report.command()
@period_options
@by_option
@pass_app
def volume(app: App, by: str | None, **options: Any) -> None:
    """Created, resolved, reopened, backlog and messages, by day (a month or less), week
    (a quarter or less) or month unless --by says otherwise."""
    from supportctl.reports.tables import volume_table

    request = _request(options, by=by)
    _show(app, request, options, volume_table, involved=True, default_by=True)


@report.command()
@period_options
@pass_app
def agents(app: App, **options: Any) -> None:
    """Per assignee: volume, response times and SLA compliance."""
    from supportctl.reports.tables import overview_table

    _show(app, _request(options, by="agent"), options, overview_table)


@report.command()
@period_options
@pass_app
def tags(app: App, **options: Any) -> None:
    """Per tag (a conversation under each of its tags): volume, response times, SLA."""
    from supportctl.reports.tables import overview_table

    _show(app, _request(options, by="tag"), options, overview_table)


@report.command()
@period_options
@pass_app
def busiest(app: App, **options: Any) -> None:
    """Customer messages per weekday and hour, in the team's zone."""
    from supportctl.reports.tables import busiest_table

    _show(app, _request(options, busiest=True), options, busiest_table)


def _request(options: dict[str, Any], **extra: Any) -> ReportRequest:
    from supportctl.reports.build import ReportRequest

    return ReportRequest(
        period=options["period"],
        since=options["since"],
        until=options["until"],
        last=options["last"],
        mailboxes=options["mailboxes"],
        channels=options["channels"],
        tags=options["tags"],
        **extra,
    )


def _show(
    app: App,
    request: ReportRequest,
    options: dict[str, Any],
    table: Callable[[ReportData], Any],
    *,
    involved: bool = False,
    breached: bool = False,
    default_by: bool = False,
) -> None:
    if not _listed(app, request, options, involved=involved, breached=breached):
        if default_by and request.by is None:
            from supportctl.reports.build import default_unit

            request = replace(request, by=default_unit(app.config, request, app.now()))
        data = _build(app, request)
        app.render(table(data), tz=data.timezone)
    _warn_when_empty(app)


def _listed(
    app: App,
    request: ReportRequest,
    options: dict[str, Any],
    *,
    involved: bool = False,
    breached: bool = False,
) -> bool:
    """With --list, render the conversations behind ``request`` and say so."""
    if not options["listing"]:
        return False
    from supportctl.reports.build import conversations_behind
    from supportctl.reports.tables import list_table

    app.require_mailboxes(request.mailboxes)
    rows = conversations_behind(
        app.store, app.config, request, now=app.now(), involved=involved, breached=breached
    )
    app.render(list_table(rows))
    return True


def _warn_when_empty(app: App) -> None:
    """A never-synced store reports zeros, which would read as a team with no work."""
    from supportctl.reports.build import store_is_empty

    if store_is_empty(app.store):
        app.warn("the store holds no conversations yet; run supportctl sync first")


def _build(app: App, request: ReportRequest) -> ReportData:
    from supportctl.reports.build import build_report

    app.require_mailboxes(request.mailboxes)
    return build_report(app.store, app.config, request, now=app.now())
