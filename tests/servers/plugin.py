"""pytest fixtures for the real Dovecot server and the connection-cutting proxy.

Registered from tests/conftest.py: ``pytest_plugins = ["tests.servers.plugin"]``.
Tests that use the server are marked ``dovecot``, so ``-m "not dovecot"`` leaves them out.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest

from tests.servers.dovecot import DovecotServer, find_dovecot
from tests.servers.proxy import DroppingProxy

ENSURE_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "ensure-dovecot.sh"
INSTALL_TIMEOUT_SECONDS = 900


def skip_or_fail(reason: str) -> NoReturn:
    """Skip the test, but fail it under CI, which must never pass without the server."""
    if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def why_dovecot_is_unavailable() -> str | None:
    """None if dovecot is installed or ensure-dovecot.sh installs it, else the reason."""
    if find_dovecot() is not None:
        return None
    result = subprocess.run(
        ["sh", str(ENSURE_SCRIPT)], capture_output=True, text=True, timeout=INSTALL_TIMEOUT_SECONDS
    )
    if result.returncode == 0 and find_dovecot() is not None:
        return None
    return (
        f"Dovecot is not installed and {ENSURE_SCRIPT.name} could not install it: "
        f"{result.stderr.strip() or f'exit status {result.returncode}'}"
    )


@pytest.fixture(scope="session")
def dovecot() -> Iterator[DovecotServer]:
    """One Dovecot server for the whole session, users ``support``/``secret`` and
    ``sales``/``secret2``. Skips when Dovecot cannot be had, but fails under CI=true so
    that CI never passes without having run the server tests."""
    reason = why_dovecot_is_unavailable()
    if reason is not None:
        skip_or_fail(reason)
    with DovecotServer() as server:
        yield server


@pytest.fixture
def fresh_dovecot_user(dovecot: DovecotServer) -> str:
    """A user of its own with an empty mailbox; the password is ``dovecot.users[name]``."""
    return dovecot.new_user()


@pytest.fixture
def dropping_proxy(dovecot: DovecotServer) -> Iterator[DroppingProxy]:
    """A DroppingProxy in front of the session server's plain IMAP port."""
    with DroppingProxy(dovecot.host, dovecot.imap_port) as proxy:
        yield proxy


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "dovecot" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.dovecot)
