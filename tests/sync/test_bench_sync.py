"""The sync benchmark, run with small counts so that it cannot rot: every figure is
measured and printed with its baseline and verdict."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from benchmarks import bench_sync
from tests.servers.dovecot import DovecotServer

pytestmark = pytest.mark.dovecot
VERDICT = r"(meets|MISSES) the bar of"


def test_initial_sync_is_timed_against_the_fetch_floor(
    dovecot: DovecotServer, tmp_path: Path
) -> None:
    lines = bench_sync.initial_sync(dovecot, tmp_path, 30, rounds=1, postgres=True)
    assert lines[0] == "(a) initial sync of 30 messages, batches of 500; medians of 1"
    assert "floor: imapclient FETCH loop" in lines[1]
    assert "sync() into SQLite" in lines[2]
    assert re.fullmatch(
        rf"  ratio \(sync throughput / floor\): \d+\.\d\d — {VERDICT} 0\.50", lines[3]
    )
    postgres = lines[4:]
    assert postgres[-1].startswith("  ratio") or "not reachable" in postgres[0]


def test_no_change_sync_is_timed_against_status_and_small_folders(
    dovecot: DovecotServer, tmp_path: Path
) -> None:
    lines = bench_sync.no_change_sync(dovecot, tmp_path, 12, small_size=3, rounds=1)
    assert len(lines) == 10
    assert "sync(), 3 messages a folder" in lines[2]
    assert "sync(), 12 messages a folder" in lines[3]
    assert re.fullmatch(rf"  size: 12 / 3 a folder = \d+\.\d\d — {VERDICT} 1\.20", lines[4])
    assert re.fullmatch(rf"  floor: sync / STATUS floor = \d+\.\d\d — {VERDICT} 2\.00", lines[5])
    assert "supportctl -q sync, 12 a folder" in lines[8]
    assert re.fullmatch(rf"  supportctl / STATUS script = \d+\.\d\d — {VERDICT} 2\.00", lines[9])


def test_peak_memory_is_read_from_child_processes(dovecot: DovecotServer, tmp_path: Path) -> None:
    lines = bench_sync.peak_memory(dovecot, tmp_path, 40)
    floor, synced = (float(re.findall(r"([\d.]+) MB", line)[0]) for line in lines[1:])
    assert 5 < floor < 1000 and 5 < synced < 1000
    assert re.search(rf"MB — {VERDICT} 150 MB$", lines[2])


def test_a_count_that_does_not_match_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="3 messages, expected 4"):
        bench_sync.check(3, 4)
