"""``report summary --period 2025`` and ``export messages`` on a store of 1,000,000 messages.

    python3 benchmarks/bench_reports.py              # builds the stores (SQLite, and
                                                    # PostgreSQL when one answers)
    python3 benchmarks/bench_reports.py --sqlite /tmp/reports.db \\
        --postgres 'postgresql://postgres@127.0.0.1/test?options=-csearch_path%3Dreports'
                                                    # stores make_report_store.py built
    python3 benchmarks/bench_reports.py --small      # 2,000 conversations, for tests

Per store, in one run:

- ``supportctl report summary --period 2025 --format json`` (the installed command, a
  process of its own, start-up and config included) against **the floor**: the fastest
  hand-written SQL found for the same figures, run in this process through the bare
  driver (``sqlite3`` or ``psycopg``), with the period's bounds written in. Both sides'
  figures must be equal, or the run fails. Target: ≤ 2×.
- ``supportctl export messages --format csv --output FILE``: rows per second (target
  ≥ 100,000) and the process's peak RSS (target ≤ 100 MB), against the floor of reading
  every message row through the bare driver.

Medians of ``--runs`` interleaved runs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.make_report_store import EXAMPLE, FULL, SMALL, build

REPO = Path(__file__).resolve().parent.parent
# This checkout's supportctl, whatever another installation the PATH may find.
SUPPORTCTL = [sys.executable, "-m", "supportctl"]
# 2025 in Asia/Riyadh (UTC+3 all year), the example config's reports zone.
START, END = 1735678800, 1767214800
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test?options=-csearch_path%3Dbench_reports"
SUMMARY_TARGET, EXPORT_RATE_TARGET, EXPORT_RSS_TARGET_MB = 2.0, 100_000, 100
NOW = "2027-01-01T00:00:00Z"

# The floor, figure by figure, for both databases (they differ in the percentiles only:
# PostgreSQL's percentile_cont, the same formula in Python over SQLite's values).
FLOOR_COHORT = f"""
SELECT COUNT(*) AS created,
  SUM(CASE WHEN COALESCE((SELECT e.old_value FROM event e WHERE e.conversation_id = c.id
    AND e.kind = 'status' ORDER BY e.at, e.id LIMIT 1), c.status) = 'closed' THEN 1 ELSE 0 END)
    AS born_closed,
  SUM(CASE WHEN first_response_breached = 0 THEN 1 ELSE 0 END) AS first_response_met,
  SUM(CASE WHEN first_response_breached = 1 THEN 1 ELSE 0 END) AS first_response_breached,
  SUM(CASE WHEN first_response_due IS NOT NULL AND first_response_breached IS NULL
    THEN 1 ELSE 0 END) AS first_response_running,
  SUM(CASE WHEN resolution_breached = 0 THEN 1 ELSE 0 END) AS resolution_met,
  SUM(CASE WHEN resolution_breached = 1 THEN 1 ELSE 0 END) AS resolution_breached,
  SUM(CASE WHEN resolution_due IS NOT NULL AND resolution_breached IS NULL
    THEN 1 ELSE 0 END) AS resolution_running
FROM conversation c WHERE created_at >= {START} AND created_at < {END}"""
FLOOR_EVENTS = f"""
SELECT SUM(CASE WHEN old_value <> 'closed' AND new_value = 'closed' THEN 1 ELSE 0 END)
    AS closed,
  SUM(CASE WHEN old_value = 'closed' AND new_value <> 'closed' THEN 1 ELSE 0 END) AS reopened
FROM event WHERE kind = 'status' AND at >= {START} AND at < {END}"""
FLOOR_MESSAGES = f"""
SELECT SUM(CASE WHEN direction = 'inbound' THEN 1 ELSE 0 END) AS messages_in,
  SUM(CASE WHEN direction = 'outbound' THEN 1 ELSE 0 END) AS messages_out
FROM (SELECT DISTINCT conversation_id, message_id, direction FROM message
  WHERE received_at >= {START} AND received_at < {END} AND conversation_id IS NOT NULL) d"""
FLOOR_BACKLOG = f"""
SELECT COUNT(*) AS backlog FROM conversation c WHERE created_at < {END}
  AND COALESCE((SELECT e.old_value FROM event e WHERE e.conversation_id = c.id
  AND e.kind = 'status' AND e.at >= {END} ORDER BY e.at, e.id LIMIT 1), c.status) <> 'closed'"""
FLOOR_VALUES = f"""
SELECT first_response_at - created_at AS first_response, first_response_business,
  CASE WHEN status = 'closed' THEN resolved_at - created_at END AS resolution,
  CASE WHEN status = 'closed' THEN resolution_business END AS resolution_business,
  (SELECT COUNT(DISTINCT message_id) FROM message m WHERE m.conversation_id = c.id
    AND m.direction = 'outbound') AS replies
FROM conversation c WHERE created_at >= {START} AND created_at < {END}"""
METRICS = ("first_response", "first_response_business", "resolution", "resolution_business",
           "replies")  # fmt: skip


def floor_sqlite(path: str) -> dict[str, Any]:
    import sqlite3

    connection = sqlite3.connect(path)
    try:
        figures = _counts(connection.execute, (FLOOR_COHORT, FLOOR_EVENTS, FLOOR_MESSAGES))
        figures.update(_counts(connection.execute, (FLOOR_BACKLOG,)))
        columns: list[list[int]] = [[] for _ in METRICS]
        for row in connection.execute(FLOOR_VALUES):
            for values, value in zip(columns, row, strict=True):
                if value is not None:
                    values.append(value)
        for metric, values in zip(METRICS, columns, strict=True):
            values.sort()
            figures[metric] = _stats(values)
    finally:
        connection.close()
    return figures


def floor_postgres(url: str) -> dict[str, Any]:
    import psycopg

    # The values once, then one aggregate per metric: twice as fast as one row of five.
    per_metric = " UNION ALL ".join(
        f"SELECT '{m}', COUNT({m}), AVG({m})::float8,"
        f" percentile_cont(0.5) WITHIN GROUP (ORDER BY {m}),"
        f" percentile_cont(0.9) WITHIN GROUP (ORDER BY {m}) FROM v"
        for m in METRICS
    )
    with psycopg.connect(url) as connection:
        figures = _counts(
            connection.execute, (FLOOR_COHORT, FLOOR_EVENTS, FLOOR_MESSAGES, FLOOR_BACKLOG)
        )
        rows = connection.execute(f"WITH v AS MATERIALIZED ({FLOOR_VALUES}) {per_metric}")
        for metric, count, mean, median, p90 in rows.fetchall():
            figures[metric] = (count, median, p90, mean)
    return figures


def _counts(execute: Callable[..., Any], queries: tuple[str, ...]) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for sql in queries:
        cursor = execute(sql)
        names = [column[0] for column in cursor.description]
        figures.update(zip(names, cursor.fetchone(), strict=True))
    return figures


def _stats(ordered: list[int]) -> tuple[int, float, float, float]:
    def percentile(top: int, bottom: int) -> float:
        low, rest = divmod(top * (len(ordered) - 1), bottom)
        value = float(ordered[low])
        return value + (ordered[low + 1] - value) * rest / bottom if rest else value

    return (len(ordered), percentile(1, 2), percentile(9, 10), sum(ordered) / len(ordered))


def summary_figures(document: dict[str, Any]) -> dict[str, Any]:
    """The floor's shape of ``report summary --format json``."""
    (volume,) = document["volume"]
    figures = {name: volume[name] for name in ("created", "reopened", "backlog")}
    figures.update(messages_in=volume["messages_in"], messages_out=volume["messages_out"])
    figures["resolved"] = volume["resolved"]
    for row in document["sla"]:
        for state in ("met", "breached", "running"):
            figures[f"{row['clock']}_{state}"] = row[state]
    for row in document["response"]:
        figures[row["metric"]] = (row["count"], row["median"], row["p90"], row["mean"])
    return figures


def comparable(floor: dict[str, Any]) -> dict[str, Any]:
    """The floor's raw figures as the summary states them (rounded like its table)."""
    figures = dict(floor)
    figures["resolved"] = figures.pop("closed") + figures.pop("born_closed")
    for metric in METRICS:
        count, median, p90, mean = figures[metric]
        if metric == "replies":
            figures[metric] = (count, round(median, 2), round(p90, 2), round(mean, 2))
        else:
            figures[metric] = (count, *(float(round(value)) for value in (median, p90, mean)))
    return {
        key: value if isinstance(value, tuple) else int(value) for key, value in figures.items()
    }


@dataclass
class StoreResult:
    name: str
    summary_seconds: float
    floor_seconds: float
    export_rows: int
    export_seconds: float
    export_rss_mb: float
    read_seconds: float

    @property
    def ratio(self) -> float:
        return self.summary_seconds / self.floor_seconds

    @property
    def rows_per_second(self) -> float:
        return self.export_rows / self.export_seconds


def config_for(store_url: str, directory: Path) -> Path:
    path = directory / "bench.yaml"
    text = EXAMPLE.read_text().replace("store: sqlite:support.db", f"store: {store_url}")
    path.write_text(text)
    return path


# Runs argv[2:] and writes its wall seconds and peak RSS (KB) to the file argv[1].
_LAUNCHER = """
import os, sys, time
started = time.perf_counter()
pid = os.posix_spawnp(sys.argv[2], sys.argv[2:], os.environ)
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as figures:
    figures.write(f"{time.perf_counter() - started} {usage.ru_maxrss}")
sys.exit(os.waitstatus_to_exitcode(status))
"""


def timed_process(argv: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MB) and stdout of one run of ``argv``.

    Started by a small launcher: Linux counts the memory a process had before its exec
    into its peak RSS, and a child of this process (or of a test runner) starts with
    all of its parent's.
    """
    with tempfile.TemporaryDirectory() as scratch:
        figures, out = Path(scratch) / "figures", Path(scratch) / "stdout"
        with out.open("w") as stdout:
            done = subprocess.run(
                [sys.executable, "-c", _LAUNCHER, str(figures), *argv],
                stdout=stdout,
                stderr=subprocess.PIPE,
                env=env,
                text=True,
                check=False,
            )
        if done.returncode:
            raise RuntimeError(f"{' '.join(argv)} failed: {done.stderr}")
        seconds, rss = figures.read_text().split()
        return float(seconds), int(rss) / 1024, out.read_text()


def measure(
    name: str,
    store_url: str,
    floor: Callable[[], dict[str, Any]],
    runs: int,
    read: Callable[[], int],
) -> StoreResult:
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        config = config_for(store_url, directory)
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "SUPPORT_IMAP_PASSWORD": "unused",
            "SUPPORTCTL_NOW": NOW,
        }
        summary = [
            *SUPPORTCTL,
            "-c",
            str(config),
            "--format",
            "json",
            "report",
            "summary",
            "--period",
            "2025",
        ]
        export = [
            *SUPPORTCTL,
            "-c",
            str(config),
            "export",
            "messages",
            "--format",
            "csv",
            "--output",
            str(directory / "messages.csv"),
        ]
        summary_runs, floor_runs, export_runs, read_runs = [], [], [], []
        for _ in range(runs):
            seconds, _, out = timed_process(summary, env)
            summary_runs.append(seconds)
            started = time.perf_counter()
            floor_figures = floor()
            floor_runs.append(time.perf_counter() - started)
            ours, theirs = summary_figures(json.loads(out)), comparable(floor_figures)
            if ours != theirs:
                raise AssertionError(f"{name}: summary {ours} != floor {theirs}")
            export_runs.append(timed_process(export, env)[:2])
            started = time.perf_counter()
            rows = read()
            read_runs.append(time.perf_counter() - started)
    return StoreResult(
        name,
        statistics.median(summary_runs),
        statistics.median(floor_runs),
        rows,
        statistics.median(seconds for seconds, _ in export_runs),
        max(rss for _, rss in export_runs),
        statistics.median(read_runs),
    )


def read_sqlite(path: str) -> Callable[[], int]:
    def read() -> int:
        import sqlite3

        connection = sqlite3.connect(path)
        cursor = connection.execute("SELECT * FROM message")
        count = 0
        while batch := cursor.fetchmany(5000):
            count += len(batch)
        connection.close()
        return count

    return read


def read_postgres(url: str) -> Callable[[], int]:
    def read() -> int:
        import psycopg

        with psycopg.connect(url) as connection, connection.cursor(name="bench_read") as cursor:
            cursor.execute("SELECT * FROM message")
            count = 0
            while batch := cursor.fetchmany(5000):
                count += len(batch)
        return count

    return read


def report(result: StoreResult) -> bool:
    """Print one store's figures; whether they meet the targets."""
    summary_ok = result.ratio <= SUMMARY_TARGET
    rate_ok = result.rows_per_second >= EXPORT_RATE_TARGET
    rss_ok = result.export_rss_mb <= EXPORT_RSS_TARGET_MB
    print(
        f"{result.name}: report summary --period 2025 {result.summary_seconds:.2f} s,"
        f" floor (hand-written SQL, same figures) {result.floor_seconds:.2f} s:"
        f" ratio {result.ratio:.2f}x ({'meets' if summary_ok else 'misses'} the"
        f" {SUMMARY_TARGET:g}x target)"
    )
    print(
        f"{result.name}: export messages --format csv: {result.export_rows:,} rows in"
        f" {result.export_seconds:.2f} s = {result.rows_per_second:,.0f} rows/s"
        f" ({'meets' if rate_ok else 'misses'} {EXPORT_RATE_TARGET:,}),"
        f" peak RSS {result.export_rss_mb:.0f} MB ({'meets' if rss_ok else 'misses'}"
        f" {EXPORT_RSS_TARGET_MB} MB); the bare driver reads the same rows in"
        f" {result.read_seconds:.2f} s ({result.export_seconds / result.read_seconds:.2f}x)"
    )
    return summary_ok and rate_ok and rss_ok


def postgres_reachable(url: str) -> bool:
    try:
        import psycopg

        psycopg.connect(url, connect_timeout=3).close()
    except Exception:  # no driver, no server: the PostgreSQL half is skipped
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite", metavar="PATH", help="an existing SQLite store to use")
    parser.add_argument("--postgres", metavar="URL", help="an existing PostgreSQL store to use")
    parser.add_argument("--small", action="store_true", help="2,000 conversations (tests)")
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args(argv)
    size = SMALL if options.small else FULL
    with tempfile.TemporaryDirectory() as scratch:
        sqlite_path = options.sqlite or f"{scratch}/reports.db"
        postgres_url = options.postgres or PG_DEFAULT
        if not options.sqlite:
            build(f"sqlite:///{sqlite_path}", *size)
        stores = [("sqlite", sqlite_path)]
        if options.postgres or postgres_reachable(postgres_url):
            if not options.postgres:
                _create_schema(postgres_url)
                build(postgres_url, *size)
            stores.append(("postgresql", postgres_url))
        print(f"{size[0]:,} conversations, {size[1]:,} messages; medians of {options.runs} runs")
        met = True
        for name, location in stores:
            url = f"sqlite:///{location}" if name == "sqlite" else location
            floor = partial(floor_sqlite if name == "sqlite" else floor_postgres, location)
            read = (read_sqlite if name == "sqlite" else read_postgres)(location)
            met = report(measure(name, url, floor, options.runs, read)) and met
    return 0 if met else 1


def _create_schema(url: str) -> None:
    import psycopg

    schema = "bench_reports"
    with psycopg.connect(url.split("?")[0], autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")


if __name__ == "__main__":
    sys.exit(main())
