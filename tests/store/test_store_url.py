"""Store URLs, password masking and ? translation: pure functions, no database."""

from __future__ import annotations

from pathlib import Path

import pytest

from supportctl.errors import StoreError
from supportctl.store.postgres import advisory_lock_key, to_pyformat
from supportctl.store.url import StoreLocation, mask_url, parse_store_url


def test_sqlite_url_with_three_slashes_is_an_absolute_path() -> None:
    location = parse_store_url("sqlite:///var/lib/supportctl/support.db")

    assert location == StoreLocation(
        dialect="sqlite",
        target="/var/lib/supportctl/support.db",
        display="sqlite:///var/lib/supportctl/support.db",
    )


@pytest.mark.parametrize("url", ["sqlite:data/support.db", "data/support.db", "./data/support.db"])
def test_sqlite_relative_forms_resolve_against_the_working_directory(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    location = parse_store_url(url)

    assert location.dialect == "sqlite"
    assert location.target == str(tmp_path / "data" / "support.db")
    assert location.display == f"sqlite://{tmp_path}/data/support.db"


def test_sqlite_url_path_is_percent_decoded() -> None:
    assert parse_store_url("sqlite:///srv/my%20support.db").target == "/srv/my support.db"


def test_bare_path_expands_the_home_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "/home/ann")

    assert parse_store_url("~/support.db").target == "/home/ann/support.db"


def test_sqlite_url_naming_a_host_is_refused() -> None:
    with pytest.raises(StoreError) as caught:
        parse_store_url("sqlite://server/support.db")

    assert str(caught.value) == (
        "SQLite URL 'sqlite://server/support.db' names a host"
        " (use sqlite:///absolute/path.db or sqlite:relative/path.db)"
    )


def test_unknown_scheme_is_refused_with_its_password_masked() -> None:
    with pytest.raises(StoreError) as caught:
        parse_store_url("mysql://ann:hunter2@db.example.com/support")

    assert str(caught.value) == (
        "unsupported store URL scheme 'mysql' in mysql://ann:***@db.example.com/support"
        " (use sqlite:///path/to/support.db or postgresql://user@host/db)"
    )


@pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
def test_postgres_schemes_keep_the_url_and_mask_the_password(scheme: str) -> None:
    url = f"{scheme}://ann:p%40ss@db.example.com:5433/support?sslmode=require"

    location = parse_store_url(url)

    assert location.dialect == "postgresql"
    assert location.target == url
    assert location.display == f"{scheme}://ann:***@db.example.com:5433/support?sslmode=require"
    assert set(location.secrets) == {"p%40ss", "p@ss"}


def test_password_in_the_query_is_masked_and_scrubbed_too() -> None:
    location = parse_store_url("postgresql://ann@db/support?password=hunter2&sslmode=require")

    assert location.display == "postgresql://ann@db/support?password=***&sslmode=require"
    assert location.redact("auth failed for hunter2") == "auth failed for ***"


def test_mask_url_leaves_a_url_without_password_alone() -> None:
    url = "postgresql://ann@db.example.com/support?options=-csearch_path%3Dsupport"

    assert mask_url(url) == url


def test_redact_scrubs_the_longer_secret_whole() -> None:
    location = parse_store_url("postgresql://ann:ab@db/support?password=abcd")

    assert location.redact("got abcd and ab") == "got *** and ***"


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT * FROM t WHERE a = ? AND b = ?", "SELECT * FROM t WHERE a = %s AND b = %s"),
        ("SELECT 1 WHERE a LIKE '50%'", "SELECT 1 WHERE a LIKE '50%%'"),
        ("SELECT 100 % 7, ?", "SELECT 100 %% 7, %s"),
        ("SELECT 'why?' || ?", "SELECT 'why?' || %s"),
        ("SELECT 'it''s ?' || ?", "SELECT 'it''s ?' || %s"),
        ('SELECT "odd?name" FROM t WHERE x = ?', 'SELECT "odd?name" FROM t WHERE x = %s'),
        ("SELECT ? -- is it?\n, ?", "SELECT %s -- is it?\n, %s"),
        ("SELECT /* one? 5% */ ?", "SELECT /* one? 5%% */ %s"),
    ],
)
def test_to_pyformat_rewrites_only_bare_placeholders(sql: str, expected: str) -> None:
    assert to_pyformat(sql) == expected


def test_advisory_lock_key_never_changes() -> None:
    # Two supportctl versions running side by side must agree on the key.
    assert advisory_lock_key("public/mailbox:support") == -3782193718862389241
