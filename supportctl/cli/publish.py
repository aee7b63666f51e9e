"""``supportctl publish``: tell customers when to expect a reply (pages, files, auto-reply)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from supportctl.cli.options import at_option, dry_run_option, parse_at, pass_app
from supportctl.errors import UsageError
from supportctl.publish import PUBLISH_FORMATS

if TYPE_CHECKING:
    from supportctl.cli.app import App


@click.command()
@click.option(
    "--target",
    "target_names",
    multiple=True,
    metavar="NAME",
    help="Run this configured target (repeatable): a file name, sieve:MAILBOX or stdout.",
)
@click.option("--all", "all_targets", is_flag=True, help="Run every configured target.")
@click.option(
    "--format",
    "page_format",
    type=click.Choice(PUBLISH_FORMATS),
    help="Render one page in this format to stdout (or --output) instead of running "
    "the configured targets. Default: text.",
)
@click.option(
    "--channel",
    "channels",
    multiple=True,
    metavar="NAME",
    help="Only this SLA policy or channel (repeatable). Default: the target's, else all.",
)
@click.option("--language", type=click.Choice(("ar", "en")), help="Override the language.")
@at_option
@click.option(
    "--horizon",
    type=click.IntRange(1, 366),
    metavar="DAYS",
    help="List holidays and closures this many days ahead (default: the target's, 30).",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Write the page to FILE (atomically, only when it changed) instead of stdout.",
)
@dry_run_option
@pass_app
def publish(
    app: App,
    target_names: tuple[str, ...],
    all_targets: bool,
    page_format: str | None,
    channels: tuple[str, ...],
    language: str | None,
    at: str | None,
    horizon: int | None,
    output: str | None,
    dry_run: bool,
) -> None:
    """Publish response-time expectations: open now?, reply by, hours, holidays, closures.

    With configured targets (the config's publish list) and no --format or --output,
    runs each target (or those named by --target): stdout, file or sieve. Otherwise
    renders one page to stdout or --output. The root --format may name the page format
    too (supportctl --format json publish). stdout carries the pages; stderr says what
    each target did. Exit status 3 when some targets failed, 1 when all did.
    """
    from supportctl.publish.targets import choose_targets
    from supportctl.publish.targets import publish as run_publish
    from supportctl.render import Text

    targets = choose_targets(
        app.config,
        names=target_names,
        all_targets=all_targets,
        page_format=_page_format(app, page_format),
        output=output,
        channels=channels,
        language=language,
        horizon=horizon,
    )
    now = parse_at(at, app.config.timezone) if at else app.now()
    report = run_publish(app.config, targets, now, dry_run=dry_run)
    for outcome in report.outcomes:
        if outcome.content is not None:
            app.render(Text(outcome.content))
        if outcome.failed:
            app.stderr.write(f"supportctl: error: publish {outcome.target}: {outcome.error}\n")
        elif outcome.kind != "stdout":
            app.info(f"{outcome.target} ({outcome.kind} {outcome.destination}): {outcome.action}")
    click.get_current_context().exit(report.exit_status)


def _page_format(app: App, page_format: str | None) -> str | None:
    """``publish --format``, or the root ``--format`` when it names a page format."""
    root = app.output_format
    if root == "table":  # the root default: says nothing about pages
        return page_format
    if root not in PUBLISH_FORMATS:
        raise UsageError(
            f"publish writes pages, not --format {root}",
            hint=f"use one of {', '.join(PUBLISH_FORMATS)}",
        )
    if page_format and page_format != root:
        raise UsageError(f"--format {root} and publish --format {page_format} disagree")
    return root
