"""ImapSource.fetch_new against the bare imapclient floor: same server, same folder,
same FETCH items, same batches, same process.

    python3 benchmarks/bench_imap_fetch.py                    # 20,000 messages, 5 rounds
    python3 benchmarks/bench_imap_fetch.py --count 2000 --rounds 3
    python3 benchmarks/bench_imap_fetch.py --fetch full       # whole bodies
    python3 benchmarks/bench_imap_fetch.py --bodystructure    # what BODYSTRUCTURE would add
    python3 benchmarks/bench_imap_fetch.py --profile          # where ImapSource's time goes

Seeds generated support mail (2-6 KB, Arabic and English; 60 % text/plain, 35 %
multipart/alternative, 5 % with a PDF attached) into a throw-away Dovecot from
tests/servers, then times, alternating within each round:

- the floor: connect, LOGIN, EXAMINE, UID SEARCH, then imapclient ``fetch()`` of the same
  items in the same batches, results discarded;
- ImapSource: ``connect()``, then every batch of ``fetch_new()``, results discarded.

The figure to read is the ratio of throughputs (floor time / ImapSource time): the
issue's bar is at least 0.5. Absolute times drift on shared machines; the ratio holds.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import io
import pstats
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from imapclient import IMAPClient

from supportctl.config.model import Mailbox
from supportctl.mail.imap import FETCH_PLANS, ImapSource
from tests.servers.dovecot import DovecotServer, find_dovecot

COUNT = 20_000
ROUNDS = 5
BATCH_SIZE = 500
FOLDER = "INBOX"
TIMEOUT_SECONDS = 60
SEED = 20260222
BAR = 0.5  # the issue's: ImapSource at least half the floor's throughput
PROFILE_LINES = 15
BODY_BYTES = (1700, 5400)  # with a header of about 300 bytes: mails of 2-6 KB

ARABIC_LINES = (
    "السلام عليكم، لم يصلني الطلب حتى الآن.",
    "أرجو استرداد المبلغ في أقرب وقت ممكن.",
    "شكرًا لتعاونكم، وننتظر ردكم.",
    "تم خصم المبلغ مرتين من بطاقتي.",
)
ENGLISH_LINES = (
    "Hello, my order has not arrived yet.",
    "Please refund the payment as soon as possible.",
    "I was charged twice for the same invoice.",
    "Thanks for your help, looking forward to your reply.",
)


@dataclass(frozen=True)
class Timing:
    messages: int
    fetch: str
    batch_size: int
    floor_seconds: float  # medians over the rounds
    source_seconds: float
    bodystructure_seconds: float | None = None  # the floor with BODYSTRUCTURE added

    @property
    def ratio(self) -> float:
        """ImapSource's throughput as a share of the floor's."""
        return self.floor_seconds / self.source_seconds


# -- the mail ------------------------------------------------------------------------


def make_messages(count: int, seed: int = SEED) -> list[bytes]:
    """``count`` support mails of 2-6 KB, the same for the same seed."""
    rng = random.Random(seed)
    return [_message(rng, number) for number in range(count)]


def _message(rng: random.Random, number: int) -> bytes:
    arabic = rng.random() < 0.5
    lines = ARABIC_LINES if arabic else ENGLISH_LINES
    text_lines = _lines_of(rng, lines, rng.randint(*BODY_BYTES))
    text = "\r\n".join(text_lines)
    subject = "=?UTF-8?B?" + base64.b64encode("طلب استرداد".encode()).decode() + "?="
    header = (
        f"From: customer{number % 997}@example.com\r\n"
        f"To: support@example.com\r\n"
        f"Subject: {subject if arabic else 'Refund request'} #{number}\r\n"
        f"Date: Sun, 22 Feb 2026 09:{number % 60:02d}:00 +0300\r\n"
        f"Message-ID: <{number}.{rng.getrandbits(32):08x}@example.com>\r\n"
        f"MIME-Version: 1.0\r\n"
    )
    kind = rng.random()
    if kind < 0.05:
        return (header + _with_attachment(rng, "\r\n".join(text_lines[:15]))).encode()
    if kind < 0.40:
        return (header + _alternative(text_lines[: len(text_lines) // 2])).encode()
    return (header + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + text + "\r\n").encode()


def _lines_of(rng: random.Random, lines: Sequence[str], size: int) -> list[str]:
    """Lines drawn from ``lines`` until they make about ``size`` bytes of UTF-8."""
    chosen: list[str] = []
    while size > 0:
        chosen.append(rng.choice(lines))
        size -= len(chosen[-1].encode()) + 2
    return chosen


def _alternative(text_lines: list[str]) -> str:
    text = "\r\n".join(text_lines)
    html = "\r\n".join(f"<p>{line}</p>" for line in text_lines)
    return (
        'Content-Type: multipart/alternative; boundary="alt"\r\n\r\n'
        f"--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n"
        f"--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html}\r\n"
        "--alt--\r\n"
    )


def _with_attachment(rng: random.Random, text: str) -> str:
    pdf = base64.encodebytes(rng.randbytes(1500)).decode().replace("\n", "\r\n")
    return (
        'Content-Type: multipart/mixed; boundary="mix"\r\n\r\n'
        f"--mix\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n"
        '--mix\r\nContent-Type: application/pdf; name="invoice.pdf"\r\n'
        'Content-Disposition: attachment; filename="invoice.pdf"\r\n'
        f"Content-Transfer-Encoding: base64\r\n\r\n{pdf}--mix--\r\n"
    )


def seed_user(server: DovecotServer, count: int) -> str:
    """A fresh user whose INBOX holds ``count`` generated mails."""
    user = server.new_user()
    server.seed_maildir(user, FOLDER, make_messages(count))
    return user


# -- the two contenders ---------------------------------------------------------------


def floor_run(server: DovecotServer, user: str, items: Sequence[str], batch_size: int) -> int:
    """The bare imapclient loop; returns how many messages came back."""
    client = IMAPClient(server.host, port=server.imap_port, ssl=False, timeout=TIMEOUT_SECONDS)
    client.login(user, server.users[user])
    client.normalise_times = False
    client.select_folder(FOLDER, readonly=True)
    uids = sorted(client.search(["UID", "1:*"]))
    fetched = 0
    for start in range(0, len(uids), batch_size):
        fetched += len(client.fetch(uids[start : start + batch_size], items))
    client.logout()
    return fetched


def source_run(server: DovecotServer, user: str, fetch: str, batch_size: int) -> int:
    """ImapSource from connect to the last batch; returns how many messages came back."""
    mailbox = Mailbox(
        name="bench",
        host=server.host,
        port=server.imap_port,
        security="none",
        username=user,
        timeout=TIMEOUT_SECONDS,
        fetch=fetch,
    )
    with ImapSource.connect(mailbox, password=server.users[user]) as source:
        return sum(len(batch) for batch in source.fetch_new(FOLDER, 0, batch_size))


def _seconds(run: Callable[[], int], expected: int) -> float:
    started = time.perf_counter()
    fetched = run()
    elapsed = time.perf_counter() - started
    if fetched != expected:
        raise RuntimeError(f"fetched {fetched} messages, expected {expected}")
    return elapsed


def measure(
    server: DovecotServer,
    user: str,
    count: int,
    *,
    fetch: str = "summary",
    batch_size: int = BATCH_SIZE,
    rounds: int = ROUNDS,
    bodystructure: bool = False,
) -> Timing:
    """Median seconds of each contender over ``rounds`` alternating rounds."""
    items = FETCH_PLANS[fetch].items
    contenders: dict[str, Callable[[], int]] = {
        "floor": lambda: floor_run(server, user, items, batch_size),
        "source": lambda: source_run(server, user, fetch, batch_size),
    }
    if bodystructure:
        with_structure = (*items, "BODYSTRUCTURE")
        contenders["bodystructure"] = lambda: floor_run(server, user, with_structure, batch_size)
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for round_number in range(rounds):
        # Alternate who goes first, so neither always inherits a warm server cache.
        order = list(contenders) if round_number % 2 == 0 else list(reversed(contenders))
        for name in order:
            samples[name].append(_seconds(contenders[name], count))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    return Timing(
        messages=count,
        fetch=fetch,
        batch_size=batch_size,
        floor_seconds=medians["floor"],
        source_seconds=medians["source"],
        bodystructure_seconds=medians.get("bodystructure"),
    )


def report(timing: Timing, rounds: int) -> str:
    def row(label: str, seconds: float) -> str:
        rate = timing.messages / seconds
        return f"  {label:44} {seconds:7.2f} s {rate:9,.0f} msg/s"

    lines = [
        f"IMAP fetch of {timing.messages:,} messages (fetch: {timing.fetch}, batches of "
        f"{timing.batch_size}), Dovecot on loopback; medians of {rounds} rounds",
        row("floor: imapclient loop, results discarded", timing.floor_seconds),
        row("ImapSource.fetch_new", timing.source_seconds),
    ]
    if timing.bodystructure_seconds is not None:
        lines.append(row("floor + BODYSTRUCTURE", timing.bodystructure_seconds))
    verdict = "meets" if timing.ratio >= BAR else "misses"
    lines.append(
        f"  ratio (ImapSource throughput / floor): {timing.ratio:.2f} — {verdict} the bar "
        f"of {BAR:.2f}"
    )
    if timing.bodystructure_seconds is not None:
        extra = timing.bodystructure_seconds / timing.floor_seconds - 1
        lines.append(f"  BODYSTRUCTURE adds {extra:.0%} to the floor's time")
    return "\n".join(lines)


def profile(server: DovecotServer, user: str, fetch: str, batch_size: int) -> str:
    """cProfile's view of one ImapSource run: the functions that cost the most."""
    profiler = cProfile.Profile()
    profiler.enable()
    source_run(server, user, fetch, batch_size)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(PROFILE_LINES)
    return out.getvalue()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=COUNT, help="messages to seed")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    parser.add_argument("--fetch", choices=sorted(FETCH_PLANS), default="summary")
    parser.add_argument("--bodystructure", action="store_true", help="also time it")
    parser.add_argument("--profile", action="store_true", help="profile one ImapSource run")
    args = parser.parse_args(argv)
    if find_dovecot() is None:
        print("dovecot is not installed: run scripts/ensure-dovecot.sh", file=sys.stderr)
        return 1
    with DovecotServer() as server:
        user = seed_user(server, args.count)
        timing = measure(
            server,
            user,
            args.count,
            fetch=args.fetch,
            batch_size=args.batch_size,
            rounds=args.rounds,
            bodystructure=args.bodystructure,
        )
        print(report(timing, args.rounds))
        if args.profile:
            print(profile(server, user, args.fetch, args.batch_size))
    return 0


if __name__ == "__main__":
    sys.exit(main())
