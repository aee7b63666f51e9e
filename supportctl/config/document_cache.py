"""A file cache of checked configs, so that a command run on an unchanged config skips
YAML, the schema and the checks of meaning.

Reading and checking a config costs about 100 ms (PyYAML's import, the schema walk, the
checks of meaning with their zone and holiday tables), and cron runs supportctl every
few minutes on a file that rarely changes. So once a config has passed, its checked
document (the data as the schema left it, and where each key and value stands, for
error messages about secrets) is kept in ``$XDG_CACHE_HOME/supportctl/configs/``
(default ``~/.cache``) with what it was checked from: the file's exact text and the
state of the code and packages that checked it (the files of ``supportctl.config``,
``supportctl.timekit.spec``, pytz and holidays). Anything else is a miss, and the file
is read and checked again.

Never kept: a config that failed, and a config holding a literal secret (a password
that is not a ``${VAR}`` reference, a store URL with a password in it), so that no
copy of a secret is written anywhere but the config itself. The cache is an
optimisation only: an entry that cannot be read, parsed or written is ignored.
"""

from __future__ import annotations

import json
import os
import re
import zlib
from collections.abc import Mapping
from contextlib import suppress
from pathlib import Path
from typing import Any

from supportctl.config.source import Document

_CHECKER_PACKAGES = ("pytz", "holidays")  # zone names, country and subdivision codes
# Entries kept at most (one per config file): the least recently used go first, so that
# configs in passing (tests, CI checkouts) do not pile up.
MAX_ENTRIES = 32
_REFERENCE_ONLY = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}")
_URL_WITH_PASSWORD = re.compile(r"^[a-z][a-z0-9+.-]*://[^/@]*:[^/@]*@", re.IGNORECASE)


def load(path: Path, text: str, environ: Mapping[str, str]) -> Document | None:
    """The checked document of ``path`` when it was kept for exactly ``text`` by the
    same code, else None."""
    cache_file = _cache_file(path, environ)
    try:
        entry = json.loads(cache_file.read_text(encoding="utf-8"))
        if entry["text"] != text or entry["fingerprint"] != _fingerprint():
            return None
        document = Document(
            file=str(path),
            data=entry["data"],
            value_marks=_marks_from_json(entry["value_marks"]),
            key_marks=_marks_from_json(entry["key_marks"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    with suppress(OSError):
        os.utime(cache_file)  # recently used: kept when older entries go
    return document


def store(path: Path, text: str, document: Document, environ: Mapping[str, str]) -> None:
    """Keep ``document``, checked without errors from ``text``, for later runs (unless
    it holds a literal secret)."""
    if _holds_literal_secret(document.data):
        return
    entry = {
        "text": text,
        "fingerprint": _fingerprint(),
        "data": document.data,
        "value_marks": _marks_to_json(document.value_marks),
        "key_marks": _marks_to_json(document.key_marks),
    }
    try:
        encoded = json.dumps(entry, ensure_ascii=False)
    except (TypeError, ValueError):
        return  # a value JSON cannot hold (YAML's !!binary): check it again next time
    cache_file = _cache_file(path, environ)
    _write_atomically(cache_file, encoded)
    _forget_least_used(cache_file.parent)


def _cache_file(path: Path, environ: Mapping[str, str]) -> Path:
    base = environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    location = str(path.absolute())
    # One entry per config file, named after its path (the entry holds the whole text).
    name = f"{path.stem}-{zlib.crc32(location.encode()):08x}.json"
    return Path(base) / "supportctl" / "configs" / name


def _fingerprint() -> list[list[Any]]:
    """Name, size and modification time of every file whose change could change a
    check's verdict: a new release, an edited checker, an upgraded pytz or holidays."""
    import importlib.util

    package = Path(__file__).parent
    files = sorted([*package.glob("*.py"), package / "schema.json"])
    files.append(package.parent / "timekit" / "spec.py")
    for name in _CHECKER_PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin is not None:
            files.append(Path(spec.origin))
    stamps = []
    for file in files:
        try:
            stat = file.stat()
        except OSError:
            continue
        stamps.append([str(file), stat.st_size, stat.st_mtime_ns])
    return stamps


def _holds_literal_secret(data: Any) -> bool:
    mailboxes = data.get("mailboxes") or []
    passwords = [m["password"] for m in mailboxes if isinstance(m, dict) and "password" in m]
    if any(not _REFERENCE_ONLY.fullmatch(str(password)) for password in passwords):
        return True
    store_url = data.get("store")
    return isinstance(store_url, str) and bool(_URL_WITH_PASSWORD.match(store_url))


def _marks_to_json(marks: Mapping[tuple[Any, ...], tuple[int, int]]) -> list[list[Any]]:
    return [[list(path), line, column] for path, (line, column) in marks.items()]


def _marks_from_json(rows: list[list[Any]]) -> dict[tuple[Any, ...], tuple[int, int]]:
    return {tuple(path): (line, column) for path, line, column in rows}


def _forget_least_used(directory: Path) -> None:
    with suppress(OSError):  # another run pruning at once: the next miss tries again
        entries = sorted(directory.glob("*.json"), key=lambda entry: entry.stat().st_mtime_ns)
        for entry in entries[:-MAX_ENTRIES]:
            entry.unlink(missing_ok=True)


def _write_atomically(target: Path, text: str) -> None:
    """Write through a temporary file and ``os.replace``: concurrent runs at worst each
    write the same entry, and a reader never sees half of one."""
    temporary = target.with_name(f".{target.name}.{os.getpid()}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, target)
    except OSError:
        temporary.unlink(missing_ok=True)
