"""Shared by the IMAP sync tests: a store, a fresh Dovecot user, and configs that read
that user's mail over IMAP; plus checks of what a sync left in the store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from supportctl.config import load_config
from supportctl.mail.sync import SyncReport, sync
from supportctl.store.database import Store
from tests.servers.dovecot import DovecotServer
from tests.sync.test_sync_local import NOW

TIMEOUT_SECONDS = 10
SUPPORT_ADDRESS = "support@example.com"


def password_variable(user: str) -> str:
    """The environment variable that carries ``user``'s IMAP password to the config."""
    return f"IMAP_PASSWORD_{user.upper()}"


@dataclass
class ImapSync:
    """Syncs a Dovecot user's mail into ``store``; ``config`` reads ``user`` as mailbox
    ``support`` (INBOX, Sent) on the plain port, three messages a batch."""

    dovecot: DovecotServer
    user: str
    store: Store
    store_url: str
    directory: Path
    users: list[str] = field(default_factory=list)
    config: Path = field(init=False)

    def __post_init__(self) -> None:
        self.users.append(self.user)
        self.dovecot.create_folder(self.user, "Sent")
        self.config = self.write_config(self.mailbox())

    @property
    def password(self) -> str:
        return self.dovecot.users[self.user]

    @property
    def env(self) -> dict[str, str]:
        """The variables the configs' ``password`` references need."""
        return {password_variable(user): self.dovecot.users[user] for user in self.users}

    def add_user(self) -> str:
        """Another fresh Dovecot user (with a Sent folder) that configs may name."""
        user = self.dovecot.new_user()
        self.dovecot.create_folder(user, "Sent")
        self.users.append(user)
        return user

    def mailbox(self, user: str | None = None, **settings: Any) -> dict[str, Any]:
        """A ``mailboxes`` entry reading ``user`` (default: the fixture's) over plain IMAP;
        ``settings`` override or add keys, and a setting of None removes one."""
        user = user or self.user
        defaults = {
            "name": "support",
            "host": self.dovecot.host,
            "port": self.dovecot.imap_port,
            "security": "none",
            "allow_plaintext_password": True,
            "username": user,
            "password": "${" + password_variable(user) + "}",
            "timeout": TIMEOUT_SECONDS,
            "folders": ["INBOX"],
            "sent_folder": "Sent",
            "addresses": [SUPPORT_ADDRESS],
            "batch_size": 3,
        }
        return {key: value for key, value in (defaults | settings).items() if value is not None}

    def write_config(
        self, *mailboxes: dict[str, Any], name: str = "supportctl.yaml", **sections: Any
    ) -> Path:
        """A config file (JSON, which YAML reads as it is) with these mailboxes and any
        other top-level ``sections`` (``rules=...``)."""
        path = self.directory / name
        document = {
            "version": 1,
            "store": self.store_url,
            "mailboxes": list(mailboxes),
            **sections,
        }
        path.write_text(json.dumps(document, ensure_ascii=False, indent=1))
        return path

    def sync(self, config: Path | None = None, **options: Any) -> SyncReport:
        """``supportctl.mail.sync.sync`` with ``config`` (default: ``self.config``)."""
        return sync(load_config(config or self.config, self.env), self.store, now=NOW, **options)


def stored(store: Store, mailbox: str = "support", folder: str = "INBOX") -> dict[str, int]:
    """What a sync of ``mailbox`` left: messages, distinct Message-IDs, conversations and
    the folder checkpoint's last UID (None before the first committed batch)."""
    return {
        "messages": store.scalar("SELECT COUNT(*) FROM message WHERE mailbox = ?", (mailbox,)),
        "message_ids": store.scalar(
            "SELECT COUNT(DISTINCT message_id) FROM message WHERE mailbox = ?", (mailbox,)
        ),
        "conversations": store.scalar(
            "SELECT COUNT(*) FROM conversation WHERE mailbox = ?", (mailbox,)
        ),
        "last_uid": store.scalar(
            "SELECT last_uid FROM sync_state WHERE mailbox = ? AND folder = ?", (mailbox, folder)
        ),
    }


def table_names(store: Store) -> list[str]:
    if store.dialect == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'table'"
    else:
        sql = (
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        )
    return [next(iter(row.values())) for row in store.query(sql)]


def text_values(store: Store) -> Iterator[tuple[str, str, str]]:
    """(table, column, value) for every text value in every table of the store."""
    for table in table_names(store):
        for row in store.query(f'SELECT * FROM "{table}"'):
            for column, value in row.items():
                if isinstance(value, bytes):
                    value = value.decode("utf-8", "replace")
                if isinstance(value, str):
                    yield table, column, value


def assert_secret_kept(secret: str, store: Store, *outputs: str | None) -> None:
    """``secret`` is in none of ``outputs`` and in no text column of any table."""
    assert [text for text in outputs if text and secret in text] == []
    leaks = [(table, column) for table, column, value in text_values(store) if secret in value]
    assert leaks == []
    assert next(text_values(store), None) is not None, "an empty store proves nothing"
