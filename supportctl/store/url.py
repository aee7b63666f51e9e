"""Store URLs: which database a URL names, and how to show it without its password.

Accepted forms::

    sqlite:///var/lib/supportctl/support.db   absolute path
    sqlite:data/support.db                   path relative to the working directory
    data/support.db                          a bare path is SQLite too
    postgresql://user:pw@host:5432/db?options=-csearch_path%3Dsupport
    postgres://...                           same as postgresql://
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import SplitResult, parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from supportctl.errors import StoreError

MASK = "***"
POSTGRES_SCHEMES = ("postgresql", "postgres")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
# libpq reads these query parameters as credentials; they are masked like the netloc password.
_SECRET_QUERY_KEYS = frozenset({"password", "sslpassword"})


@dataclass(frozen=True)
class StoreLocation:
    """Where a store lives, parsed from its URL.

    ``target`` is the filesystem path for SQLite and the libpq connection URL for
    PostgreSQL; ``display`` is safe to print; ``secrets`` are the strings to scrub from
    any message that might echo them.
    """

    dialect: str
    target: str
    display: str
    secrets: tuple[str, ...] = ()

    def redact(self, text: str) -> str:
        """``text`` with every secret of this location replaced by ``***``."""
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text


def parse_store_url(url: str) -> StoreLocation:
    """Parse a store URL or bare path; raise StoreError for a scheme we do not serve.

    >>> parse_store_url("postgresql://ann:pw@db/support").display
    'postgresql://ann:***@db/support'
    """
    match = _SCHEME.match(url)
    scheme = match.group(1).lower() if match else None
    if scheme is None:
        return _sqlite_location(url)
    if scheme == "sqlite":
        return _sqlite_location(_sqlite_url_path(url))
    if scheme in POSTGRES_SCHEMES:
        return _postgres_location(url)
    raise StoreError(
        f"unsupported store URL scheme {scheme!r} in {mask_url(url)}",
        hint="use sqlite:///path/to/support.db or postgresql://user@host/db",
    )


def mask_url(url: str) -> str:
    """``url`` with its password (in the netloc or the query) replaced by ``***``.

    >>> mask_url("postgresql://ann:pw@db/support?sslmode=require")
    'postgresql://ann:***@db/support?sslmode=require'
    """
    parts = _split(url)
    netloc = parts.netloc
    if parts.password is not None:
        userinfo, _, hostport = netloc.rpartition("@")
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}:{MASK}@{hostport}"
    query = parts.query
    if any(key in _SECRET_QUERY_KEYS for key, _ in parse_qsl(query)):
        query = urlencode(
            [
                (key, MASK if key in _SECRET_QUERY_KEYS else value)
                for key, value in parse_qsl(query, keep_blank_values=True)
            ],
            safe="*",
        )
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def _split(url: str) -> SplitResult:
    try:
        return urlsplit(url)
    except ValueError as error:
        # Not echoing the URL: unparsed, its password cannot be told apart to mask.
        raise StoreError(f"the store URL cannot be parsed: {error}") from error


def _sqlite_url_path(url: str) -> str:
    parts = _split(url)
    if parts.netloc:
        raise StoreError(
            f"SQLite URL {url!r} names a host",
            hint="use sqlite:///absolute/path.db or sqlite:relative/path.db",
        )
    return unquote(parts.path)


def _sqlite_location(path_text: str) -> StoreLocation:
    if not path_text:
        raise StoreError("the store URL names no SQLite file")
    path = Path(path_text).expanduser().absolute()
    return StoreLocation(dialect="sqlite", target=str(path), display=f"sqlite://{path}")


def _postgres_location(url: str) -> StoreLocation:
    parts = _split(url)
    secrets = {value for key, value in parse_qsl(parts.query) if key in _SECRET_QUERY_KEYS}
    if parts.password:
        # Scrub the percent-encoded spelling too: a driver may echo either.
        secrets |= {parts.password, unquote(parts.password)}
    return StoreLocation(
        dialect="postgresql",
        target=url,
        display=mask_url(url),
        # Longest first, so a secret containing another is scrubbed whole.
        secrets=tuple(sorted(secrets - {""}, key=len, reverse=True)),
    )
