"""``supportctl conversations list|show`` and ``supportctl customer show``: seeing the work."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from supportctl.cli.completion import complete_agent, complete_tag
from supportctl.cli.options import mailboxes_option, pass_app
from supportctl.errors import UsageError

if TYPE_CHECKING:
    from supportctl.cli.app import App

STATUSES = ("open", "pending", "closed")
PRIORITIES = ("low", "normal", "high", "urgent")
SORTS = ("id", "created", "updated", "priority", "due", "status", "assignee", "customer")
TIME_BOUNDS = ("created_since", "created_until", "updated_since", "updated_until")


@click.group()
def conversations() -> None:
    """List conversations and show one in full."""


def _time_bound(name: str) -> Any:
    flag = "--" + name.replace("_", "-")
    edge = "at or after" if name.endswith("since") else "before"
    what = "Created" if name.startswith("created") else "Last message"
    return click.option(
        flag, name, metavar="WHEN", help=f"{what} {edge} WHEN (a date, a time, or 7d ago)."
    )


def _time_bounds(function: Any) -> Any:
    for name in reversed(TIME_BOUNDS):
        function = _time_bound(name)(function)
    return function


@conversations.command("list")
@click.option(
    "--status", "statuses", multiple=True, type=click.Choice(STATUSES), help="Repeatable."
)
@click.option(
    "--assignee",
    "assignees",
    multiple=True,
    metavar="AGENT",
    shell_complete=complete_agent,
    help="Owned by AGENT (repeatable).",
)
@click.option("--unassigned", is_flag=True, help="Owned by nobody.")
@click.option(
    "--tag",
    "tags",
    multiple=True,
    metavar="TAG",
    shell_complete=complete_tag,
    help="Has TAG (repeatable: all of them).",
)
@mailboxes_option
@click.option("--channel", "channels", multiple=True, metavar="NAME", help="Repeatable.")
@click.option("--customer", metavar="EMAIL", help="The customer's address.")
@click.option(
    "--priority", "priorities", multiple=True, type=click.Choice(PRIORITIES), help="Repeatable."
)
@_time_bounds
@click.option("--breaching", is_flag=True, help="An SLA target is overdue and unmet.")
@click.option("--due-within", metavar="SPAN", help="An unmet SLA target falls due within SPAN.")
@click.option(
    "--sort",
    default="-updated",
    show_default=True,
    type=click.Choice([*SORTS, *(f"-{key}" for key in SORTS)]),
    metavar="[-]KEY",
    help=f"Sort by {', '.join(SORTS)}; a leading - sorts descending.",
)
@click.option(
    "--limit", type=click.IntRange(min=1), default=50, show_default=True, help="Rows per page."
)
@click.option("--offset", type=click.IntRange(min=0), default=0, help="Rows to skip.")
@click.option("--all", "all_rows", is_flag=True, help="Every row (streams; ignores --limit).")
@pass_app
def list_(app: App, limit: int, offset: int, all_rows: bool, **options: Any) -> None:
    """List conversations, newest activity first.

    \b
    supportctl conversations list --status open --unassigned
    supportctl conversations list --breaching --due-within 2h --sort due
    supportctl --format jsonl conversations list --tag refund --all |
        supportctl assign --stdin --to omar
    """
    from supportctl.render import Table
    from supportctl.triage import views

    if all_rows and offset:
        raise UsageError("--offset pages through --limit rows; --all takes every row")
    since_until = {name: options.pop(name) for name in TIME_BOUNDS}
    query = views.list_query(
        now=app.now(),
        timezone=app.viewer_timezone(),
        since_until=since_until,
        limit=None if all_rows else limit,
        offset=offset,
        **options,
    )
    if all_rows:
        app.render(
            Table(columns=views.LIST_COLUMNS, rows=views.iter_conversations(app.store, query))
        )
        return
    page = views.conversation_page(app.store, query)
    app.render(Table(columns=views.LIST_COLUMNS, rows=page.rows))
    if page.more:
        app.info(f"more follow: --offset {offset + limit} for the next page, --all for every one")


@conversations.command()
@click.argument("conversation", metavar="ID")
@pass_app
def show(app: App, conversation: str) -> None:
    """Show conversation ID: header, participants, SLA state, messages and events."""
    from dataclasses import asdict

    from supportctl.render import ByFormat, Document
    from supportctl.triage.manual import parse_ids
    from supportctl.triage.readable import conversation_text
    from supportctl.triage.views import conversation_detail

    (number,) = parse_ids([conversation])
    config = app.config
    team_addresses = [a for m in config.mailboxes for a in m.addresses]
    team_addresses += [agent.email for agent in config.team if agent.email]
    detail = conversation_detail(app.store, number, app.now(), team_addresses)
    tz = app.viewer_timezone()
    document = Document(_localized(asdict(detail), tz))
    app.render(ByFormat(document, {"table": lambda: conversation_text(detail, tz)}))


@click.group()
def customer() -> None:
    """One customer's conversations across mailboxes and channels."""


@customer.command("show")
@click.argument("email")
@pass_app
def customer_show(app: App, email: str) -> None:
    """Every conversation of customer EMAIL with counts and response times."""
    from dataclasses import asdict

    from supportctl.render import ByFormat, Document
    from supportctl.triage.readable import customer_text
    from supportctl.triage.views import customer_report

    report = customer_report(app.store, email)
    tz = app.viewer_timezone()
    document = Document(_localized(asdict(report), tz))
    app.render(ByFormat(document, {"table": lambda: customer_text(report, tz)}))


def _localized(value: Any, timezone: str) -> Any:
    """``value`` with every instant in ``timezone``, for documents people read."""
    from datetime import datetime

    import pytz

    zone = pytz.timezone(timezone)

    def walk(item: Any) -> Any:
        if isinstance(item, datetime):
            return zone.normalize(item.astimezone(zone))
        if isinstance(item, dict):
            return {key: walk(inner) for key, inner in item.items()}
        if isinstance(item, list):
            return [walk(inner) for inner in item]
        return item

    return walk(value)
