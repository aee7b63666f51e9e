"""The benchmark's quick mode runs end to end and prints its ratios."""

from __future__ import annotations

import pytest

from benchmarks import bench_triage


def test_quick_run_prints_both_ratios(capsys: pytest.CaptureFixture[str]) -> None:
    status = bench_triage.main(["--quick", "--runs", "1"])
    out = capsys.readouterr().out
    assert "assign auto (1,000 assigned)" in out
    assert "x floor; target <= 2 x floor + start-up" in out
    assert "conversations list --status open (5,000 stored)" in out
    targets = [line for line in out.splitlines() if line.startswith(("  = --version", "list"))]
    assert len(targets) == 2
    assert status == (0 if all(line.endswith(": ok") for line in targets) else 1)
