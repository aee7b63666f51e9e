"""``sla refresh`` over a large store, against a bare pass that writes the same rows.

    python3 benchmarks/bench_sla_refresh.py                      # 100,000 conversations, SQLite
    python3 benchmarks/bench_sla_refresh.py --store postgresql://postgres@127.0.0.1/test
    python3 benchmarks/bench_sla_refresh.py --quick              # 2,000, for tests

The store is filled with conversations spread evenly over 2025-01-01 .. 2026-06-01 in the
example config's mailboxes (email and chat), with random priorities, a tag on one in ten,
a first response for 80 % and a resolution for 60 %; the policies and calendars are the
example config's (Riyadh with SA holidays and the Eid closure, Cairo, the night desk).

The baseline is the database's share of a full refresh: read every conversation in the
same batches and write its five SLA columns back unchanged, one UPDATE per row. Its
median over the runs before and after the refreshes is the denominator of each ratio.
Timed: the first full refresh (every row changes), a forced full refresh (``--all``,
nothing changes) and the overdue-only refresh cron would run.

The PostgreSQL store must be empty or hold only supportctl's tables: its conversations
are replaced.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from supportctl.config import load_config
from supportctl.config.model import Config
from supportctl.store import open_store
from supportctl.store.database import Store
from supportctl.store.sla import BATCH_SIZE, SLA_COLUMNS, SlaRefreshReport, refresh_sla

FULL_CONVERSATIONS = 100_000
QUICK_CONVERSATIONS = 2_000
EXAMPLE = Path(__file__).resolve().parent.parent / "config" / "example.yaml"
NOW = datetime(2026, 6, 1, tzinfo=UTC)
SPREAD = (datetime(2025, 1, 1, tzinfo=UTC), NOW)
MAILBOXES = (("support", "email"), ("billing", "email"), ("egypt", "email"), ("chat", "chat"))
PRIORITIES = ("low", "normal", "normal", "normal", "high", "urgent")
T = TypeVar("T")


@dataclass
class Result:
    conversations: int
    baseline_seconds: float
    runs: dict[str, tuple[float, SlaRefreshReport]]

    def ratio(self, name: str) -> float:
        return self.runs[name][0] / self.baseline_seconds


def example_config(store_url: str) -> Config:
    return replace(load_config(EXAMPLE, {"SUPPORT_IMAP_PASSWORD": "unused"}), store=store_url)


def fill(store: Store, count: int, seed: int) -> None:
    rng = random.Random(seed)
    start, end = (int(instant.timestamp()) for instant in SPREAD)
    rows = []
    for number in range(1, count + 1):
        created = rng.randrange(start, end)
        mailbox, channel = rng.choice(MAILBOXES)
        responded = created + rng.randrange(60, 5 * 86400) if rng.random() < 0.8 else None
        closed = rng.random() < 0.6
        resolved = (responded or created) + rng.randrange(3600, 6 * 86400) if closed else None
        status = "closed" if closed else "open"
        facts = (rng.choice(PRIORITIES), status, created, created, created, responded, resolved)
        rows.append((number, mailbox, channel, *facts))
    with store.transaction() as tx:
        tx.execute("DELETE FROM conversation_tag")
        tx.execute("DELETE FROM conversation")
        tx.execute("DELETE FROM state")
        tx.executemany(
            "INSERT INTO conversation (id, mailbox, channel, priority, status, created_at,"
            " updated_at, last_inbound_at, first_response_at, resolved_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        tx.executemany(
            "INSERT INTO conversation_tag VALUES (?, ?)",
            [(number, "vip") for number in range(1, count + 1, 10)],
        )


def bare_pass(store: Store) -> None:
    """Read every conversation in refresh's batches and write its SLA columns back."""
    columns = ", ".join(SLA_COLUMNS)
    assignments = ", ".join(f"{column} = ?" for column in SLA_COLUMNS)
    last_id = 0
    while True:
        with store.transaction() as tx:
            rows = tx.query(
                f"SELECT id, {columns} FROM conversation WHERE id > ? ORDER BY id LIMIT ?",
                (last_id, BATCH_SIZE),
            )
            tx.executemany(
                f"UPDATE conversation SET {assignments} WHERE id = ?",
                [(*(row[c] for c in SLA_COLUMNS), row["id"]) for row in rows],
            )
        if len(rows) < BATCH_SIZE:
            return
        last_id = rows[-1]["id"]


def timed(action: Callable[[], T]) -> tuple[float, T]:
    started = time.perf_counter()
    value = action()
    return time.perf_counter() - started, value


def run(store_url: str, count: int, seed: int = 1) -> Result:
    config = example_config(store_url)
    with open_store(store_url) as store:
        fill(store, count, seed)
        baselines = [timed(partial(bare_pass, store))[0]]
        runs: dict[str, tuple[float, SlaRefreshReport]] = {}
        for name, everything in (("first full refresh", False), ("forced full refresh", True)):
            runs[name] = timed(partial(refresh_sla, config, store, now=NOW, everything=everything))
            baselines.append(timed(partial(bare_pass, store))[0])
        runs["overdue refresh"] = timed(partial(refresh_sla, config, store, now=NOW))
    return Result(count, statistics.median(baselines), runs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", help="store URL (default: a new SQLite file)")
    parser.add_argument("--quick", action="store_true", help="2,000 conversations")
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args(argv)
    count = QUICK_CONVERSATIONS if options.quick else FULL_CONVERSATIONS
    with tempfile.TemporaryDirectory() as scratch:
        url = options.store or f"sqlite:///{scratch}/bench.db"
        result = run(url, count, options.seed)
    print(
        f"{count:,} conversations; baseline (read + write back every row): "
        f"{result.baseline_seconds:.2f} s"
    )
    for name, (seconds, report) in result.runs.items():
        print(
            f"{name}: {seconds:.2f} s = {result.ratio(name):.2f}x the baseline "
            f"({report.examined:,} examined, {report.changed:,} changed, "
            f"{report.newly_breached:,} newly breached, {report.errors} errors)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
