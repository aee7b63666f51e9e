"""``supportctl sync``: bring the mailboxes into the store."""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

import click

from supportctl.cli.options import (
    dry_run_option,
    mailboxes_option,
    parse_date,
    pass_app,
    wait_option,
)

if TYPE_CHECKING:
    from supportctl.cli.app import App
    from supportctl.mail.sync import FolderProgress


@click.command()
@mailboxes_option
@click.option(
    "--since",
    metavar="DATE",
    help="Only messages received on or after DATE (YYYY-MM-DD, in the config's time zone)."
    " Older ones are not fetched by later runs either.",
)
@wait_option
@dry_run_option
@pass_app
def sync(
    app: App, mailboxes: tuple[str, ...], since: str | None, wait: float, dry_run: bool
) -> None:
    """Fetch new mail from every mailbox and thread it into conversations.

    Incremental and crash-safe: a run that is cut off resumes where it stopped. Exit
    status 3 when some mailboxes failed, 75 when another run holds the lock.

    --since DATE is for importing a mailbox with a long past: messages received before
    DATE stay on the server and out of the store, and later runs (with or without
    --since) do not fetch them; each folder's checkpoint moves past them.

    On a terminal, progress per folder is shown on stderr; -q or a pipe silences it.
    """
    from supportctl.errors import NotFoundError
    from supportctl.mail.sync import SUMMARY_COLUMNS
    from supportctl.mail.sync import sync as run_sync
    from supportctl.render import Table

    known = {mailbox.name for mailbox in app.config.mailboxes}
    for name in mailboxes:
        if name not in known:
            raise NotFoundError(
                f"no mailbox named {name!r}", hint=f"known: {', '.join(sorted(known))}"
            )
    show_progress = app.verbosity >= 0 and app.stderr.isatty()
    progress = TerminalProgress(app.stderr) if show_progress else None
    try:
        report = run_sync(
            app.config,
            app.store,
            now=app.now(),
            mailboxes=mailboxes,
            since=parse_date("--since", since),
            dry_run=dry_run,
            wait=wait,
            progress=progress,
        )
    finally:
        if progress is not None:
            progress.finish()
    for result in report.mailboxes:
        if result.error:
            app.warn(result.error)
    app.render(Table(columns=SUMMARY_COLUMNS, rows=[vars(r) for r in report.mailboxes]))
    click.get_current_context().exit(report.exit_status)


def progress_line(progress: FolderProgress) -> str:
    """``demo/INBOX  1,500/20,000  3,200 msg/s``."""
    return (
        f"{progress.mailbox}/{progress.folder}  {progress.done:,}/{progress.total:,}"
        f"  {progress.rate:,.0f} msg/s"
    )


class TerminalProgress:
    """Shows each folder's progress on one terminal line, rewritten in place; a folder's
    line stays when the next folder begins."""

    def __init__(self, stream: TextIO):
        self._stream = stream
        self._folder: tuple[str, str] | None = None
        self._width = 0

    def __call__(self, progress: FolderProgress) -> None:
        folder = (progress.mailbox, progress.folder)
        if self._folder is not None and folder != self._folder:
            self.finish()
        line = progress_line(progress)
        # Spaces cover what is left of a longer line written before.
        self._stream.write("\r" + line.ljust(self._width))
        self._stream.flush()
        self._folder, self._width = folder, len(line)

    def finish(self) -> None:
        """End the current line, if any."""
        if self._folder is not None:
            self._stream.write("\n")
            self._stream.flush()
        self._folder, self._width = None, 0
