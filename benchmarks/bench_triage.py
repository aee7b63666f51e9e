"""``assign auto`` and ``conversations list`` against their floors, measured in one run.

    python3 benchmarks/bench_triage.py              # 10,000 to assign; 250,000 to list
    python3 benchmarks/bench_triage.py --quick      # 1,000 and 5,000, for tests
    python3 benchmarks/bench_triage.py --runs 9

1. ``supportctl assign auto`` over 10,000 unassigned open conversations, 30 agents on
   three calendars with public holidays (Riyadh/SA, Cairo/EG, Casablanca/MA, all on
   duty at the benchmark's "now"), 20 routes (on tags, mailboxes, channels, priorities
   and subjects, so message rows are read too), least_open, max_open and escalation on.
   The floor: one transaction that writes the same assignees to the same 10,000 rows
   (``executemany`` of ``UPDATE conversation SET assignee = ? WHERE id = ?``, the
   assignees computed beforehand), timed in-process from BEGIN to the connection's
   close (whose WAL checkpoint the command pays as well), on a connection set up as the
   store sets up its own. Start-up, two ways: ``supportctl --version``, and ``assign
   auto`` with nothing to assign (the same command's fixed cost: interpreter, config,
   store, calendars and holiday data). Target: ``assign auto`` ≤ 2 × floor + start-up
   (issue 5); both readings are printed. Also printed, to read the ratio by: the floor
   with the event row issue 5 asks for of every change (what any ``assign auto`` must
   write).
2. ``supportctl conversations list --status open`` (first page, 50 rows) on a store of
   250,000 conversations, against ``supportctl --version``. Target: ≤ 2 ×.
3. With ``--postgres URL`` (a schema of its own: everything in it is replaced), 1. again
   on PostgreSQL: the same rows; the floor one UPDATE statement joining the arrays of
   ids and assignees (``unnest``), the fastest form there; the idle run ``assign auto``
   once more when everything is assigned.

Every run works on a fresh copy of a SQLite store built once; commands are interleaved
run by run and the medians compared, so a noisy machine slows both sides alike.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.timing import median_walls, supportctl_command
from supportctl.store import open_store

ASSIGN_CONVERSATIONS = 10_000
LIST_CONVERSATIONS = 250_000
QUICK_ASSIGN = 1_000
QUICK_LIST = 5_000
AGENTS = 30
ROUTES = 20
ASSIGN_TARGET = 2.0  # × floor, plus start-up
EVENTS_PER_INSERT = 100
LIST_TARGET = 2.0  # × start-up
NOW = datetime(2026, 1, 12, 10, 0, tzinfo=UTC)  # Monday: Riyadh 13:00, Cairo 12:00, Casa 11:00
CALENDARS = {
    "riyadh": ("Asia/Riyadh", '{sun-thu: "09:00-17:00"}', "SA"),
    "cairo": ("Africa/Cairo", '{sun-thu: "09:00-17:00"}', "EG"),
    "casablanca": ("Africa/Casablanca", '{mon-fri: "09:00-18:00"}', "MA"),
}
MAILBOXES = (("support", "email"), ("billing", "email"), ("egypt", "email"), ("chat", "chat"))
PRIORITIES = ("low", "normal", "normal", "normal", "high", "urgent")
TAGS = ("refund", "invoice", "vip", "delivery", "login", "arabic", "bug", "stale")
UNASSIGNED_IDS = "SELECT id FROM conversation WHERE status = 'open' AND assignee IS NULL"
SUBJECT_WORDS = ("refund", "invoice", "order", "password", "delivery", "contract", "bug")
# What ``assign auto`` must read before it can choose, at the least, for these routes:
# the conversations' own fields, their tags and their inbound messages' subjects.
CANDIDATE_READS = (
    "SELECT id, mailbox, channel, priority, created_at FROM conversation"
    " WHERE status = 'open' AND assignee IS NULL",
    "SELECT conversation_id, tag FROM conversation_tag"
    f" WHERE conversation_id IN ({UNASSIGNED_IDS})",
    "SELECT conversation_id, subject FROM message WHERE direction = 'inbound'"
    f" AND conversation_id IN ({UNASSIGNED_IDS})",
)


def config_text(store_url: str) -> str:
    """30 agents over three calendars, 20 routes, least_open with capacity, escalation."""
    lines = ["version: 1", "timezone: Asia/Riyadh", f"store: {store_url}", "mailboxes:"]
    lines += [f"  - {{name: {n}, channel: {c}, maildir: ./{n}}}" for n, c in MAILBOXES]
    lines.append("calendars:")
    for name, (zone, hours, country) in CALENDARS.items():
        lines.append(
            f"  {name}: {{timezone: {zone}, hours: {hours}, holidays: {{country: {country}}}}}"
        )
    lines.append("team:")
    names = list(CALENDARS)
    for number in range(AGENTS):
        roles = ", roles: [lead]" if number % 10 == 0 else f", roles: [desk{number % 4}]"
        lines.append(
            f"  - {{id: a{number:02}, name: Agent {number}, calendar: {names[number % 3]},"
            f" max_open: 2000{roles}}}"
        )
    lines += [
        "rules:",
        "  assign:",
        "    strategy: least_open",
        '    fallback: "@lead"',
        "    escalation: {before_breach: 30m}",
        "    routes:",
    ]
    for number in range(ROUTES):
        lines.append(
            f"      - {{name: route-{number}, when: {_route_condition(number)},"
            f" to: {_route_targets(number)}}}"
        )
    return "\n".join(lines) + "\n"


def _route_condition(number: int) -> str:
    kind = number % 5
    if kind == 0:
        return f"{{tag: {TAGS[number % len(TAGS)]}}}"
    if kind == 1:
        return f"{{mailbox: {MAILBOXES[number % 3][0]}, priority: [high, urgent]}}"
    if kind == 2:
        return "{channel: chat}"
    if kind == 3:
        return f'{{subject: "(?i){SUBJECT_WORDS[number % len(SUBJECT_WORDS)]}"}}'
    return f"{{tag: [{TAGS[(number + 1) % len(TAGS)]}, {TAGS[(number + 2) % len(TAGS)]}]}}"


def _route_targets(number: int) -> str:
    if number % 4 == 3:
        return f'["@desk{number % 4}"]'
    return "[" + ", ".join(f"a{(number + k) % AGENTS:02}" for k in (0, 7, 15)) + "]"


def fill_store(path: Path, count: int, *, open_share: float, seed: int) -> None:
    """``count`` conversations (``open_share`` of them open and unassigned, the rest
    pending or closed and assigned), a tag on one in three, one inbound message each."""
    random.seed(seed)
    open_store(f"sqlite://{path}").close()  # schema
    start = int(datetime(2025, 6, 1, tzinfo=UTC).timestamp())
    conversations, tags, messages = [], [], []
    for number in range(1, count + 1):
        mailbox, channel = MAILBOXES[number % len(MAILBOXES)]
        is_open = random.random() < open_share
        status = "open" if is_open else random.choice(("pending", "closed"))
        assignee = None if is_open else f"a{number % AGENTS:02}"
        created = start + number * 60
        conversations.append(
            (
                number,
                mailbox,
                channel,
                f"c{number}@example.com",
                status,
                random.choice(PRIORITIES),
                assignee,
                created,
                created + 600,
                1,
            )
        )
        if number % 3 == 0:
            tags.append((number, TAGS[number % len(TAGS)]))
        subject = f"About my {random.choice(SUBJECT_WORDS)} #{number}"
        messages.append(
            (
                mailbox,
                "INBOX",
                1,
                number,
                f"m{number}@example.com",
                f"c{number}@example.com",
                "support@example.com",
                subject,
                created,
                "inbound",
                "Hello, I have a question.",
                number,
            )
        )
    connection = sqlite3.connect(path)
    with connection:
        connection.executemany(
            "INSERT INTO conversation (id, mailbox, channel, customer, status, priority,"
            " assignee, created_at, updated_at, message_count) VALUES (?,?,?,?,?,?,?,?,?,?)",
            conversations,
        )
        connection.executemany("INSERT INTO conversation_tag VALUES (?, ?)", tags)
        connection.executemany(
            "INSERT INTO message (mailbox, folder, uidvalidity, uid, message_id, from_address,"
            " to_addresses, subject, received_at, direction, snippet, conversation_id)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            messages,
        )
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()


def floor_seconds(path: Path, *, with_events: bool = False, with_reads: bool = False) -> float:
    """One transaction writing precomputed assignees to every unassigned open row, on a
    connection set up as the store sets up its own, closed inside the timing; with
    ``with_events``, also the event row issue 5 asks for of each change (precomputed,
    written 100 rows to an INSERT); with ``with_reads`` as well, first the reads of what
    the routes look at (``CANDIDATE_READS``): the store's share of any ``assign auto``,
    with no routing or planning at all."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA synchronous = NORMAL")  # as the store opens it
    ids = [row[0] for row in connection.execute(UNASSIGNED_IDS)]
    assignees = [(f"a{number % AGENTS:02}", number) for number in ids]
    chunks = [
        assignees[start : start + EVENTS_PER_INSERT]
        for start in range(0, len(ids), EVENTS_PER_INSERT)
    ]
    inserts = [
        (
            "INSERT INTO event (conversation_id, at, actor, kind, old_value, new_value, reason)"
            " VALUES " + ", ".join(["(?, ?, ?, ?, ?, ?, ?)"] * len(chunk)),
            [value for agent, number in chunk for value in _event(agent, number)],
        )
        for chunk in (chunks if with_events or with_reads else [])
    ]
    started = time.perf_counter()
    connection.execute("BEGIN IMMEDIATE")
    for sql in CANDIDATE_READS if with_reads else ():
        connection.execute(sql).fetchall()
    connection.executemany("UPDATE conversation SET assignee = ? WHERE id = ?", assignees)
    for sql, params in inserts:
        connection.execute(sql, params)
    connection.execute("COMMIT")
    # Closing is part of the work: the last connection to close copies the WAL into the
    # database (a checkpoint of the pages the UPDATE wrote), and supportctl pays it too.
    connection.close()
    return time.perf_counter() - started


def _event(agent: str, number: int) -> tuple[object, ...]:
    """An event row the size of those ``assign auto`` writes."""
    return (number, 0, "rule:route-0", "assignee", None, agent, f"{agent} has the fewest open (0)")


def wall(argv: Sequence[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({result.returncode}): {result.stderr}")
    return elapsed


@dataclass(frozen=True)
class Figures:
    startup: float
    idle_assign: float  # assign auto with nothing to assign
    floor: float
    audited_floor: float  # the floor plus an event row per change
    store_share: float  # and the reads of the candidates before it
    assign: float
    assigned: int
    listing: float


def measure(workdir: Path, assign_count: int, list_count: int, runs: int) -> Figures:
    supportctl = supportctl_command()
    env = {**os.environ, "SUPPORTCTL_NOW": NOW.isoformat()}
    base, run_store = workdir / "assign-base.db", workdir / "assign.db"
    fill_store(base, assign_count, open_share=1.0, seed=1)
    assign_config = workdir / "assign.yaml"
    assign_config.write_text(config_text(f"sqlite://{run_store}"), encoding="utf-8")
    list_store = workdir / "list.db"
    fill_store(list_store, list_count, open_share=0.2, seed=2)
    list_config = workdir / "list.yaml"
    list_config.write_text(config_text(f"sqlite://{list_store}"), encoding="utf-8")
    idle_store = workdir / "idle.db"
    fill_store(idle_store, 0, open_share=1.0, seed=3)
    idle_config = workdir / "idle.yaml"
    idle_config.write_text(config_text(f"sqlite://{idle_store}"), encoding="utf-8")
    list_argv = [*supportctl, "-c", str(list_config), "conversations", "list", "--status", "open"]
    wall(list_argv, env)  # warm the page cache and the interpreter's imports
    assign_argv = [*supportctl, "-c", str(assign_config), "assign", "auto"]
    startups, idles, floors, audited, shares, assigns, listings = [], [], [], [], [], [], []
    for _ in range(runs):
        shutil.copy(base, run_store)
        floors.append(floor_seconds(run_store))
        shutil.copy(base, run_store)
        audited.append(floor_seconds(run_store, with_events=True))
        shutil.copy(base, run_store)
        shares.append(floor_seconds(run_store, with_reads=True))
        shutil.copy(base, run_store)
        assigns.append(wall(assign_argv, env))
        walls = median_walls(
            {
                "version": [*supportctl, "--version"],
                "idle": [*supportctl, "-c", str(idle_config), "assign", "auto"],
                "list": list_argv,
            },
            1,
            env,
        )
        startups.append(walls["version"])
        idles.append(walls["idle"])
        listings.append(walls["list"])
    with open_store(f"sqlite://{run_store}", upgrade=False) as store:
        assigned = store.scalar("SELECT COUNT(*) FROM conversation WHERE assignee IS NOT NULL")
    return Figures(
        startup=statistics.median(startups),
        idle_assign=statistics.median(idles),
        floor=statistics.median(floors),
        audited_floor=statistics.median(audited),
        store_share=statistics.median(shares),
        assign=statistics.median(assigns),
        assigned=assigned,
        listing=statistics.median(listings),
    )


@dataclass(frozen=True)
class PostgresFigures:
    idle_assign: float
    floor: float
    store_share: float  # the candidate reads, the floor's UPDATE and the events
    assign: float


def measure_postgres(url: str, base: Path, config: Path, runs: int) -> PostgresFigures:
    """``assign auto`` on PostgreSQL at ``url`` holding ``base``'s rows, against the
    floor's UPDATE there; each run starts from the rows as copied."""
    import psycopg

    supportctl = supportctl_command()
    env = {**os.environ, "SUPPORTCTL_NOW": NOW.isoformat()}
    _create_schema(url)
    open_store(url).close()  # tables
    _copy_rows(base, url)
    config.write_text(config_text(url), encoding="utf-8")
    assign_argv = [*supportctl, "-c", str(config), "assign", "auto"]
    floors, shares, assigns, idles = [], [], [], []
    with psycopg.connect(url, autocommit=True) as admin:
        for _ in range(runs):
            _unassign(admin)
            floors.append(_floor_postgres(url))
            _unassign(admin)
            shares.append(_floor_postgres(url, store_share=True))
            _unassign(admin)
            assigns.append(wall(assign_argv, env))
            idles.append(wall(assign_argv, env))  # all assigned: nothing to do
    return PostgresFigures(
        idle_assign=statistics.median(idles),
        floor=statistics.median(floors),
        store_share=statistics.median(shares),
        assign=statistics.median(assigns),
    )


def _create_schema(url: str) -> None:
    """The schema that the URL's ``options=-csearch_path=NAME`` names."""
    import psycopg
    from psycopg import sql

    options = parse_qs(urlsplit(url).query).get("options", [""])[0]
    schema = options.partition("search_path=")[2]
    if not schema:
        raise SystemExit(f"--postgres: give the schema as options=-csearch_path%3DNAME: {url}")
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))


def _copy_rows(base: Path, url: str) -> None:
    source = sqlite3.connect(base)
    with open_store(url, upgrade=False) as store, store.transaction() as tx:
        tx.execute("TRUNCATE conversation, conversation_tag, message, event, state CASCADE")
        for table in ("conversation", "conversation_tag", "message"):
            cursor = source.execute(f"SELECT * FROM {table}")
            names = ", ".join(f'"{column[0]}"' for column in cursor.description)
            marks = ", ".join("?" for _ in cursor.description)
            tx.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", cursor.fetchall())
    source.close()


def _unassign(admin: Any) -> None:
    """Back to every conversation unassigned, no events, no pointers, tables vacuumed."""
    admin.execute("UPDATE conversation SET assignee = NULL")
    admin.execute("DELETE FROM event")
    admin.execute("DELETE FROM state")
    admin.execute("VACUUM ANALYZE conversation")
    admin.execute("VACUUM ANALYZE event")


def _floor_postgres(url: str, *, store_share: bool = False) -> float:
    """The floor's one UPDATE on PostgreSQL; with ``store_share``, first the candidate
    reads and then the events too, in one INSERT over arrays as the UPDATE."""
    import psycopg

    with psycopg.connect(url) as connection:
        ids = [row[0] for row in connection.execute(UNASSIGNED_IDS)]
        assignees = [f"a{number % AGENTS:02}" for number in ids]
        rows = [_event(agent, number) for agent, number in zip(assignees, ids, strict=True)]
        events = [[row[column] for row in rows] for column in range(len(rows[0]))]
        connection.commit()
        started = time.perf_counter()
        for sql in CANDIDATE_READS if store_share else ():
            connection.execute(sql).fetchall()
        # One statement over two arrays: three times faster here than executemany's
        # statement per row, so the stricter floor.
        connection.execute(
            "UPDATE conversation c SET assignee = v.assignee"
            " FROM unnest(%s::bigint[], %s::text[]) AS v(id, assignee) WHERE c.id = v.id",
            (ids, assignees),
        )
        if store_share:
            connection.execute(
                "INSERT INTO event (conversation_id, at, actor, kind, old_value, new_value,"
                " reason) SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::text[],"
                " %s::text[], %s::text[], %s::text[], %s::text[])",
                events,
            )
        connection.commit()
    return time.perf_counter() - started


def report(figures: Figures, assign_count: int, list_count: int, runs: int) -> bool:
    """Print the figures and ratios; True when both targets are met (the assign target
    with the issue's start-up, ``supportctl --version``)."""
    ms = 1000
    floor, startup, idle = figures.floor, figures.startup, figures.idle_assign
    assign_budget = ASSIGN_TARGET * floor + startup
    list_budget = LIST_TARGET * startup
    assign_ok = figures.assign <= assign_budget
    list_ok = figures.listing <= list_budget
    print(f"medians of {runs} interleaved runs")
    print(f"start-up   supportctl --version                    {startup * ms:8.1f} ms")
    print(f"start-up   supportctl assign auto, nothing to do   {idle * ms:8.1f} ms")
    print(f"floor      one UPDATE of {assign_count:,} rows, precomputed  {floor * ms:8.1f} ms")
    print(
        f"           the same UPDATE and an event per row   {figures.audited_floor * ms:8.1f} ms"
        f" = {figures.audited_floor / floor:.2f} x floor (what every change must write)"
    )
    print(
        f"           and the reads of the candidates first  {figures.store_share * ms:8.1f} ms"
        f" = {figures.store_share / floor:.2f} x floor (the store's share alone, no planning)"
    )
    print(
        f"assign     supportctl assign auto ({figures.assigned:,} assigned)"
        f"   {figures.assign * ms:8.1f} ms"
    )
    print(
        f"  = --version + {(figures.assign - startup) / floor:.1f} x floor"
        f"; target <= {ASSIGN_TARGET:g} x floor + start-up = {assign_budget * ms:.1f} ms:"
        f" {'ok' if assign_ok else 'OVER'}"
    )
    idle_ok = figures.assign <= ASSIGN_TARGET * floor + idle
    print(
        f"  = idle run + {(figures.assign - idle) / floor:.1f} x floor"
        f" (<= {ASSIGN_TARGET:g} x: {'ok' if idle_ok else 'OVER'})"
    )
    print(
        f"list       conversations list --status open ({list_count:,} stored)"
        f" {figures.listing * ms:8.1f} ms = {figures.listing / startup:.2f} x --version;"
        f" target <= {LIST_TARGET:g} x: {'ok' if list_ok else 'OVER'}"
    )
    return assign_ok and list_ok


def report_postgres(figures: PostgresFigures, startup: float, assign_count: int) -> None:
    ms, floor = 1000, figures.floor
    print(f"postgres   one UPDATE of {assign_count:,} rows, precomputed  {floor * ms:8.1f} ms")
    print(
        f"           with the candidate reads and events    {figures.store_share * ms:8.1f} ms"
        f" = {figures.store_share / floor:.2f} x floor (the store's share alone)"
    )
    print(f"           supportctl assign auto, nothing to do   {figures.idle_assign * ms:8.1f} ms")
    print(f"           supportctl assign auto                  {figures.assign * ms:8.1f} ms")
    for name, fixed in (("--version", startup), ("idle run", figures.idle_assign)):
        budget = ASSIGN_TARGET * floor + fixed
        verdict = "ok" if figures.assign <= budget else "OVER"
        print(
            f"  = {name} + {(figures.assign - fixed) / floor:.1f} x floor"
            f" (<= {ASSIGN_TARGET:g} x: {verdict})"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 and 5,000 conversations")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--postgres", metavar="URL", help="also on PostgreSQL, in a schema of its own"
    )
    args = parser.parse_args(argv)
    assign_count = QUICK_ASSIGN if args.quick else ASSIGN_CONVERSATIONS
    list_count = QUICK_LIST if args.quick else LIST_CONVERSATIONS
    with tempfile.TemporaryDirectory(prefix="bench-triage-") as directory:
        workdir = Path(directory)
        figures = measure(workdir, assign_count, list_count, args.runs)
        on_postgres = None
        if args.postgres:
            base, config = workdir / "assign-base.db", workdir / "postgres.yaml"
            on_postgres = measure_postgres(args.postgres, base, config, args.runs)
    met = report(figures, assign_count, list_count, args.runs)
    if on_postgres is not None:
        report_postgres(on_postgres, figures.startup, assign_count)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
