"""The reports benchmark on a small store: it runs, and its hand-written floor computes
exactly the figures ``report summary`` prints (the benchmark fails otherwise)."""

from __future__ import annotations

from functools import partial

from benchmarks import bench_reports
from benchmarks.make_report_store import SMALL, build


def test_the_floor_agrees_with_the_summary(store_url: str) -> None:
    assert build(store_url, *SMALL).errors == 0
    if store_url.startswith("sqlite://"):
        path = store_url.removeprefix("sqlite://")
        floor = partial(bench_reports.floor_sqlite, path)
        read = bench_reports.read_sqlite(path)
    else:
        floor = partial(bench_reports.floor_postgres, store_url)
        read = bench_reports.read_postgres(store_url)
    result = bench_reports.measure("store", store_url, floor, 1, read)
    assert result.export_rows == SMALL[1]
    assert result.summary_seconds > 0 and result.floor_seconds > 0
    assert 0 < result.export_rss_mb < 200
