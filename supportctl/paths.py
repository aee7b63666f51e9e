"""Where supportctl looks for its config and keeps its data by default (XDG on Unix)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

CONFIG_ENV = "SUPPORTCTL_CONFIG"
LOCAL_CONFIG_NAME = "supportctl.yaml"


def user_config_dir(environ: Mapping[str, str] = os.environ) -> Path:
    base = environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "supportctl"


def user_data_dir(environ: Mapping[str, str] = os.environ) -> Path:
    base = environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "supportctl"


def config_candidates(
    explicit: str | None, environ: Mapping[str, str] = os.environ, cwd: Path | None = None
) -> list[tuple[Path, str]]:
    """The places a config is looked for, in order, each with how it was chosen:
    ``-c``, ``$SUPPORTCTL_CONFIG``, ``./supportctl.yaml``, the user's config dir."""
    if explicit:
        return [(Path(explicit), "-c/--config")]
    if environ.get(CONFIG_ENV):
        return [(Path(environ[CONFIG_ENV]), f"${CONFIG_ENV}")]
    here = (cwd or Path.cwd()) / LOCAL_CONFIG_NAME
    return [
        (here, "the current directory"),
        (user_config_dir(environ) / "config.yaml", "the user config dir"),
    ]


def default_store_url(environ: Mapping[str, str] = os.environ) -> str:
    return f"sqlite://{user_data_dir(environ) / 'support.db'}"
