"""Start-up: ``supportctl --help`` and ``config validate`` against ``import click``.

Targets (issue 2): --help ≤ 1.3× and ``config validate config/example.yaml`` ≤ 3× the
wall time of ``python3 -c "import click"``, medians of 20 interleaved runs.

    python3 benchmarks/bench_startup.py [--runs 20]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.timing import median_walls, supportctl_command

REPO = Path(__file__).resolve().parent.parent
TARGETS = {"--help": 1.3, "--version": 1.3, "config validate": 3.0}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    supportctl = supportctl_command()
    medians = median_walls(
        {
            "import click (baseline)": [sys.executable, "-c", "import click"],
            "--help": [*supportctl, "--help"],
            "--version": [*supportctl, "--version"],
            "config validate": [
                *supportctl,
                "config",
                "validate",
                str(REPO / "config" / "example.yaml"),
            ],
        },
        args.runs,
    )
    baseline = medians.pop("import click (baseline)")
    print(
        f"baseline: python3 -c 'import click'  median {baseline * 1000:.1f} ms ({args.runs} runs)"
    )
    failed = False
    for name, seconds in medians.items():
        ratio = seconds / baseline
        ok = ratio <= TARGETS[name]
        failed |= not ok
        print(
            f"supportctl {name:<16} {seconds * 1000:6.1f} ms  {ratio:4.2f}x  "
            f"(target ≤ {TARGETS[name]}x) {'ok' if ok else 'OVER'}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
