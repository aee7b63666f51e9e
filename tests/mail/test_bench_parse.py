"""The parsing benchmark runs and reports ratios, on a slice of the corpus."""

from __future__ import annotations

import re
from pathlib import Path
from types import ModuleType

import pytest

from benchmarks import bench_parse


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    if not any(bench_parse.CORPUS.glob("*.eml")):
        pytest.skip(f"mail corpus not found at {bench_parse.CORPUS}")
    return bench_parse


def test_measure_times_both_parsers_on_every_message(bench: ModuleType) -> None:
    messages = bench.load_corpus(bench.CORPUS)[:12]
    timing = bench.measure(messages, bench.Shape("headers + 2 KB", 2048), rounds=1)
    assert (timing.shape, timing.messages) == ("headers + 2 KB", 12)
    assert timing.ours_us > 0 and timing.stdlib_us > 0
    assert timing.ratio == timing.stdlib_us / timing.ours_us


def test_main_prints_ratios_for_each_shape(
    bench: ModuleType, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    for path in sorted(bench.CORPUS.glob("*.eml"))[:8]:
        (tmp_path / path.name).write_bytes(path.read_bytes())
    assert bench.main(["--rounds", "1", "--corpus", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "8 corpus messages" in out
    for shape in ("headers ", "headers + 2 KB", "whole"):
        assert f"\n  {shape}" in out
    assert len(re.findall(r"\d+\.\dx", out)) == 6  # corpus and median-message ratios
    assert "header part:" in out


def test_main_without_messages_fails(bench: ModuleType, tmp_path: Path) -> None:
    assert bench.main(["--corpus", str(tmp_path)]) == 2
