"""``supportctl publish --format json`` for three channels against ``import click``.

Target (issue 4): ≤ 3× the wall time of ``python3 -c "import click"``, medians of
interleaved runs. The three channels of config/example.yaml sit on three calendars
(riyadh with SA holidays, cairo with EG holidays, and the overnight desk), so the run
pays for loading the config and working out three calendars' year. The holiday tables
come from the holiday cache (``supportctl.timekit.holiday_cache``) after a first run;
the same command without the cache (importing the holidays package) is shown too.

    python3 benchmarks/bench_publish.py [--runs 20]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.timing import median_walls, supportctl_command

REPO = Path(__file__).resolve().parent.parent
TARGET = 3.0
CHANNELS = ("email", "egypt", "chat")


def publish_command() -> list[str]:
    """The measured command line."""
    channels = [argument for name in CHANNELS for argument in ("--channel", name)]
    config = str(REPO / "config" / "example.yaml")
    return [*supportctl_command(), "-c", config, "publish", "--format", "json", *channels]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    # The example config reads its IMAP password from the environment; a fixed moment
    # makes every run publish the same (Ramadan hours, Eid ahead).
    env = {**os.environ, "SUPPORT_IMAP_PASSWORD": "unused", "SUPPORTCTL_NOW": "2026-03-15T10:00Z"}
    with tempfile.TemporaryDirectory() as cache:
        env["XDG_CACHE_HOME"] = cache
        # The first run fills the holiday cache, as the first run of a cron job does;
        # "cold" runs point the cache at a path that cannot exist, so each pays for the
        # holidays package again.
        subprocess.run(publish_command(), env=env, stdout=subprocess.DEVNULL, check=True)
        medians = median_walls(
            {
                "import click (baseline)": [sys.executable, "-c", "import click"],
                "publish": publish_command(),
                "publish, no holiday cache": [
                    "env",
                    f"XDG_CACHE_HOME={os.devnull}/none",
                    *publish_command(),
                ],
            },
            args.runs,
            env=env,
        )
    baseline = medians.pop("import click (baseline)")
    print(
        f"baseline: python3 -c 'import click'  median {baseline * 1000:.1f} ms ({args.runs} runs)"
    )
    for name, seconds in medians.items():
        ratio = seconds / baseline
        verdict = f"(target ≤ {TARGET}x) {'ok' if ratio <= TARGET else 'OVER'}"
        print(
            f"supportctl {name:<26} {seconds * 1000:6.1f} ms  {ratio:4.2f}x  "
            + (verdict if name == "publish" else "(first run only)")
        )
    return 0 if medians["publish"] / baseline <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
