"""supportctl.mail.sync against bare imapclient floors, all from one throw-away Dovecot.

    python3 benchmarks/bench_sync.py             # 20,000 / 10 x 20,000 / 100,000 messages
    python3 benchmarks/bench_sync.py --quick     # 2,000 / 10 x 2,000 / 10,000
    python3 benchmarks/bench_sync.py --only initial --count 5000 --rounds 3
    python3 benchmarks/bench_sync.py --profile   # where one initial sync's time goes

Three figures, each against a baseline measured in the same run (the issue's bars):

(a) initial sync of ``--count`` generated support mails (benchmarks/bench_imap_fetch.py's)
    from Dovecot into a fresh SQLite store through ``sync()``, against the floor: a bare
    imapclient loop FETCHing the same items in the same batches and discarding them.
    Throughput ratio at least 0.5. PostgreSQL (a new throw-away schema each round on
    127.0.0.1:5432, database ``test``) is a second figure when the server answers.
(b) a sync with nothing new of 10 folders holding ``--folder-size`` messages each, against
    the same with 200 each (within 20 %) and against the floor: log in and ask STATUS of
    each folder (at most 2x). In-process, store opening and IMAP login included.
(c) peak RSS (VmHWM) of a child process syncing ``--memory-count`` messages into a
    fresh SQLite store: at most 150 MB. The floor's FETCH loop in a child is the baseline.

Mail is written straight into the Maildir (DovecotServer.seed_maildir), not APPENDed.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import resource
import secrets
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from imapclient import IMAPClient

from benchmarks.bench_imap_fetch import BATCH_SIZE, TIMEOUT_SECONDS, floor_run, make_messages
from benchmarks.timing import median_seconds
from supportctl.config import load_config
from supportctl.config.model import Config
from supportctl.mail.imap import FETCH_PLANS
from supportctl.mail.sync import sync
from supportctl.store import open_store
from tests.servers.dovecot import DovecotServer, find_dovecot

COUNT = 20_000
FOLDER_COUNT = 10
FOLDER_SIZE = 20_000
SMALL_FOLDER_SIZE = 200
MEMORY_COUNT = 100_000
QUICK = {"count": 2_000, "folder_size": 2_000, "memory_count": 10_000}
ROUNDS = 3
NO_CHANGE_ROUNDS = 15
SEED_CHUNK = 20_000  # messages generated at a time: 100,000 at once would take 300 MB
FOLDER = "INBOX"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"

INITIAL_BAR = 0.5  # sync at least half the floor's throughput
SIZE_BAR = 1.2  # no-change sync of big folders within 20 % of small ones
NO_CHANGE_BAR = 2.0  # and at most twice the STATUS floor
MEMORY_BAR_MB = 150.0


@dataclass(frozen=True)
class SeededMailbox:
    """A Dovecot user with generated mail, and the config that reads it."""

    user: str
    config_path: Path


def verdict(ok: bool, bar: str) -> str:
    return f"meets the bar of {bar}" if ok else f"MISSES the bar of {bar}"


# -- seeding and configs ------------------------------------------------------------------


def seed(server: DovecotServer, user: str, folder: str, count: int) -> None:
    """``count`` generated mails into ``folder``, a chunk of distinct mails at a time."""
    for chunk, start in enumerate(range(0, count, SEED_CHUNK)):
        size = min(SEED_CHUNK, count - start)
        server.seed_maildir(user, folder, make_messages(size, seed=chunk + 1))


def write_config(
    server: DovecotServer, user: str, folders: Sequence[str], store_url: str, directory: Path
) -> Path:
    path = directory / f"{user}-{secrets.token_hex(3)}.yaml"
    mailbox = {
        "name": "bench",
        "host": server.host,
        "port": server.imap_port,
        "security": "none",
        "allow_plaintext_password": True,
        "username": user,
        "password": server.users[user],
        "timeout": TIMEOUT_SECONDS,
        "folders": list(folders),
        "addresses": ["support@example.com"],
        "batch_size": BATCH_SIZE,
    }
    document = {"version": 1, "store": store_url, "mailboxes": [mailbox]}
    path.write_text(json.dumps(document))
    return path


def seeded_mailbox(
    server: DovecotServer, folders: Sequence[str], size: int, store_url: str, directory: Path
) -> SeededMailbox:
    user = server.new_user()
    for folder in folders:
        seed(server, user, folder, size)
    return SeededMailbox(user, write_config(server, user, folders, store_url, directory))


def run_sync(config: Config, store_url: str) -> int:
    """One sync with the store opened (and upgraded) inside; returns new messages."""
    with open_store(store_url) as store:
        report = sync(config, store, now=NOW)
    (result,) = report.mailboxes
    if result.status != "ok":
        raise RuntimeError(f"sync failed: {result.error}")
    return result.new_messages


@contextmanager
def postgres_schemas() -> Iterator[Callable[[], str] | None]:
    """A maker of throw-away schemas on the local PostgreSQL, each new and empty (as a
    new SQLite file is), returning its URL; None when the server is unreachable. All are
    dropped at the end."""
    try:
        import psycopg

        admin = psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=3)
    except Exception:  # no driver, no server: the figure is simply left out
        yield None
        return
    made: list[str] = []

    def new_schema() -> str:
        made.append(f"bench_sync_{secrets.token_hex(4)}")
        admin.execute(f"CREATE SCHEMA {made[-1]}")
        return f"{POSTGRES_URL}?options=-csearch_path%3D{made[-1]}"

    try:
        yield new_schema
    finally:
        for schema in made:
            admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        admin.close()


# -- (a) initial sync ---------------------------------------------------------------------


def initial_sync(
    server: DovecotServer, directory: Path, count: int, rounds: int, postgres: bool
) -> list[str]:
    # Each round syncs into a store of its own; the config's is not used.
    mailbox = seeded_mailbox(server, [FOLDER], count, f"sqlite://{directory}/x.db", directory)
    items = FETCH_PLANS["summary"].items
    fresh_stores = (f"sqlite://{directory}/initial-{n}.db" for n in range(2 * rounds))

    def floor() -> None:
        check(floor_run(server, mailbox.user, items, BATCH_SIZE), count)

    def sqlite() -> None:
        config = load_config(mailbox.config_path, {})
        check(run_sync(config, next(fresh_stores)), count)

    seconds = median_seconds({"floor": floor, "sqlite": sqlite}, rounds)
    ratio = seconds["floor"] / seconds["sqlite"]
    lines = [
        f"(a) initial sync of {count:,} messages, batches of {BATCH_SIZE}; medians of {rounds}",
        rate_row("floor: imapclient FETCH loop, results discarded", seconds["floor"], count),
        rate_row("sync() into SQLite", seconds["sqlite"], count),
        f"  ratio (sync throughput / floor): {ratio:.2f} — {verdict(ratio >= INITIAL_BAR, '0.50')}",
    ]
    if postgres:
        lines += postgres_initial_sync(server, mailbox, count, rounds, floor)
    return lines


def postgres_initial_sync(
    server: DovecotServer,
    mailbox: SeededMailbox,
    count: int,
    rounds: int,
    floor: Callable[[], None],
) -> list[str]:
    with postgres_schemas() as new_schema:
        if new_schema is None:
            return [f"  PostgreSQL: not reachable at {POSTGRES_URL}, figure left out"]
        config = load_config(mailbox.config_path, {})

        def postgresql() -> None:
            # Each round into a new store, as SQLite's: emptying the last one would time
            # a DELETE of every row, and sync into a table PostgreSQL has statistics of.
            check(run_sync(config, new_schema()), count)

        seconds = median_seconds({"floor": floor, "postgresql": postgresql}, rounds)
    ratio = seconds["floor"] / seconds["postgresql"]
    return [
        rate_row("floor (again, beside PostgreSQL)", seconds["floor"], count),
        rate_row("sync() into PostgreSQL", seconds["postgresql"], count),
        f"  ratio (sync throughput / floor): {ratio:.2f} — {verdict(ratio >= INITIAL_BAR, '0.50')}",
    ]


def rate_row(label: str, seconds: float, count: int) -> str:
    return f"  {label:50} {seconds:7.2f} s {count / seconds:9,.0f} msg/s"


def check(got: int, expected: int) -> None:
    if got != expected:
        raise RuntimeError(f"{got} messages, expected {expected}")


# -- (b) no-change sync -------------------------------------------------------------------


def status_floor(server: DovecotServer, user: str, folders: Sequence[str]) -> None:
    """Log in, STATUS each folder with what sync asks, log out."""
    client = IMAPClient(server.host, port=server.imap_port, ssl=False, timeout=TIMEOUT_SECONDS)
    client.login(user, server.users[user])
    for folder in folders:
        client.folder_status(folder, ["UIDNEXT", "UIDVALIDITY", "MESSAGES", "HIGHESTMODSEQ"])
    client.logout()


# The floor as a whole program, for the process-level comparison: start Python, import
# imapclient, log in, STATUS each folder, log out.
STATUS_SCRIPT = """
import sys
from imapclient import IMAPClient
host, port, user, password, *folders = sys.argv[1:]
client = IMAPClient(host, port=int(port), ssl=False, timeout=30)
client.login(user, password)
for folder in folders:
    client.folder_status(folder, ["UIDNEXT", "UIDVALIDITY", "MESSAGES", "HIGHESTMODSEQ"])
client.logout()
"""


def run_program(command: Sequence[str]) -> None:
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def no_change_sync(
    server: DovecotServer,
    directory: Path,
    folder_size: int,
    small_size: int = SMALL_FOLDER_SIZE,
    rounds: int = NO_CHANGE_ROUNDS,
) -> list[str]:
    folders = tuple(f"Support{n}" for n in range(FOLDER_COUNT))
    runs: dict[str, Callable[[], object]] = {}
    for label, size in (("small", small_size), ("big", folder_size)):
        url = f"sqlite://{directory}/no-change-{label}.db"
        mailbox = seeded_mailbox(server, folders, size, url, directory)
        config = load_config(mailbox.config_path, {})
        check(run_sync(config, url), FOLDER_COUNT * size)  # the first, full sync
        runs[label] = lambda config=config, url=url: check(run_sync(config, url), 0)
        if label == "big":
            runs["floor"] = lambda user=mailbox.user: status_floor(server, user, folders)
            user, port = mailbox.user, str(server.imap_port)
            floor_program = [sys.executable, "-c", STATUS_SCRIPT, server.host, port, user]
            floor_program += [server.users[user], *folders]
            runs["floor program"] = lambda command=floor_program: run_program(command)
            cli = [sys.executable, "-m", "supportctl", "-q", "-c", str(mailbox.config_path)]
            runs["cli"] = lambda command=[*cli, "sync"]: run_program(command)
    seconds = median_seconds(runs, rounds)
    size_ratio = seconds["big"] / seconds["small"]
    floor_ratio = seconds["big"] / seconds["floor"]
    program_ratio = seconds["cli"] / seconds["floor program"]
    return [
        f"(b) sync with nothing new of {FOLDER_COUNT} folders, in-process (store opening and"
        f" IMAP login included); medians of {rounds}",
        ms_row("floor: imapclient login + STATUS of each folder", seconds["floor"]),
        ms_row(f"sync(), {small_size:,} messages a folder", seconds["small"]),
        ms_row(f"sync(), {folder_size:,} messages a folder", seconds["big"]),
        f"  size: {folder_size:,} / {small_size:,} a folder = {size_ratio:.2f} — "
        f"{verdict(size_ratio <= SIZE_BAR, f'{SIZE_BAR:.2f}')}",
        f"  floor: sync / STATUS floor = {floor_ratio:.2f} — "
        f"{verdict(floor_ratio <= NO_CHANGE_BAR, f'{NO_CHANGE_BAR:.2f}')}",
        "  as whole programs (start-up included):",
        ms_row("floor: python3 STATUS script", seconds["floor program"]),
        ms_row(f"supportctl -q sync, {folder_size:,} a folder", seconds["cli"]),
        f"  supportctl / STATUS script = {program_ratio:.2f} — "
        f"{verdict(program_ratio <= NO_CHANGE_BAR, f'{NO_CHANGE_BAR:.2f}')}",
    ]


def ms_row(label: str, seconds: float) -> str:
    return f"  {label:50} {seconds * 1000:7.1f} ms"


# -- (c) peak memory ----------------------------------------------------------------------


def peak_memory(server: DovecotServer, directory: Path, count: int) -> list[str]:
    url = f"sqlite://{directory}/memory.db"
    mailbox = seeded_mailbox(server, [FOLDER], count, url, directory)
    password = server.users[mailbox.user]
    floor_job = {"mode": "floor", "port": server.imap_port, "user": mailbox.user}
    floor_mb = child_peak_mb(floor_job | {"password": password})
    sync_mb = child_peak_mb({"mode": "sync", "config": str(mailbox.config_path), "url": url})
    return [
        f"(c) peak RSS (VmHWM) of a child process fetching {count:,} messages",
        f"  {'floor: imapclient FETCH loop':50} {floor_mb:7.1f} MB",
        f"  {'sync() into SQLite':50} {sync_mb:7.1f} MB — "
        f"{verdict(sync_mb <= MEMORY_BAR_MB, f'{MEMORY_BAR_MB:.0f} MB')}",
    ]


def child_peak_mb(job: dict[str, object]) -> float:
    """Run ``job`` in a fresh interpreter (this file, ``--child``); its peak RSS in MB."""
    done = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps(job)],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout.split()[-1]) / 1024


def run_child(job: dict[str, object]) -> int:
    """The child's side of child_peak_mb: do the job, return its peak RSS in KiB."""
    if job["mode"] == "sync":
        run_sync(load_config(Path(str(job["config"])), {}), str(job["url"]))
    else:
        client = IMAPClient("127.0.0.1", port=int(str(job["port"])), ssl=False)
        client.login(str(job["user"]), str(job["password"]))
        client.select_folder(FOLDER, readonly=True)
        uids = sorted(client.search("ALL"))
        for start in range(0, len(uids), BATCH_SIZE):
            client.fetch(uids[start : start + BATCH_SIZE], FETCH_PLANS["summary"].items)
        client.logout()
    return peak_rss_kib()


def peak_rss_kib() -> int:
    """VmHWM: this process's own high-water mark. (ru_maxrss would do, but Linux carries
    a forked parent's high-water mark over exec into it.)"""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


# -- the command --------------------------------------------------------------------------


def profile(server: DovecotServer, directory: Path, count: int) -> str:
    """cProfile's view of one initial sync: the functions that cost the most."""
    url = f"sqlite://{directory}/profile.db"
    mailbox = seeded_mailbox(server, [FOLDER], count, url, directory)
    config = load_config(mailbox.config_path, {})
    profiler = cProfile.Profile()
    profiler.runcall(run_sync, config, url)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(20)
    return out.getvalue()


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=COUNT, help="(a) messages")
    parser.add_argument("--folder-size", type=int, default=FOLDER_SIZE, help="(b) big folders")
    parser.add_argument("--memory-count", type=int, default=MEMORY_COUNT, help="(c) messages")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="(a) rounds")
    parser.add_argument("--quick", action="store_true", help="small counts: " + str(QUICK))
    parser.add_argument("--only", choices=("initial", "no-change", "memory"))
    parser.add_argument("--no-postgres", action="store_true", help="leave PostgreSQL out")
    parser.add_argument("--profile", action="store_true", help="profile one initial sync")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        vars(args).update(QUICK)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_arguments(argv)
    if args.child:
        print(run_child(json.loads(args.child)))
        return 0
    if find_dovecot() is None:
        print("dovecot is not installed: run scripts/ensure-dovecot.sh", file=sys.stderr)
        return 1
    with DovecotServer() as server, tempfile.TemporaryDirectory() as temporary:
        directory = Path(temporary)
        if args.profile:
            print(profile(server, directory, args.count))
            return 0
        if args.only in (None, "initial"):
            lines = initial_sync(server, directory, args.count, args.rounds, not args.no_postgres)
            print("\n".join(lines), flush=True)
        if args.only in (None, "no-change"):
            print("\n".join(no_change_sync(server, directory, args.folder_size)), flush=True)
        if args.only in (None, "memory"):
            print("\n".join(peak_memory(server, directory, args.memory_count)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
