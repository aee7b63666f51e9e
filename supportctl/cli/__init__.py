"""The ``supportctl`` root command.

Command groups are registered by name as ``"module:attribute"`` strings and imported
only when invoked (or when help lists them; their modules import only click), so
``supportctl --help`` loads no IMAP, SQL, holiday or template machinery.
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from typing import Any

import click

from supportctl import __version__
from supportctl.errors import ExitStatus, SupportctlError

COMMANDS: dict[str, str] = {
    "assign": "supportctl.cli.triage:assign",
    "completion": "supportctl.cli.completion:completion",
    "calendar": "supportctl.cli.calendar:calendar",
    "config": "supportctl.cli.config:config",
    "conversations": "supportctl.cli.conversations:conversations",
    "customer": "supportctl.cli.conversations:customer",
    "db": "supportctl.cli.db:db",
    "export": "supportctl.cli.export:export",
    "meet": "supportctl.cli.meet:meet",
    "priority": "supportctl.cli.triage:priority",
    "publish": "supportctl.cli.publish:publish",
    "report": "supportctl.cli.report:report",
    "sla": "supportctl.cli.sla:sla",
    "status": "supportctl.cli.triage:status",
    "sync": "supportctl.cli.sync:sync",
    "tag": "supportctl.cli.triage:tag",
    "writeback": "supportctl.cli.writeback:writeback",
}

OUTPUT_FORMATS = ("table", "json", "jsonl", "csv", "yaml", "text", "markdown", "html", "ics")

EXIT_STATUS_HELP = """\b
Exit status:
  0   done
  1   failed
  2   usage error or invalid config
  3   partly done (e.g. one mailbox of three failed)
  75  another run holds the lock (cron retries next time)
  130 interrupted
  141 the output's reader went away (| head): nothing printed"""


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use, and which maps supportctl's
    typed errors to one stderr line and an exit status."""

    def __init__(self, *args: Any, lazy_commands: dict[str, str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.lazy_commands = lazy_commands

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy_commands:
            module_name, attribute = self.lazy_commands[cmd_name].split(":")
            return getattr(importlib.import_module(module_name), attribute)
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SupportctlError as exc:
            _report(ctx, f"supportctl: error: {exc}")
            ctx.exit(exc.exit_status)
        except KeyboardInterrupt:
            _report(ctx, "supportctl: interrupted")
            ctx.exit(ExitStatus.INTERRUPTED)
        except BrokenPipeError:
            _silence_stdout()
            ctx.exit(ExitStatus.BROKEN_PIPE)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:  # a bug: say so in one line, traceback with -v
            _report(ctx, f"supportctl: error: unexpected {type(exc).__name__}: {exc}")
            if not _verbose(ctx):
                _report(ctx, "supportctl: run again with -v for the traceback")
            ctx.exit(ExitStatus.FAILED)
        finally:
            app = ctx.obj
            if app is not None:
                app.close()


def _silence_stdout() -> None:
    """Point stdout at /dev/null: what is still buffered for a reader that went away
    (``supportctl ... | head``) is dropped instead of failing again at exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _verbose(ctx: click.Context) -> bool:
    return bool(ctx.obj is not None and ctx.obj.verbosity > 0)


def _report(ctx: click.Context, line: str) -> None:
    if _verbose(ctx):
        traceback.print_exc(file=sys.stderr)
    click.echo(line, err=True)


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    import platform

    import pytz

    click.echo(
        f"supportctl {__version__} (Python {platform.python_version()}, "
        f"tz data {pytz.OLSON_VERSION})"
    )
    ctx.exit()


@click.group(
    cls=LazyGroup,
    lazy_commands=COMMANDS,
    epilog=EXIT_STATUS_HELP,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "-c",
    "--config",
    "config_option",
    metavar="FILE",
    envvar=None,
    help="Config file. Default: $SUPPORTCTL_CONFIG, ./supportctl.yaml, then "
    "~/.config/supportctl/config.yaml.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(OUTPUT_FORMATS),
    default="table",
    show_default=True,
    help="Output format of results (stdout).",
)
@click.option("-q", "--quiet", "quiet", is_flag=True, help="Only errors on stderr.")
@click.option("-v", "--verbose", "verbose", count=True, help="More detail on stderr; tracebacks.")
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Show the version (and the time-zone data version) and exit.",
)
@click.pass_context
def cli(
    ctx: click.Context, config_option: str | None, output_format: str, quiet: bool, verbose: int
) -> None:
    """Run a customer-support operation from one YAML file.

    Syncs shared mailboxes into conversations, assigns and tags them, publishes
    response-time expectations, plans meetings across time zones and reports on
    response times and SLAs.
    """
    from supportctl.cli.app import App

    ctx.obj = App(
        config_option=config_option,
        output_format=output_format,
        verbosity=-1 if quiet else verbose,
    )


def main() -> None:
    # pytz checks that each of its ~600 zone files exists before it opens the first zone
    # (10-20 ms of every command that shows a time); its own switch skips that, and a
    # zone whose file is missing still fails when opened.
    os.environ.setdefault("PYTZ_SKIPEXISTSCHECK", "1")
    try:
        try:
            cli(prog_name="supportctl")
        finally:
            sys.stdout.flush()  # here, not at exit, so that a closed pipe is caught
    except BrokenPipeError:
        _silence_stdout()
        sys.exit(ExitStatus.BROKEN_PIPE)
