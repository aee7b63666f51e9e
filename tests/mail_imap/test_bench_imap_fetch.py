"""The IMAP fetch benchmark seeds realistic mail, times both contenders, reports a ratio."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.servers.dovecot import DovecotServer

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_imap_fetch.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_imap_fetch", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def test_generated_mail_is_2_to_6_kb_and_mixed_like_a_support_inbox(bench: ModuleType) -> None:
    messages = bench.make_messages(2000)
    assert messages == bench.make_messages(2000)
    assert messages != bench.make_messages(2000, seed=1)
    assert all(1900 <= len(message) <= 6300 for message in messages)
    attachments = sum(b"multipart/mixed" in message for message in messages)
    alternatives = sum(b"multipart/alternative" in message for message in messages)
    arabic = sum("طلب".encode() in message for message in messages)
    assert 60 <= attachments <= 140  # about 5 %
    assert 600 <= alternatives <= 800  # about 35 %
    assert 900 <= arabic <= 1100  # about half
    assert all(b"\r\n\r\n" in message for message in messages)
    assert not any(re.search(rb"(?<!\r)\n|\r(?!\n)", message) for message in messages)


def test_measure_times_the_floor_and_the_source_on_the_same_folder(
    bench: ModuleType, dovecot: DovecotServer
) -> None:
    user = bench.seed_user(dovecot, 60)
    timing = bench.measure(dovecot, user, 60, batch_size=25, rounds=1, bodystructure=True)
    assert (timing.messages, timing.fetch, timing.batch_size) == (60, "summary", 25)
    assert timing.floor_seconds > 0 and timing.source_seconds > 0
    assert timing.bodystructure_seconds > 0
    assert timing.ratio == timing.floor_seconds / timing.source_seconds


def test_a_count_that_does_not_match_the_folder_is_an_error(
    bench: ModuleType, dovecot: DovecotServer
) -> None:
    user = bench.seed_user(dovecot, 5)
    with pytest.raises(RuntimeError, match="fetched 5 messages, expected 6"):
        bench.measure(dovecot, user, 6, rounds=1)


def test_main_prints_both_rows_and_the_ratio(
    bench: ModuleType, dovecot: DovecotServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert bench.main(["--count", "40", "--rounds", "1", "--fetch", "full"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("IMAP fetch of 40 messages (fetch: full, batches of 500)")
    assert lines[1].lstrip().startswith("floor: imapclient loop, results discarded")
    assert lines[2].lstrip().startswith("ImapSource.fetch_new")
    assert re.fullmatch(
        r"  ratio \(ImapSource throughput / floor\): \d+\.\d\d — (meets|misses) the bar of 0\.50",
        lines[3],
    )
