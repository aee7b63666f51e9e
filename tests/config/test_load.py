"""Loading the config: bad input, secrets, discovery, ``show``, ``init``, ``schema``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from supportctl.config import find_config, load_config, load_schema
from supportctl.config.secrets import mailbox_password, read_password
from supportctl.errors import ConfigError, SecretError
from tests.conftest import EXAMPLE_CONFIG, Run

# -- bad input: one clear line, exit 2, never a traceback ---------------------------


def _one_line_exit_2(run: Run, path: Path, expected: str) -> None:
    result = run("config", "validate", str(path))
    assert result.exit_code == 2
    output = (result.stdout + result.stderr).strip().splitlines()
    problem_lines = [line for line in output if expected in line]
    assert len(problem_lines) == 1, output
    assert "Traceback" not in result.stdout + result.stderr


def test_missing_file(run: Run, tmp_path: Path) -> None:
    result = run("config", "validate", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 2
    assert (
        result.stderr == f"supportctl: error: config file {tmp_path / 'nope.yaml'} does not exist\n"
    )


def test_binary_junk(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "junk.yaml"
    path.write_bytes(b"version: 1\ntimezone: \x00\x01\x02\xff\xfe\n")
    _one_line_exit_2(run, path, f"{path}:2:11: (root): binary or non-UTF-8 content (byte 0x00)")


def test_non_utf8_text(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("version: 1\ntimezone: Europe/Zürich\n".encode("latin-1"))
    _one_line_exit_2(run, path, f"{path}:2:19: (root): binary or non-UTF-8 content (byte 0xfc)")


def test_fifty_megabyte_file_is_refused_without_reading_it(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:
        handle.write(b"version: 1\n")
        handle.truncate(50 * 1024 * 1024)
    _one_line_exit_2(run, path, "the file is 50.0 MB; a config is at most 5 MB")


def test_duplicate_key_is_reported_not_silently_dropped(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text("version: 1\ntimezone: Asia/Riyadh\nlanguage: ar\ntimezone: Africa/Cairo\n")
    _one_line_exit_2(
        run, path, f"{path}:4:1: timezone: duplicate key 'timezone' (first given on line 2)"
    )


def test_unknown_version(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "v2.yaml"
    path.write_text("version: 2\n")
    _one_line_exit_2(
        run, path, "version: must be 1 (the only config version this supportctl reads), not 2"
    )


def test_verbose_shows_traceback_only_for_unexpected_errors(run: Run, tmp_path: Path) -> None:
    result = run("-v", "config", "validate", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_a_command_needing_the_config_reports_the_first_error_with_its_place(
    run: Run, tmp_path: Path
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("version: 1\ntimezone: Mars/Olympus\nlanguage: fr\n")
    result = run("-c", str(path), "config", "show")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"supportctl: error: {path}:2:11: timezone: unknown time zone")
    assert "1 more error(s)" in result.stderr
    assert len(result.stderr.splitlines()) == 1


# -- secrets ------------------------------------------------------------------------


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "supportctl.yaml"
    path.write_text(text)
    return path


MAILBOX = "version: 1\nmailboxes:\n  - {{name: s, host: h, username: u, {secret}}}\n"


def test_variable_and_default_are_interpolated(tmp_path: Path) -> None:
    path = _write(
        tmp_path, MAILBOX.format(secret='password: "${PW}-${OTHER:-fallback}-$${literal}"')
    )
    config = load_config(path, {"PW": "hunter2"})
    assert config.mailboxes[0].password == "hunter2-fallback-${literal}"


def test_missing_password_variable_is_raised_when_the_password_is_needed(tmp_path: Path) -> None:
    path = _write(tmp_path, MAILBOX.format(secret='password: "${IMAP_PW}"'))
    config = load_config(path, {})  # planning a meeting needs no mail secret
    with pytest.raises(SecretError) as caught:
        mailbox_password(config.mailboxes[0])
    assert str(caught.value) == (
        f"{path}:3:47: mailboxes[0].password: environment variable IMAP_PW is not set "
        "(export IMAP_PW=... before running)"
    )


def test_missing_variable_outside_a_mailbox_password_fails_the_load(tmp_path: Path) -> None:
    path = _write(tmp_path, 'version: 1\nstore: "${DATABASE_URL}"\n')
    with pytest.raises(SecretError) as caught:
        load_config(path, {})
    assert str(caught.value).startswith(f"{path}:2:8: store: environment variable DATABASE_URL")


def test_password_command_and_file(tmp_path: Path) -> None:
    secret_file = tmp_path / "pw"
    secret_file.write_text("from-file\nsecond line\n")
    assert (
        read_password(
            mailbox="s", password=None, password_command="printf 'from-cmd\\nx'", password_file=None
        )
        == "from-cmd"
    )
    assert (
        read_password(
            mailbox="s", password=None, password_command=None, password_file=str(secret_file)
        )
        == "from-file"
    )


def test_password_command_failure_never_shows_its_output(tmp_path: Path) -> None:
    with pytest.raises(SecretError) as caught:
        read_password(
            mailbox="s",
            password=None,
            password_command="echo topsecret; exit 3",
            password_file=None,
        )
    assert str(caught.value) == (
        "mailbox s: password_command exited with status 3 (run it by hand to see why)"
    )
    with pytest.raises(SecretError, match="cannot read password_file"):
        read_password(
            mailbox="s", password=None, password_command=None, password_file=str(tmp_path / "x")
        )


def test_config_show_masks_every_secret(run: Run, tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "version: 1\nstore: postgresql://app:dbsecret@127.0.0.1/test\n"
        + 'mailboxes:\n  - {name: s, host: h, username: u, password: "${PW}"}\n',
    )
    result = run("-c", str(path), "--format", "json", "config", "show", env={"PW": "imapsecret"})
    assert result.exit_code == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["mailboxes"][0]["password"] == "***"
    assert shown["store"] == "postgresql://app:***@127.0.0.1/test"
    assert "imapsecret" not in result.stdout + result.stderr
    assert "dbsecret" not in result.stdout + result.stderr


def test_config_show_fills_in_defaults(run: Run, tmp_path: Path) -> None:
    path = _write(
        tmp_path, "version: 1\nmailboxes:\n  - {name: s, host: h, username: u, password: p}\n"
    )
    shown = yaml.safe_load(run("-c", str(path), "config", "show").stdout)
    mailbox = shown["mailboxes"][0]
    assert (mailbox["port"], mailbox["security"], mailbox["folders"]) == (993, "tls", ["INBOX"])
    assert mailbox["after_reply"] == "pending"
    assert mailbox["thread_window"] == "14d"
    assert shown["timezone"] == "UTC"
    assert shown["store"] == f"sqlite://{tmp_path / 'xdg-data' / 'supportctl' / 'support.db'}"


def test_relative_paths_resolve_against_the_config_folder(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "version: 1\nstore: sqlite:data/s.db\nmailboxes:\n  - {name: d, maildir: mail}\n"
    )
    config = load_config(path, {})
    assert config.store == f"sqlite://{tmp_path / 'data' / 's.db'}"
    assert config.mailboxes[0].maildir == str(tmp_path / "mail")


# -- discovery ----------------------------------------------------------------------


def test_discovery_order(tmp_path: Path) -> None:
    local = _write(tmp_path, "version: 1\n")
    user = tmp_path / "xdg" / "supportctl" / "config.yaml"
    user.parent.mkdir(parents=True)
    user.write_text("version: 1\n")
    env_file = tmp_path / "env.yaml"
    env_file.write_text("version: 1\n")
    environ = {"XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    both = {**environ, "SUPPORTCTL_CONFIG": str(env_file)}
    assert find_config(str(local), both, tmp_path) == local
    assert find_config(None, both, tmp_path) == env_file
    assert find_config(None, environ, tmp_path) == local
    local.unlink()
    assert find_config(None, environ, tmp_path) == user
    user.unlink()
    with pytest.raises(ConfigError, match="no config file found"):
        find_config(None, environ, tmp_path)


def test_explicit_config_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"config file .*x\.yaml \(from -c/--config\) does not exist"
    ):
        find_config(str(tmp_path / "x.yaml"), {}, tmp_path)


# -- init and schema ----------------------------------------------------------------


def test_init_writes_a_config_that_validates(run: Run, tmp_path: Path) -> None:
    result = run("config", "init")
    assert result.exit_code == 0
    written = tmp_path / "supportctl.yaml"
    assert written.read_text() == EXAMPLE_CONFIG.read_text()
    assert run("config", "validate").exit_code == 0
    again = run("config", "init")
    assert again.exit_code == 2
    assert "already exists" in again.stderr
    assert run("config", "init", "--force").exit_code == 0


def test_init_to_stdout(run: Run) -> None:
    result = run("config", "init", "-")
    assert result.stdout == EXAMPLE_CONFIG.read_text()


def test_schema_command_prints_the_schema(run: Run) -> None:
    result = run("config", "schema")
    assert json.loads(result.stdout) == load_schema()
