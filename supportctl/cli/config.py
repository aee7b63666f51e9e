"""``supportctl config``: validate, show, init and print the schema of the config."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from supportctl.cli.options import mailboxes_option, pass_app
from supportctl.errors import ConfigError, ExitStatus, UsageError

if TYPE_CHECKING:
    from supportctl.cli.app import App


@click.group()
def config() -> None:
    """Validate, show and create the config file."""


@config.command()
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@pass_app
def validate(app: App, file: str | None, strict: bool) -> None:
    """Check FILE (default: the discovered config) offline and list every problem.

    Each problem is one line FILE:LINE:COL: key.path: message. Secrets are not
    resolved: ${VAR} references need not be set. Exit status 2 if there are errors
    (or, with --strict, warnings).
    """
    from supportctl.config import find_config, validate_file
    from supportctl.render import Table

    path = Path(file) if file else find_config(app.config_option, app.environ)
    report = validate_file(path)
    app.render(
        Table(
            columns=("file", "line", "column", "path", "severity", "message"),
            rows=[{**problem.as_dict(), "text": str(problem)} for problem in report.problems],
            line_template="{text}",
        )
    )
    summary = f"{path}: {len(report.errors)} error(s), {len(report.warnings)} warning(s)"
    if report.variables:
        names = ", ".join(f"${{{name}}}" for name in sorted(report.variables))
        summary += f"; secrets not resolved ({names} read at run time)"
    app.info(summary)
    if report.failed(strict=strict):
        click.get_current_context().exit(ExitStatus.USAGE)


@config.command()
@click.option("--connect", is_flag=True, help="Log in to each IMAP mailbox and check its folders.")
@mailboxes_option
@pass_app
def check(app: App, connect: bool, mailboxes: tuple[str, ...]) -> None:
    """Check that the config can run: secrets resolve, mailboxes and folders can be read.

    Loads the config as sync does (so ${VAR}, password_command and password_file must
    work), reads local mailboxes, and with --connect logs in to each IMAP mailbox and
    asks STATUS of each folder, without fetching or changing anything. One row per
    folder; exit status 1 when any folder is missing or unreadable.
    """
    from supportctl.mail.check import CHECK_COLUMNS, check_mailboxes
    from supportctl.render import Table

    app.require_mailboxes(mailboxes)
    checks = list(check_mailboxes(app.config, connect=connect, mailboxes=mailboxes))
    app.render(Table(columns=CHECK_COLUMNS, rows=[vars(check) for check in checks]))
    failed = sum(check.failed for check in checks)
    app.info(f"{app.config_path}: {len(checks) - failed} folder(s) ok, {failed} failed")
    if failed:
        click.get_current_context().exit(ExitStatus.FAILED)


@config.command()
@pass_app
def show(app: App) -> None:
    """Print the resolved config, defaults filled in, secrets masked."""
    from supportctl.config import masked_plain
    from supportctl.render import Document

    app.render(Document(masked_plain(app.config)))


@config.command()
@click.argument("path", default="supportctl.yaml", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@pass_app
def init(app: App, path: str, force: bool) -> None:
    """Write a complete, commented starter config to PATH (- for stdout)."""
    from supportctl.config import starter_config
    from supportctl.render import Text

    text = starter_config()
    if path == "-":
        app.render(Text(text))
        return
    target = Path(path)
    if target.exists() and not force:
        raise UsageError(f"{target} already exists", hint="pass --force to overwrite it")
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write {target}: {exc.strerror}") from exc
    app.info(f"wrote {target}; edit it, then run 'supportctl config validate {target}'")


@config.command()
@pass_app
def schema(app: App) -> None:
    """Print the config's JSON Schema (for editors and CI)."""
    import json

    from supportctl.config import load_schema
    from supportctl.render import Text

    app.render(Text(json.dumps(load_schema(), indent=2, ensure_ascii=False)))
