"""supportctl's ``parse_message`` against the ``email`` package (policy=default), same
messages, same fields, same process.

    python3 benchmarks/bench_parse.py              # 15 interleaved rounds over the corpus
    python3 benchmarks/bench_parse.py --quick      # 3 rounds, for tests
    python3 benchmarks/bench_parse.py --profile    # and where our time goes (cProfile)

Every message of shared/mail-corpus is parsed in three shapes that sync can fetch:

- ``headers``: the header block alone (``BODY.PEEK[HEADER]``), the part the issue's
  budget is about (well under 100 µs per message);
- ``headers + 2 KB``: plus the first 2,048 bytes of the body (``BODY.PEEK[TEXT]<0.2048>``),
  cut wherever that falls, for the snippet;
- ``whole``: the complete message, attachments and all.

The baseline reads the same fields: subject, From/To/Cc/Reply-To addresses, Message-ID,
In-Reply-To, References, Date as a datetime, and with a body the first text part (for
the snippet) and each attachment's name, decoded size and type. Rounds alternate between
the two, so a noisy machine slows both alike; the medians' ratio is the figure to read.
"""

from __future__ import annotations

import argparse
import cProfile
import email
import email.policy
import io
import pstats
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from supportctl.mail.parse import parse_message, split_message

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "mail-corpus"
ROUNDS = 15
QUICK_ROUNDS = 3
SNIPPET_BYTES = 2048
HEADER_BUDGET_US = 100.0  # the bar for the header part, per message

Message = tuple[bytes, bytes]  # (header block, body)
Parse = Callable[[bytes, bytes | None, int], object]


@dataclass(frozen=True)
class Shape:
    name: str
    body_bytes: int | None  # None: the whole body; 0: no body


SHAPES = (Shape("headers", 0), Shape("headers + 2 KB", SNIPPET_BYTES), Shape("whole", None))


@dataclass(frozen=True)
class Timing:
    shape: str
    messages: int
    ours_us: float  # microseconds per message over the corpus (median of rounds)
    stdlib_us: float
    ours_typical_us: float  # the median message's microseconds (its best round)
    stdlib_typical_us: float
    stdlib_failures: int  # messages on which the email package raised

    @property
    def ratio(self) -> float:
        return self.stdlib_us / self.ours_us

    @property
    def typical_ratio(self) -> float:
        return self.stdlib_typical_us / self.ours_typical_us


def load_corpus(folder: Path) -> list[Message]:
    return [split_message(path.read_bytes()) for path in sorted(folder.glob("*.eml"))]


def ours(header: bytes, body: bytes | None, size: int) -> object:
    return parse_message(header, body, size=size)


def stdlib(header: bytes, body: bytes | None, size: int) -> object:
    """The email package reading what ParsedMessage holds."""
    message = email.message_from_bytes(header + (body or b""), policy=email.policy.default)
    fields = [message[name] for name in ("subject", "message-id", "in-reply-to", "references")]
    for name in ("from", "to", "cc", "reply-to"):
        header_value = message[name]
        fields.append(header_value.addresses if header_value is not None else ())
    date = message["date"]
    fields.append(date.datetime if date is not None else None)
    if body:
        text_part = message.get_body(preferencelist=("plain", "html"))
        fields.append(text_part.get_content()[:300] if text_part is not None else "")
        fields.extend(
            (
                part.get_filename(),
                len(part.get_payload(decode=True) or b""),
                part.get_content_type(),
            )
            for part in message.iter_attachments()
        )
    return fields


def shaped(messages: list[Message], shape: Shape) -> list[tuple[bytes, bytes | None, int]]:
    """(header, body as fetched, RFC822.SIZE) for each message."""
    result = []
    for header, body in messages:
        size = len(header) + len(body)
        if shape.body_bytes == 0:
            result.append((header, None, size))
        elif shape.body_bytes is None:
            result.append((header, body, size))
        else:
            result.append((header, body[: shape.body_bytes], size))
    return result


def stdlib_parses(item: tuple[bytes, bytes | None, int]) -> bool:
    try:
        stdlib(*item)
    except Exception:  # the baseline's own failures: counted, not timed
        return False
    return True


def time_round(parse: Parse, inputs: list[tuple[bytes, bytes | None, int]]) -> list[float]:
    """Seconds each message took."""
    seconds = []
    for header, body, size in inputs:
        started = time.perf_counter()
        parse(header, body, size)
        seconds.append(time.perf_counter() - started)
    return seconds


def measure(messages: list[Message], shape: Shape, rounds: int) -> Timing:
    inputs = shaped(messages, shape)
    # The baseline is timed on the messages it can parse, so it is never charged for
    # an exception's early exit; ours is timed on every message.
    baseline_inputs = [item for item in inputs if stdlib_parses(item)]
    ours_rounds: list[list[float]] = []
    stdlib_rounds: list[list[float]] = []
    for _ in range(rounds):
        ours_rounds.append(time_round(ours, inputs))
        stdlib_rounds.append(time_round(stdlib, baseline_inputs))
    return Timing(
        shape=shape.name,
        messages=len(inputs),
        ours_us=_mean_per_message(ours_rounds),
        stdlib_us=_mean_per_message(stdlib_rounds),
        ours_typical_us=_typical_message(ours_rounds),
        stdlib_typical_us=_typical_message(stdlib_rounds),
        stdlib_failures=len(inputs) - len(baseline_inputs),
    )


def _mean_per_message(rounds: list[list[float]]) -> float:
    return statistics.median(sum(seconds) / len(seconds) for seconds in rounds) * 1e6


def _typical_message(rounds: list[list[float]]) -> float:
    return statistics.median(min(times) for times in zip(*rounds, strict=True)) * 1e6


def profile(messages: list[Message], shape: Shape, top: int) -> str:
    """cProfile's view of our parser on one shape: the functions that cost the most."""
    inputs = shaped(messages, shape)
    profiler = cProfile.Profile()
    profiler.enable()
    time_round(ours, inputs)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


def report(timings: Sequence[Timing]) -> str:
    lines = [
        f"parse_message vs email.message_from_bytes(policy=default) + the same fields, "
        f"{timings[0].messages} corpus messages; µs per message",
        f"  {'shape':16} {'ours':>8} {'email':>9} {'ratio':>7}   "
        f"{'median msg: ours':>16} {'email':>8} {'ratio':>7}",
    ]
    for timing in timings:
        lines.append(
            f"  {timing.shape:16} {timing.ours_us:8.1f} {timing.stdlib_us:9.1f} "
            f"{timing.ratio:6.1f}x   {timing.ours_typical_us:16.1f} "
            f"{timing.stdlib_typical_us:8.1f} {timing.typical_ratio:6.1f}x"
            + (f"  (email raised on {timing.stdlib_failures})" if timing.stdlib_failures else "")
        )
    header = next(timing for timing in timings if timing.shape == "headers")
    verdict = "within" if header.ours_us < HEADER_BUDGET_US else "over"
    lines.append(
        f"  header part: {header.ours_us:.1f} µs/message over the corpus, "
        f"{header.ours_typical_us:.1f} µs for the median message; "
        f"{verdict} the {HEADER_BUDGET_US:.0f} µs budget"
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ROUNDS} rounds")
    parser.add_argument("--rounds", type=int, help=f"interleaved rounds (default {ROUNDS})")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="folder of .eml files")
    parser.add_argument("--profile", action="store_true", help="print cProfile's top functions")
    args = parser.parse_args(argv)
    messages = load_corpus(args.corpus)
    if not messages:
        print(f"no .eml files in {args.corpus}", file=sys.stderr)
        return 2
    rounds = args.rounds or (QUICK_ROUNDS if args.quick else ROUNDS)
    timings = [measure(messages, shape, rounds) for shape in SHAPES]
    print(report(timings))
    if args.profile:
        for shape in SHAPES[:2]:
            print(f"\ncProfile, ours, {shape.name}:\n{profile(messages, shape, 15)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
