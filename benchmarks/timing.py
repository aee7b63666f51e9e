"""Wall-clock helpers shared by the benchmarks: medians of interleaved runs, so that a
noisy machine slows baseline and candidate alike and their ratio holds."""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path


def supportctl_command() -> list[str]:
    """The installed console script beside this interpreter (not a pyenv shim, whose
    own start-up would blur the figure), else ``python -m supportctl``."""
    beside = Path(sys.executable).parent / "supportctl"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("supportctl")
    return [found] if found else [sys.executable, "-m", "supportctl"]


def median_walls(
    commands: dict[str, Sequence[str]], runs: int, env: dict[str, str] | None = None
) -> dict[str, float]:
    """Median wall time in seconds of each command, the commands run round-robin."""
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, argv in commands.items():
            started = time.perf_counter()
            subprocess.run(
                argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False
            )
            samples[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in samples.items()}


def median_seconds(contenders: dict[str, Callable[[], object]], rounds: int) -> dict[str, float]:
    """Median seconds of each in-process callable over ``rounds`` rounds; the order is
    reversed every other round, so none always inherits a warm (or cold) cache."""
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for round_number in range(rounds):
        order = list(contenders) if round_number % 2 == 0 else list(reversed(contenders))
        for name in order:
            started = time.perf_counter()
            contenders[name]()
            samples[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in samples.items()}
