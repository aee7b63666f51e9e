"""Interval lists: merge, subtract, clip and the membership sweep, against point checks."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from supportctl.meet.intervals import clip, merge, segments, subtract

intervals = st.lists(
    st.tuples(st.integers(0, 60), st.integers(0, 60)).map(sorted).map(tuple), max_size=8
)


def points(spans: list[tuple[int, int]]) -> set[int]:
    return {t for start, end in spans for t in range(start, end)}


def test_merge_joins_touching_and_overlapping_and_drops_empty() -> None:
    assert merge([(5, 9), (1, 3), (3, 4), (7, 12), (20, 20)]) == [(1, 4), (5, 12)]


def test_subtract_cuts_holes_and_ends() -> None:
    assert subtract([(0, 10), (20, 30)], [(-5, 2), (5, 6), (9, 22), (29, 40)]) == [
        (2, 5),
        (6, 9),
        (22, 29),
    ]


def test_clip_keeps_the_parts_inside() -> None:
    assert clip([(0, 10), (15, 20), (30, 40)], 5, 32) == [(5, 10), (15, 20), (30, 32)]


def test_segments_mark_who_covers_each_piece() -> None:
    assert segments([[(0, 10)], [(5, 20)], []], 2, 15) == [(2, 5, 1), (5, 10, 3), (10, 15, 2)]


@settings(max_examples=60)
@given(intervals, intervals)
def test_merge_and_subtract_agree_with_point_sets(a: list, b: list) -> None:
    merged_a, merged_b = merge(a), merge(b)
    assert points(merged_a) == points(a)
    assert all(e1 < s2 for (_, e1), (s2, _) in itertools.pairwise(merged_a))
    assert points(subtract(merged_a, merged_b)) == points(a) - points(b)


@settings(max_examples=60)
@given(st.lists(intervals, min_size=1, max_size=4), st.integers(0, 30), st.integers(30, 60))
def test_segments_agree_with_point_membership(lists: list, low: int, high: int) -> None:
    members = [merge(each) for each in lists]
    found = segments(members, low, high)
    assert [s for s, _, _ in found][:1] == [low][: len(found)]
    assert all(e == s2 for (_, e, _), (s2, _, _) in itertools.pairwise(found))
    for start, end, mask in found:
        for t in range(start, end):
            expected = sum(1 << i for i, spans in enumerate(members) if t in points(spans))
            assert mask == expected, (t, members)
    assert points([(s, e) for s, e, _ in found]) == set(range(low, high))
