"""``supportctl config check [--connect]`` against the real Dovecot and a local Maildir."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Run
from tests.servers.dovecot import DovecotServer


def imap_mailbox(dovecot: DovecotServer, user: str, name: str, folders: str, **extra: str) -> str:
    options = "".join(f", {key}: {value}" for key, value in extra.items())
    return (
        f"  - {{name: {name}, host: 127.0.0.1, port: {dovecot.imap_port}, security: none,"
        f" allow_plaintext_password: true, username: {user}, folders: {folders}{options}}}\n"
    )


def write_config(tmp_path: Path, mailboxes: str) -> Path:
    config = tmp_path / "supportctl.yaml"
    config.write_text(f"version: 1\nstore: sqlite:check.db\nmailboxes:\n{mailboxes}")
    return config


def rows(stdout: str) -> dict[tuple[str, str | None], dict]:
    return {(row["mailbox"], row["folder"]): row for row in map(json.loads, stdout.splitlines())}


@pytest.mark.dovecot
def test_connect_logs_in_and_checks_each_folder(
    run: Run, tmp_path: Path, dovecot: DovecotServer, fresh_dovecot_user: str
) -> None:
    user = fresh_dovecot_user
    dovecot.create_folder(user, "Sent Items")
    dovecot.append(user, "INBOX", [b"Subject: hello\r\nFrom: a@example.com\r\n\r\nbody\r\n"])
    password = dovecot.users[user]
    config = write_config(
        tmp_path,
        imap_mailbox(
            dovecot, user, "good", "[INBOX]", sent_folder='"Sent Items"', password='"${PW}"'
        )
        + imap_mailbox(dovecot, user, "typo", "[INBOX]", sent_folder="Sent", password='"${PW}"')
        + imap_mailbox(dovecot, user, "refused", "[INBOX]", password="not-the-password"),
    )

    result = run(
        "-c", str(config), "--format", "jsonl", "config", "check", "--connect", env={"PW": password}
    )

    assert result.exit_code == 1, result.stderr
    found = rows(result.stdout)
    assert found[("good", "INBOX")]["status"] == "ok"
    assert found[("good", "INBOX")]["messages"] == 1
    assert found[("good", "Sent Items")]["status"] == "ok"
    assert found[("typo", "Sent")]["status"] == "missing"
    assert "did you mean 'Sent Items'" in found[("typo", "Sent")]["detail"]
    assert found[("refused", None)]["status"] == "failed"
    assert "refused the login" in found[("refused", None)]["detail"]
    assert password not in result.stdout + result.stderr
    assert "not-the-password" not in result.stdout + result.stderr
    assert "3 folder(s) ok, 2 failed" in result.stderr
    # Checking must not sync: the store is not even created.
    assert not (tmp_path / "check.db").exists()


@pytest.mark.dovecot
def test_without_connect_imap_folders_are_skipped_and_the_exit_is_clean(
    run: Run, tmp_path: Path, dovecot: DovecotServer, fresh_dovecot_user: str
) -> None:
    config = write_config(
        tmp_path, imap_mailbox(dovecot, fresh_dovecot_user, "support", "[INBOX]", password="x")
    )
    result = run("-c", str(config), "--format", "jsonl", "config", "check")
    assert result.exit_code == 0, result.stderr
    assert rows(result.stdout)[("support", "INBOX")]["status"] == "skipped"


def test_local_maildir_folders_are_read_and_a_missing_one_named(run: Run, tmp_path: Path) -> None:
    for folder in ("INBOX", "Archive/2025"):
        for sub in ("cur", "new", "tmp"):
            (tmp_path / "mail" / folder / sub).mkdir(parents=True)
    (tmp_path / "mail" / "INBOX" / "cur" / "1.host:2,S").write_bytes(b"Subject: x\r\n\r\nx\r\n")
    config = write_config(
        tmp_path, "  - {name: archive, maildir: mail, folders: [INBOX, Archive/2024]}\n"
    )

    result = run("-c", str(config), "--format", "jsonl", "config", "check")

    assert result.exit_code == 1
    found = rows(result.stdout)
    assert found[("archive", "INBOX")]["messages"] == 1
    assert found[("archive", "Archive/2024")]["status"] == "missing"
    assert "did you mean 'Archive/2025'" in found[("archive", "Archive/2024")]["detail"]


def test_an_unset_password_fails_its_mailbox_and_an_unknown_mailbox_is_refused(
    run: Run, tmp_path: Path
) -> None:
    config = write_config(
        tmp_path,
        "  - {name: support, host: imap.example.com, username: u, password: '${NOT_SET}',"
        " folders: [INBOX]}\n",
    )
    missing_secret = run("-c", str(config), "--format", "jsonl", "config", "check")
    assert missing_secret.exit_code == 1
    detail = rows(missing_secret.stdout)[("support", None)]["detail"]
    assert detail.startswith(f"{config}:4:")
    assert "NOT_SET is not set" in detail

    unknown = run("-c", str(config), "config", "check", "--mailbox", "nope")
    assert unknown.exit_code == 2
    assert "no mailbox named 'nope'" in unknown.stderr
