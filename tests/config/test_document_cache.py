"""The cache of checked configs: used only for the very text and code it was made from,
never holding a secret, never growing without bound."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from supportctl.config import document_cache, load_config
from supportctl.config.secrets import mailbox_password
from supportctl.errors import ConfigError, SecretError
from tests.conftest import EXAMPLE_CONFIG

TEAM = "version: 1\ntimezone: {zone}\nteam:\n  - {{id: omar, name: Omar}}\n"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"XDG_CACHE_HOME": str(tmp_path / "cache"), "SUPPORT_IMAP_PASSWORD": "s3cret"}


def _entries(env: dict[str, str]) -> list[Path]:
    return sorted((Path(env["XDG_CACHE_HOME"]) / "supportctl" / "configs").glob("*.json"))


def _write(tmp_path: Path, text: str, name: str = "supportctl.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_an_unchanged_config_loads_again_without_yaml(
    tmp_path: Path, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path, EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    first = load_config(path, env)
    monkeypatch.setitem(sys.modules, "yaml", None)  # "import yaml" fails from here on
    assert load_config(path, env) == first
    (entry,) = _entries(env)
    assert "s3cret" not in entry.read_text(encoding="utf-8")


def test_an_edit_that_keeps_size_and_time_is_checked_again(
    tmp_path: Path, env: dict[str, str]
) -> None:
    path = _write(tmp_path, TEAM.format(zone="Asia/Riyadh"))
    assert load_config(path, env).timezone == "Asia/Riyadh"
    stamp = path.stat()
    path.write_text(TEAM.format(zone="Asia/Riyadx"), encoding="utf-8")
    os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    with pytest.raises(ConfigError, match="unknown time zone 'Asia/Riyadx'"):
        load_config(path, env)


def test_an_entry_serves_only_the_code_that_checked_it(tmp_path: Path, env: dict[str, str]) -> None:
    path = _write(tmp_path, TEAM.format(zone="Asia/Riyadh"))
    load_config(path, env)
    (entry,) = _entries(env)
    kept = json.loads(entry.read_text(encoding="utf-8"))
    kept["data"]["timezone"] = "Europe/Paris"  # stands for what an older checker let in
    entry.write_text(json.dumps(kept), encoding="utf-8")
    assert load_config(path, env).timezone == "Europe/Paris"  # the entry is what loads
    kept["fingerprint"][0][2] += 1  # a checker file changed since
    entry.write_text(json.dumps(kept), encoding="utf-8")
    assert load_config(path, env).timezone == "Asia/Riyadh"


def test_a_damaged_entry_is_ignored_and_written_anew(tmp_path: Path, env: dict[str, str]) -> None:
    path = _write(tmp_path, TEAM.format(zone="Asia/Riyadh"))
    load_config(path, env)
    (entry,) = _entries(env)
    entry.write_text('{"text": ', encoding="utf-8")
    assert load_config(path, env).timezone == "Asia/Riyadh"
    assert json.loads(entry.read_text(encoding="utf-8"))["data"]["timezone"] == "Asia/Riyadh"


@pytest.mark.parametrize(
    "text",
    [
        "version: 1\nmailboxes:\n  - {name: s, host: h, username: u, password: hunter2}\n",
        'version: 1\nmailboxes:\n  - {name: s, host: h, username: u, password: "${PW:-hunter2}"}\n',
        "version: 1\nstore: postgresql://support:hunter2@db.example.com/support\n",
    ],
)
def test_a_config_holding_a_literal_secret_is_never_kept(
    tmp_path: Path, env: dict[str, str], text: str
) -> None:
    load_config(_write(tmp_path, text), env)
    assert _entries(env) == []


def test_a_missing_secret_is_placed_as_exactly_from_the_cache(
    tmp_path: Path, env: dict[str, str]
) -> None:
    path = _write(
        tmp_path, 'version: 1\nmailboxes:\n  - {name: s, host: h, username: u, password: "${PW}"}\n'
    )
    messages = []
    for _ in range(2):  # read and checked, then from the cache
        with pytest.raises(SecretError) as caught:
            mailbox_password(load_config(path, env).mailboxes[0])
        messages.append(str(caught.value))
    assert len(_entries(env)) == 1
    assert messages[0] == messages[1]
    assert messages[0].startswith(f"{path}:3:47: mailboxes[0].password: environment variable PW")


def test_the_least_recently_used_entries_go_first(tmp_path: Path, env: dict[str, str]) -> None:
    for number in range(document_cache.MAX_ENTRIES):
        load_config(_write(tmp_path, TEAM.format(zone="Asia/Riyadh"), f"c{number}.yaml"), env)
    for entry in _entries(env):  # c0 the oldest, then c1, ...
        age = int(entry.name.split("-")[0].removeprefix("c"))
        os.utime(entry, (1_000_000_000 + age, 1_000_000_000 + age))
    load_config(tmp_path / "c0.yaml", env)  # used again: now the most recent
    load_config(_write(tmp_path, TEAM.format(zone="Asia/Riyadh"), "new.yaml"), env)
    names = {entry.name.split("-")[0] for entry in _entries(env)}
    assert len(names) == document_cache.MAX_ENTRIES
    assert {"c0", "new"} <= names and "c1" not in names
