"""Fixtures of the triage tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from supportctl.config.model import Config
from tests.triage.seed import load, write_config


@pytest.fixture
def config(tmp_path: Path, store_url: str) -> Config:
    """The seed config (a Riyadh team, round robin) for the store at ``store_url``."""
    return load(write_config(tmp_path, store_url))
