"""The benchmark's quick mode: it runs, agrees with businesstimedelta where both are
right, and every disagreement it finds is one where the oracle sides with supportctl."""

from __future__ import annotations

from types import ModuleType

import pytest

from benchmarks import bench_business_time


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return bench_business_time


def test_quick_run(bench: ModuleType) -> None:
    report = bench.run(bench.QUICK_CALLS, seed=7, oracle_checks=5)
    riyadh, *night_desks = report.comparisons
    assert (riyadh.scenario, riyadh.calls) == ("riyadh", bench.QUICK_CALLS)
    assert sum(riyadh.disagreements.values()) == 0
    assert riyadh.agreements_right == riyadh.agreements_checked == 5
    for comparison in night_desks:
        # businesstimedelta skips the rest of a night shift a start falls in.
        assert set(comparison.disagreements) <= {
            "start in the evening part of an overnight shift",
            "start in the after-midnight part of an overnight shift",
        }
        assert comparison.ours_right == comparison.checked
        assert sum(comparison.theirs_right.values()) == 0
        assert comparison.agreements_right == comparison.agreements_checked
    assert report.ours_seconds > 0 and report.theirs_seconds > 0


def test_main_prints_the_ratio(
    bench: ModuleType, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bench, "QUICK_ORACLE_CHECKS", 1)
    status = bench.main(["--quick", "--seed", "3"])
    out = capsys.readouterr().out
    assert "ratio" in out and "riyadh: 0 disagreements in 2,000 calls" in out
    assert status == (0 if "meets the 10x target" in out else 1)
