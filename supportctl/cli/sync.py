"""``supportctl sync``: bring the mailboxes into the store."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from supportctl.cli.options import dry_run_option, mailboxes_option, pass_app

if TYPE_CHECKING:
    from supportctl.cli.app import App


@click.command()
@mailboxes_option
@click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=0,
    show_default=True,
    metavar="SECONDS",
    help="Wait this long for another run's lock instead of exiting 75 at once.",
)
@dry_run_option
@pass_app
def sync(app: App, mailboxes: tuple[str, ...], wait: float, dry_run: bool) -> None:
    """Fetch new mail from every mailbox and thread it into conversations.

    Incremental and crash-safe: a run that is cut off resumes where it stopped. Exit
    status 3 when some mailboxes failed, 75 when another run holds the lock.
    """
    from supportctl.mail.sync import SUMMARY_COLUMNS
    from supportctl.mail.sync import sync as run_sync
    from supportctl.render import Table

    app.require_mailboxes(mailboxes)
    progress = app.info if sys.stderr.isatty() else None
    report = run_sync(
        app.config,
        app.store,
        now=app.now(),
        mailboxes=mailboxes,
        dry_run=dry_run,
        wait=wait,
        progress=progress,
    )
    for result in report.mailboxes:
        if result.error:
            app.warn(f"mailbox {result.mailbox}: {result.error}")
    app.render(Table(columns=SUMMARY_COLUMNS, rows=[vars(r) for r in report.mailboxes]))
    click.get_current_context().exit(report.exit_status)
