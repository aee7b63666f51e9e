"""Options shared by several commands, declared once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from supportctl.cli.completion import complete_mailbox

dry_run_option = click.option(
    "--dry-run", is_flag=True, help="Show what would change; change nothing."
)

mailboxes_option = click.option(
    "--mailbox",
    "mailboxes",
    multiple=True,
    metavar="NAME",
    shell_complete=complete_mailbox,
    help="Only this mailbox (repeatable). Default: all.",
)


def pass_app(function: Callable[..., Any]) -> Callable[..., Any]:
    """Hand the command the ``App`` built by the root command."""
    return click.pass_obj(function)
