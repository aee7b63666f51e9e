"""``supportctl assign|tag|status|priority``: changing conversations, by hand and by rules.

``assign 1234 1235 --to omar`` and ``assign auto`` are one command group: the first word
picks the rules' subcommand when it names one, else the ids of a change by hand.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from supportctl.cli.completion import complete_agent
from supportctl.cli.options import dry_run_option, pass_app, wait_option

if TYPE_CHECKING:
    from supportctl.cli.app import App

# More changes than this are summed up in the table format (as a page of conversations).
SUMMARY_ABOVE = 50
# "-billing" removes a tag, so these commands must not read "-h" as help.
_LONG_HELP_ONLY = {"help_option_names": ["--help"]}

stdin_option = click.option(
    "--stdin",
    "from_stdin",
    is_flag=True,
    help='Also read ids from stdin: a number per line, or JSON lines with an "id".',
)


class _ParentPathContext(click.Context):
    """The context of a group's own command: its path is the group's (``supportctl
    assign``, not ``supportctl assign assign``)."""

    @property
    def command_path(self) -> str:
        return self.parent.command_path if self.parent else super().command_path


class ManualOrRules(click.Group):
    """A group that runs ``manual`` unless its first word names a subcommand; its help
    shows the manual command's usage and options, then the subcommands."""

    def __init__(self, *args: Any, manual: click.Command, **kwargs: Any):
        settings = kwargs.setdefault("context_settings", {})
        settings["ignore_unknown_options"] = True  # the manual command parses them
        super().__init__(*args, **kwargs)
        manual.context_class = _ParentPathContext
        self.manual = manual

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        if args and args[0] in self.commands:
            return super().resolve_command(ctx, args)
        return self.manual.name, self.manual, args

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        pieces = self.manual.collect_usage_pieces(ctx)
        formatter.write_usage(ctx.command_path, " ".join(pieces))
        formatter.write_usage(ctx.command_path, "COMMAND [ARGS]...", prefix="   or: ")

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self.manual.format_options(ctx, formatter)
        self.format_commands(ctx, formatter)


def _actor(app: App) -> str:
    """Who changes things by hand: ``$USER`` (cron jobs have ``$LOGNAME``), else the
    account the process runs as (a container's shell may set neither)."""
    named = app.environ.get("USER") or app.environ.get("LOGNAME")
    if named:
        return named
    import pwd

    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:  # a uid with no account, as in some containers
        return f"uid {os.getuid()}"


def _ids(tokens: tuple[str, ...], from_stdin: bool) -> list[int]:
    from supportctl.triage.manual import ids_from_lines, parse_ids

    ids = parse_ids(tokens)
    if from_stdin:
        ids += ids_from_lines(click.get_text_stream("stdin"))
    return ids


def _render(app: App, columns: tuple[str, ...], outcomes: list[Any]) -> None:
    """One row per change (each has ``outcome`` and ``as_row()``), and a count of each
    outcome on stderr. Past ``SUMMARY_ABOVE`` changes the table format sums them up by
    everything but the conversation and the reason (10,000 rows are for scripts, and
    cron would mail them all); the other formats still write each one. With nothing
    to do the table format writes nothing at all, so that cron mails only news."""
    from collections import Counter

    from supportctl.render import Table, summary_of

    counts = Counter(outcome.outcome for outcome in outcomes)
    app.info(", ".join(f"{o}: {n}" for o, n in sorted(counts.items())) or "nothing to do")
    if not outcomes and app.output_format == "table":
        return
    table = Table(columns=columns, rows=(outcome.as_row() for outcome in outcomes))
    if len(outcomes) > SUMMARY_ABOVE:
        summary = summary_of(
            table, leave_out=("conversation", "reason"), count_column="conversations"
        )
        table = Table(columns=columns, rows=table.rows, summary=summary)
    app.render(table)


def _change(
    app: App,
    change: Callable[..., list[Any]],
    conversations: tuple[str, ...],
    from_stdin: bool,
    *values: Any,
    dry_run: bool,
) -> None:
    """Run a change by hand (``supportctl.triage.manual``) and print its rows."""
    from supportctl.triage.manual import CHANGE_COLUMNS

    ids = _ids(conversations, from_stdin)
    changes = change(
        app.store, app.config, ids, *values, actor=_actor(app), now=app.now(), dry_run=dry_run
    )
    _render(app, CHANGE_COLUMNS, changes)


# -- assign ---------------------------------------------------------------------------------


@click.command("assign")
@click.argument("conversations", metavar="[ID]...", nargs=-1)
@click.option("--to", "agent", metavar="AGENT", shell_complete=complete_agent, help="The agent.")
@click.option("--unassign", is_flag=True, help="Leave them with nobody.")
@stdin_option
@dry_run_option
@pass_app
def _assign_by_hand(
    app: App,
    conversations: tuple[str, ...],
    agent: str | None,
    unassign: bool,
    from_stdin: bool,
    dry_run: bool,
) -> None:
    from supportctl.errors import UsageError
    from supportctl.triage.manual import assign

    if (agent is None) == (not unassign):
        raise UsageError("say who takes them: --to AGENT, or --unassign")
    _change(app, assign, conversations, from_stdin, agent, dry_run=dry_run)


@click.group(cls=ManualOrRules, manual=_assign_by_hand)
def assign() -> None:
    """Give conversations to an agent, by hand or by the config's rules.

    \b
    supportctl assign 1234 1235 --to omar
    supportctl assign 1234 --unassign
    supportctl --format jsonl conversations list --unassigned --all |
        supportctl assign --stdin --to omar
    supportctl assign auto --dry-run

    Unknown ids or agents change nothing (exit 2). Each change is an event by $USER.
    """


@assign.command("auto")
@wait_option
@dry_run_option
@pass_app
def assign_auto(app: App, wait: float, dry_run: bool) -> None:
    """Assign by the rules: escalations, routes, then the strategy.

    Only agents on duty (their calendar's hours, not on leave, not on a holiday or
    closure) take work; reopened conversations of agents who are away are handed on.
    Prints one row per decision (conversation, rule, from, to, reason); more than 50
    are summed up by rule and agent in the table format (--format csv lists each).
    With --dry-run changes nothing.
    """
    from supportctl.triage.auto import PLAN_COLUMNS
    from supportctl.triage.auto import assign_auto as run

    report = run(app.config, app.store, now=app.now(), dry_run=dry_run, wait=wait)
    _render(app, PLAN_COLUMNS, report.rows)


# -- tag ------------------------------------------------------------------------------------


@click.command("tag", context_settings={**_LONG_HELP_ONLY, "ignore_unknown_options": True})
@click.argument("items", metavar="[ID]... [+TAG|-TAG]...", nargs=-1)
@stdin_option
@dry_run_option
@pass_app
def _tag_by_hand(app: App, items: tuple[str, ...], from_stdin: bool, dry_run: bool) -> None:
    from supportctl.triage.manual import change_tags

    ids = tuple(item for item in items if item[:1] not in "+-")
    add = [item[1:] for item in items if item.startswith("+")]
    remove = [item[1:] for item in items if item.startswith("-")]
    _change(app, change_tags, ids, from_stdin, add, remove, dry_run=dry_run)


@click.group(cls=ManualOrRules, manual=_tag_by_hand, context_settings=_LONG_HELP_ONLY)
def tag() -> None:
    """Add (+TAG) and remove (-TAG) tags, by hand or by the config's tag rules.

    \b
    supportctl tag 1234 1235 +refund -billing
    supportctl tag auto --dry-run

    Rules add tags only, and never one a person removed from that conversation.
    """


@tag.command("auto", context_settings=_LONG_HELP_ONLY)
@click.option("--all", "include_closed", is_flag=True, help="Closed conversations too.")
@wait_option
@dry_run_option
@pass_app
def tag_auto(app: App, include_closed: bool, wait: float, dry_run: bool) -> None:
    """Run the tag rules over open and pending conversations.

    More than 50 changes are summed up in the table format (--format csv lists each).
    """
    from supportctl.triage.auto import TAG_COLUMNS
    from supportctl.triage.auto import tag_auto as run

    outcomes = run(
        app.config,
        app.store,
        now=app.now(),
        include_closed=include_closed,
        dry_run=dry_run,
        wait=wait,
    )
    _render(app, TAG_COLUMNS, outcomes)


# -- status and priority --------------------------------------------------------------------


def _set_command(name: str, doc: str) -> click.Command:
    """``supportctl NAME ID... VALUE``: set one column of several conversations."""

    @click.command(name, help=doc)
    @click.argument("conversations", metavar="[ID]...", nargs=-1)
    @click.argument("value", metavar=name.upper())
    @stdin_option
    @dry_run_option
    @pass_app
    def command(
        app: App, conversations: tuple[str, ...], value: str, from_stdin: bool, dry_run: bool
    ) -> None:
        from supportctl.triage import manual

        _change(
            app, getattr(manual, f"set_{name}"), conversations, from_stdin, value, dry_run=dry_run
        )

    return command


status = _set_command(
    "status",
    "Move conversations to STATUS: open, pending or closed.\n\n"
    "\b\nsupportctl status 1234 1235 closed\n\n"
    "Closing records the resolution time; reopening clears it.",
)
priority = _set_command(
    "priority",
    "Set the PRIORITY of conversations: low, normal, high or urgent.\n\n"
    "\b\nsupportctl priority 1234 urgent",
)
