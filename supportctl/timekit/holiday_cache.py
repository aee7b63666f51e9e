"""A file cache of the holidays package's tables, so that most runs need not import it.

``import holidays`` and the first country cost about 150 ms: the package imports every
country's module. Its tables are a pure function of the package version and the
question (country, subdivision, categories, year, language), so they are kept as JSON
in ``$XDG_CACHE_HOME/supportctl/holidays-<version>.json`` (default ``~/.cache``). A new
package version starts a new file. The cache is an optimisation only: a file that
cannot be read, parsed or written is ignored, and the package is asked instead.

Values are whatever JSON the caller stores; writes are atomic (temporary file and
``os.replace``), so concurrent runs at worst each write the same answers.
"""

from __future__ import annotations

import importlib.util
import json
import os
from functools import cache
from pathlib import Path
from typing import Any

CACHE_ENV = "XDG_CACHE_HOME"


def load(key: str) -> Any | None:
    """The value stored under ``key``, or None."""
    return _entries().get(key)


def store(key: str, value: Any) -> None:
    """Keep ``value`` (plain JSON data) under ``key`` for later runs."""
    import tempfile  # here, not at the top: it costs ~15 ms of start-up

    path = _cache_file()
    if path is None:
        return
    entries = _entries()
    entries[key] = value
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    except OSError:
        return  # no cache here: the next run asks the package again
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            json.dump(entries, stream, ensure_ascii=False)
        os.replace(temporary, path)
    except OSError:
        Path(temporary).unlink(missing_ok=True)


@cache
def _entries() -> dict[str, Any]:
    path = _cache_file()
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _cache_file() -> Path | None:
    version = _package_version()
    if version is None:
        return None
    base = os.environ.get(CACHE_ENV) or str(Path.home() / ".cache")
    return Path(base) / "supportctl" / f"holidays-{version}.json"


def _package_version() -> str | None:
    """The installed package's version: from its ``dist-info`` directory beside it (no
    import), else from ``importlib.metadata``."""
    spec = importlib.util.find_spec("holidays")
    if spec is None or spec.origin is None:
        return None
    site = Path(spec.origin).parent.parent
    found = sorted(site.glob("holidays-*.dist-info"))
    if len(found) == 1:
        return found[0].name.removeprefix("holidays-").removesuffix(".dist-info")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("holidays")
    except PackageNotFoundError:
        return None
