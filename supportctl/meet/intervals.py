"""Sorted lists of half-open integer intervals ``[start, end)`` (epoch microseconds).

The planner works on whole interval lists, never on single instants: a participant's
free time over sixty days is a few dozen intervals, however fine the step.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

Interval = tuple[int, int]


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, with overlapping and touching intervals joined and empty ones dropped.

    >>> merge([(5, 9), (1, 3), (3, 4), (7, 7)])
    [(1, 4), (5, 9)]
    """
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def subtract(kept: Sequence[Interval], removed: Sequence[Interval]) -> list[Interval]:
    """``kept`` minus ``removed``; both sorted and disjoint (as ``merge`` returns them).

    >>> subtract([(0, 10), (20, 30)], [(5, 22)])
    [(0, 5), (22, 30)]
    """
    result: list[Interval] = []
    j = 0
    for start, end in kept:
        while j < len(removed) and removed[j][1] <= start:
            j += 1
        k = j
        while k < len(removed) and removed[k][0] < end:
            cut_start, cut_end = removed[k]
            if cut_start > start:
                result.append((start, cut_start))
            start = max(start, cut_end)
            k += 1
        if start < end:
            result.append((start, end))
    return result


def clip(intervals: Iterable[Interval], low: int, high: int) -> list[Interval]:
    """The parts of ``intervals`` inside ``[low, high)``."""
    return [
        (max(start, low), min(end, high))
        for start, end in intervals
        if max(start, low) < min(end, high)
    ]


def segments(
    members: Sequence[Sequence[Interval]], low: int, high: int
) -> list[tuple[int, int, int]]:
    """``[low, high)`` cut where membership changes: ``(start, end, mask)`` pieces whose
    ``mask`` has bit ``i`` set where ``members[i]`` covers them (each list disjoint).

    One sweep over every list's boundaries: the cost grows with the number of intervals,
    not with the length of the span.

    >>> segments([[(0, 10)], [(5, 20)]], 0, 20)
    [(0, 5, 1), (5, 10, 3), (10, 20, 2)]
    """
    events = sorted(
        (position, 1 << index)
        for index, intervals in enumerate(members)
        for interval in intervals
        for position in interval
    )
    result: list[tuple[int, int, int]] = []
    mask = 0
    previous = low
    for position, bit in events:
        if position > previous and previous < high:
            cut = min(position, high)
            if cut > max(previous, low):
                result.append((max(previous, low), cut, mask))
        previous = max(previous, position)
        mask ^= bit  # each list is disjoint: its bit flips on at a start, off at an end
    if previous < high:
        result.append((max(previous, low), high, mask))
    return result
