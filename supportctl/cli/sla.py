"""``supportctl sla``: due times of a policy, and the store's SLA columns brought up to date."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from supportctl.cli.completion import complete_mailbox, complete_tag
from supportctl.cli.options import dry_run_option, pass_app
from supportctl.errors import UsageError

if TYPE_CHECKING:
    from supportctl.cli.app import App

PRIORITIES = ("low", "normal", "high", "urgent")


@click.group()
def sla() -> None:
    """SLA due times, and the SLA state of the stored conversations."""


@sla.command()
@click.option("--channel", metavar="CHANNEL", help="The conversation's channel (email, chat...).")
@click.option("--policy", "policy_name", metavar="NAME", help="Use this policy, no matching.")
@click.option(
    "--mailbox",
    metavar="NAME",
    shell_complete=complete_mailbox,
    help="The conversation's mailbox (its channel too, unless --channel says otherwise).",
)
@click.option("--priority", type=click.Choice(PRIORITIES), default="normal", show_default=True)
@click.option(
    "--tag",
    "tags",
    multiple=True,
    metavar="TAG",
    shell_complete=complete_tag,
    help="A tag the conversation has (repeatable).",
)
@click.option(
    "--at",
    metavar="TIME",
    help='When the conversation opens: "2026-03-19 16:30" in the policy\'s calendar zone, '
    "or ISO 8601 with an offset. Default: now.",
)
@pass_app
def due(
    app: App,
    channel: str | None,
    policy_name: str | None,
    mailbox: str | None,
    priority: str,
    tags: tuple[str, ...],
    at: str | None,
) -> None:
    """Show when a conversation opened at --at is due a first response and a resolution.

    The first SLA policy whose match fits the channel, mailbox, priority and tags
    applies (or --policy names one). Exit status 2 when no policy fits.
    """
    from supportctl.render import Table
    from supportctl.timekit.sla import DUE_COLUMNS, SlaPolicies, SlaSubject, sla_due

    click_context = click.get_current_context()
    if policy_name and any(
        click_context.get_parameter_source(name) == click.core.ParameterSource.COMMANDLINE
        for name in ("channel", "mailbox", "priority", "tags")
    ):
        raise UsageError("--policy names the policy: drop --channel, --mailbox, --priority, --tag")
    if mailbox:
        app.require_mailboxes((mailbox,))
        channel = channel or app.config.mailbox(mailbox).channel
    subject = SlaSubject(channel, mailbox, priority, frozenset(tags))
    policies = SlaPolicies.from_config(app.config)
    result = sla_due(policies, policy_name=policy_name, subject=subject, at=at, now=app.now())
    app.render(Table(columns=DUE_COLUMNS, rows=[vars(result)]), tz=result.timezone)


@sla.command()
@click.option(
    "--all",
    "everything",
    is_flag=True,
    help="Recompute every conversation, even when the SLA config has not changed.",
)
@dry_run_option
@pass_app
def refresh(app: App, everything: bool, dry_run: bool) -> None:
    """Recompute the SLA policy, due times and breach state of stored conversations.

    After a change of SLA policies, their calendars, or the holiday or time-zone data,
    every conversation is recomputed; otherwise only the clocks that ran out since the
    last refresh (run it from cron). Exit status 3 when some conversations could not be
    worked out.
    """
    from supportctl.render import Table
    from supportctl.store.sla import REFRESH_COLUMNS, refresh_sla

    report = refresh_sla(
        app.config, app.store, now=app.now(), everything=everything, dry_run=dry_run
    )
    for problem in report.problems:
        app.warn(problem)
    app.render(Table(columns=REFRESH_COLUMNS, rows=[vars(report)]))
    click.get_current_context().exit(report.exit_status)
