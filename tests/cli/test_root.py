"""The root command: start-up cost, help, version, exit statuses, completion."""

from __future__ import annotations

import json
import subprocess
import sys

import click
import pytest

from supportctl.cli import COMMANDS, cli
from supportctl.cli.completion import (
    SHELLS,
    complete_agent,
    complete_calendar,
    complete_mailbox,
    complete_tag,
    completion_script,
)
from supportctl.errors import ExitStatus, LockedError, NotFoundError, SupportctlError
from tests.conftest import EXAMPLE_CONFIG, REPO, Run

HEAVY_MODULES = (
    "imapclient",
    "psycopg",
    "sqlite3",
    "holidays",
    "pytz",
    "tabulate",
    "yaml",
    "jsonschema",
    "supportctl.store",
    "supportctl.config.source",
    "string.templatelib",
    "jinja2",
)


def test_help_imports_no_heavy_machinery() -> None:
    probe = (
        "import sys; sys.argv = ['supportctl', '--help']\n"
        "from supportctl.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print('LOADED', sorted(m for m in {HEAVY_MODULES!r} if m in sys.modules))"
    )
    output = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=REPO
    ).stdout
    assert output.splitlines()[-1] == "LOADED []"


def _all_commands(group: click.Group, ctx: click.Context, prefix: tuple[str, ...] = ()):
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from _all_commands(command, ctx, (*prefix, name))


ALL_COMMANDS = list(_all_commands(cli, click.Context(cli)))


@pytest.mark.parametrize(
    "path,command", ALL_COMMANDS, ids=lambda v: " ".join(v) if isinstance(v, tuple) else ""
)
def test_every_command_has_help(run: Run, path: tuple[str, ...], command: click.Command) -> None:
    assert command.help, f"supportctl {' '.join(path)} has no help text"
    result = run(*path, "--help")
    assert result.exit_code == 0
    assert f"Usage: supportctl {' '.join(path)}" in result.stdout


def test_root_help_documents_exit_statuses(run: Run) -> None:
    result = run("--help")
    for status in ExitStatus:
        if status is not ExitStatus.OK:
            assert f"  {int(status)} " in result.stdout, status


def test_version_names_the_tz_data(run: Run) -> None:
    import pytz

    from supportctl import __version__

    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout.startswith(f"supportctl {__version__} (")
    assert f"tz data {pytz.OLSON_VERSION}" in result.stdout


def test_module_entry_point() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "supportctl", "--version"], capture_output=True, text=True, cwd=REPO
    )
    assert completed.returncode == 0
    assert completed.stdout.startswith("supportctl ")


@pytest.mark.parametrize(
    "argv",
    [
        ("completion", "bash"),  # under a buffer: it meets the closed pipe at exit
        ("config", "schema"),  # 27 kB: the command's own write meets it
    ],
)
def test_a_reader_that_went_away_gives_141_and_no_error(argv: tuple[str, ...]) -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "supportctl", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
    ) as process:
        process.stdout.close()  # before the interpreter has even started
        stderr = process.stderr.read().decode()
        assert process.wait() == ExitStatus.BROKEN_PIPE
    assert stderr == ""


def test_unknown_command_is_a_usage_error(run: Run) -> None:
    result = run("frobnicate")
    assert result.exit_code == 2
    assert "No such command 'frobnicate'" in result.stderr


# -- one test per exit status ---------------------------------------------------------


@pytest.fixture
def failing_command(monkeypatch: pytest.MonkeyPatch):
    """Registers ``supportctl boom`` raising whatever the test hands it."""

    def register(exception: BaseException) -> None:
        @click.command()
        def boom() -> None:
            """Raise."""
            raise exception

        monkeypatch.setitem(cli.commands, "boom", boom)

    return register


@pytest.mark.parametrize(
    "exception,status,line",
    [
        (
            SupportctlError("the server said no", hint="try later"),
            1,
            "supportctl: error: the server said no (try later)",
        ),
        (
            NotFoundError("no conversation #99", where="x.yaml:3:1"),
            2,
            "supportctl: error: x.yaml:3:1: no conversation #99",
        ),
        (
            LockedError("another run holds the lock 'mailbox:support'"),
            75,
            "supportctl: error: another run holds the lock 'mailbox:support'",
        ),
        (KeyboardInterrupt(), 130, "supportctl: interrupted"),
        (RuntimeError("bug"), 1, "supportctl: error: unexpected RuntimeError: bug"),
    ],
)
def test_errors_map_to_one_line_and_an_exit_status(
    run: Run, failing_command, exception: BaseException, status: int, line: str
) -> None:
    failing_command(exception)
    result = run("boom")
    assert result.exit_code == status
    assert result.stderr.splitlines()[0] == line
    assert "Traceback" not in result.stderr


def test_traceback_only_with_verbose(run: Run, failing_command) -> None:
    failing_command(RuntimeError("bug"))
    result = run("-v", "boom")
    assert result.exit_code == 1
    assert "Traceback" in result.stderr
    assert result.stderr.splitlines()[-1] == "supportctl: error: unexpected RuntimeError: bug"


def test_partial_status_exists_for_multi_item_runs() -> None:
    assert (ExitStatus.PARTIAL, ExitStatus.LOCKED) == (3, 75)


# -- completion ---------------------------------------------------------------------


@pytest.mark.parametrize("shell", SHELLS)
def test_committed_completion_scripts_are_up_to_date(shell: str) -> None:
    committed = (REPO / "completions" / f"supportctl.{shell}").read_text()
    assert committed.rstrip("\n") == completion_script(shell).rstrip("\n"), (
        f"regenerate: supportctl completion {shell} > completions/supportctl.{shell}"
    )


def test_completion_of_commands_runs_the_program(run: Run) -> None:
    result = run(
        env={
            "_SUPPORTCTL_COMPLETE": "bash_complete",
            "COMP_WORDS": "supportctl conf",
            "COMP_CWORD": "1",
        }
    )
    assert result.stdout.split() == ["plain,config"]


@pytest.mark.parametrize(
    "completer,incomplete,expected",
    [
        (complete_mailbox, "", ["support", "billing", "egypt", "archive", "chat"]),
        (complete_mailbox, "b", ["billing"]),
        (complete_agent, "", ["omar", "layla", "alice", "youssef", "sara"]),
        (complete_calendar, "c", ["cairo", "casablanca"]),
        (
            complete_tag,
            "",
            ["arabic", "invoice", "key-account", "outage", "refund", "stale", "vip"],
        ),
    ],
)
def test_config_derived_values_complete_without_secrets(completer, incomplete, expected) -> None:
    ctx = click.Context(cli)
    ctx.params = {"config_option": str(EXAMPLE_CONFIG)}
    assert [item.value for item in completer(ctx, None, incomplete)] == expected


def test_completion_is_silent_without_a_config(tmp_path) -> None:
    ctx = click.Context(cli)
    ctx.params = {"config_option": str(tmp_path / "missing.yaml")}
    assert complete_mailbox(ctx, None, "") == []


def test_registered_commands_import_cheaply() -> None:
    for target in COMMANDS.values():
        module = target.split(":")[0]
        probe = (
            f"import sys, {module}; print(sorted(m for m in {HEAVY_MODULES!r} if m in sys.modules))"
        )
        output = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=REPO
        ).stdout.strip()
        assert output == "[]", (module, output)


def test_json_output_is_machine_readable(run: Run) -> None:
    result = run("--format", "json", "config", "validate", str(EXAMPLE_CONFIG))
    assert json.loads(result.stdout) == []


def test_every_package_directory_is_a_regular_package() -> None:
    """setuptools ships only directories with an ``__init__.py``: a namespace directory
    would work from a checkout and be missing from the installed wheel."""
    missing = [
        str(directory.relative_to(REPO))
        for directory in (REPO / "supportctl").rglob("*")
        if directory.is_dir()
        and any(directory.glob("*.py"))
        and not (directory / "__init__.py").exists()
    ]
    assert missing == []
