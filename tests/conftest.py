"""Shared fixtures: ``run`` drives the real click command tree in-process."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

pytest_plugins = ["tests.servers.plugin", "tests.databases"]

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_CONFIG = REPO / "config" / "example.yaml"


@dataclass(frozen=True)
class Result:
    exit_code: int
    stdout: str
    stderr: str


Run = Callable[..., Result]


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    """``run("config", "validate", input=..., env={...})`` → exit code, stdout, stderr.

    Runs in ``tmp_path`` with no config discoverable unless the test provides one.
    """
    from supportctl.cli import cli

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SUPPORTCTL_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))

    def invoke(
        *args: str, input: str | None = None, env: Mapping[str, str | None] | None = None
    ) -> Result:
        runner = CliRunner()
        result = runner.invoke(
            cli,
            list(args),
            input=input,
            env=dict(env or {}),
            catch_exceptions=False,
            prog_name="supportctl",
        )
        return Result(result.exit_code, result.stdout, result.stderr)

    return invoke


@pytest.fixture
def example_env() -> dict[str, str]:
    return {
        "SUPPORT_IMAP_PASSWORD": "s3cret-imap-pw",
        **{k: v for k, v in os.environ.items() if k == "PATH"},
    }
