"""``supportctl writeback``: show conversation state as IMAP keywords in mail clients."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from supportctl.cli.options import dry_run_option, mailboxes_option, pass_app, wait_option

if TYPE_CHECKING:
    from supportctl.cli.app import App


@click.command()
@mailboxes_option
@wait_option
@dry_run_option
@pass_app
def writeback(app: App, mailboxes: tuple[str, ...], wait: float, dry_run: bool) -> None:
    """Mirror status, assignee and tags onto the server's messages as IMAP keywords.

    Only mailboxes with `writeback: keywords`; keywords look like $support_status_open,
    $support_assignee_omar, $support_tag_refund. Other keywords and flags (\\Seen too)
    are left alone. Incremental: a run with nothing changed since the last one does not
    connect. Exit status 3 when some mailboxes or folders could not be written.
    """
    from supportctl.mail.writeback import COLUMNS
    from supportctl.mail.writeback import writeback as run_writeback
    from supportctl.render import Table

    report = run_writeback(app.config, app.store, mailboxes=mailboxes, dry_run=dry_run, wait=wait)
    for result in report.mailboxes:
        if result.status not in ("ok", "off"):
            app.warn(f"mailbox {result.mailbox}: {result.error}")
    app.render(Table(columns=COLUMNS, rows=[vars(r) for r in report.mailboxes]))
    click.get_current_context().exit(report.exit_status)
