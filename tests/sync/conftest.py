"""Fixtures of the sync tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from supportctl.store import open_store
from tests.servers.dovecot import DovecotServer
from tests.sync.imap_fixtures import ImapSync


@pytest.fixture
def imap_sync(
    tmp_path: Path, store_url: str, dovecot: DovecotServer, fresh_dovecot_user: str
) -> Iterator[ImapSync]:
    """A fresh Dovecot user, an open store (SQLite and PostgreSQL) and a config between."""
    with open_store(store_url) as store:
        yield ImapSync(dovecot, fresh_dovecot_user, store, store_url, tmp_path)
