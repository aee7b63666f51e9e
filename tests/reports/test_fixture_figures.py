"""Report figures of the hand-worked fixture (``fixture_store``), on SQLite and PostgreSQL.

Every expected number below was worked out by hand from the fixture's docstring:

- #1: first response Thu 16:30 → Sun 09:30 Riyadh = 65 h wall (234,000 s), 30 min on
  Thursday + 30 min on Sunday = 1 h business; closed Mon 10:00 = 89 h 30 min wall
  (322,200 s), 30 min + Sun 8 h + Mon 1 h = 9 h 30 min business (34,200 s). Due: 8 h →
  Sun 16:30 (met); 3 open days → Tue 10 Mar 16:30 (met).
- #2: Wed 18 Mar 16:00 → Wed 25 Mar 10:00 Riyadh = 162 h wall (583,200 s); the Eid
  closure (19–24) and the weekend inside count nothing: 1 h + 1 h = 2 h business. Due
  8 h → Wed 25 16:00 (met); 3 open days → Sun 29 Mar 16:00, not resolved by 5 Apr
  (breached).
- #3: Fri 27 Mar 17:00 GMT → Mon 30 Mar 09:30 BST = 63 h 30 min of real time (228,600 s;
  64 h 30 min on the wall clock, less the hour the clocks skipped), 30 min + 30 min =
  1 h business, exactly on its due time (met); closed 10:00 BST = 64 h (230,400 s),
  1 h 30 min business; chat has no resolution target.
- #4: unanswered since Sun 29 Mar 02:30 BST: both clocks breached by 5 Apr.
- #6: created closed by the team: created and resolved, no SLA, resolution time 0.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date

import pytest

from supportctl.config.model import Reports
from supportctl.reports.build import ReportRequest, build_report
from supportctl.reports.metrics import Compliance, ReportData, Stats, Volume
from supportctl.reports.periods import LocalClock, time_buckets
from supportctl.store import open_store
from supportctl.store.database import Store
from tests.reports.fixture_store import NOW, fill_fixture, fixture_config


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    with open_store(store_url) as opened:
        fill_fixture(opened, fixture_config(store_url))
        yield opened


def march(store: Store, store_url: str, **options: object) -> ReportData:
    request = ReportRequest(period="2026-03", busiest=True, histograms=True, **options)
    return build_report(store, fixture_config(store_url), request, now=NOW)


def test_business_times_are_stored_beside_the_sla_columns(store: Store) -> None:
    rows = store.query(
        "SELECT id, first_response_business, resolution_business, sla_policy"
        " FROM conversation ORDER BY id"
    )
    assert [tuple(row.values()) for row in rows] == [
        (1, 3600, 34200, "email"),
        (2, 7200, None, "email"),
        (3, 3600, 5400, "chat"),
        (4, None, None, "email"),
        (5, 14400, 288000, "email"),  # Thu 13:00-17:00; + 9 days of 8 h and 4 h
        (6, None, None, None),
    ]


def test_march_as_a_whole(store: Store, store_url: str) -> None:
    data = march(store, store_url)
    (month,) = data.groups
    assert month.group == "2026-03"
    assert month.volume == Volume(
        created=5, resolved=5, reopened=1, backlog=2, messages_in=5, messages_out=4
    )
    assert month.stats == {
        "first_response": Stats(3, 234_000, 513_360, 348_600),
        "first_response_business": Stats(3, 3600, 6480, 4800),
        "resolution": Stats(3, 230_400, 303_840, 184_200),
        "resolution_business": Stats(2, 19_800, 31_320, 19_800),
        "replies": Stats(5, 1, 1, 0.8),
    }
    assert month.sla == {
        "first_response": Compliance(met=3, breached=1, running=0),
        "resolution": Compliance(met=1, breached=2, running=0),
    }
    assert (month.sla["first_response"].met_pct, month.sla["resolution"].met_pct) == (75.0, 33.3)


def test_without_business_time_only_wall_clock_figures(store: Store, store_url: str) -> None:
    config = replace(fixture_config(store_url), reports=Reports("Europe/London", "mon", False))
    data = build_report(store, config, ReportRequest(period="2026-03"), now=NOW)
    assert list(data.groups[0].stats) == ["first_response", "resolution", "replies"]


def test_busiest_hours_are_local_across_the_dst_change(store: Store, store_url: str) -> None:
    data = march(store, store_url)
    # Thu 5 Mar 13:30 GMT, Tue 10 Mar 09:15, Wed 18 Mar 13:00, Fri 27 Mar 17:00 GMT and
    # Sun 29 Mar 02:30 BST (01:30 UTC: after the change, so hour 2, not 1).
    assert data.busiest == {(3, 13): 1, (1, 9): 1, (2, 13): 1, (4, 17): 1, (6, 2): 1}


def test_weeks_start_on_monday_and_clip_to_the_month(store: Store, store_url: str) -> None:
    data = march(store, store_url, by="week")
    rows = [(g.group, g.volume.created, g.volume.resolved, g.volume.backlog) for g in data.groups]
    assert rows == [
        ("2026-03-01", 0, 0, 1),  # a Sunday: #5 still pending
        ("2026-03-02", 1, 1, 1),  # #1 created; #5 closed on the 2nd
        ("2026-03-09", 1, 3, 0),  # #6 created closed; #1 and #5 closed, #5 reopened
        ("2026-03-16", 1, 0, 1),  # #2
        ("2026-03-23", 2, 0, 3),  # #3 and #4 (Sun 29 Mar 02:30 BST is still this week)
        ("2026-03-30", 0, 1, 2),  # #3 closed on Monday 30 (BST)
    ]
    assert [g.volume.reopened for g in data.groups] == [0, 0, 1, 0, 0, 0]


def test_grouped_by_mailbox_and_by_tag(store: Store, store_url: str) -> None:
    by_mailbox = {g.group: g for g in march(store, store_url, by="mailbox").groups}
    assert by_mailbox["chat"].volume == Volume(1, 1, 0, 0, 1, 1)
    assert by_mailbox["support"].volume == Volume(4, 4, 1, 2, 4, 3)
    by_tag = {g.group: g for g in march(store, store_url, by="tag").groups}
    assert {tag: g.volume.created for tag, g in by_tag.items()} == {
        "refund": 2,
        "vip": 1,
        None: 3,
    }
    assert by_tag["vip"].stats["first_response_business"] == Stats(1, 7200, 7200, 7200)


def test_filters(store: Store, store_url: str) -> None:
    (refunds,) = march(store, store_url, tags=("refund",)).groups
    assert refunds.volume == Volume(2, 1, 0, 1, 2, 2)
    (chat,) = march(store, store_url, channels=("chat",)).groups
    assert chat.stats["first_response"] == Stats(1, 228_600, 228_600, 228_600)


def test_the_response_histogram(store: Store, store_url: str) -> None:
    data = march(store, store_url)
    # 234,000, 583,200 and 228,600 s: all over three days but one (2.6 days).
    assert data.histograms["first_response"] == [0, 0, 0, 0, 0, 2, 1]
    assert data.histograms["first_response_business"] == [0, 0, 3, 0, 0, 0, 0]


def test_march_ends_at_midnight_bst() -> None:
    clock = LocalClock("Europe/London")
    (month,) = time_buckets(
        clock, _period(clock, date(2026, 3, 1), date(2026, 4, 1)), "month", "mon"
    )
    assert (month.start, month.end) == (1772323200, 1774998000)  # 00:00Z, 23:00Z on 31 Mar


def _period(clock: LocalClock, first: date, end: date):  # type: ignore[no-untyped-def]
    from supportctl.reports.periods import Period

    return Period("", first, end, clock.midnight(first), clock.midnight(end))
