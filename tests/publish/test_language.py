"""Dates, times and ranges as published in English and Arabic."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import pytz

from supportctl.errors import UsageError
from supportctl.publish.language import (
    ARABIC,
    ENGLISH,
    day_range,
    hour_ranges,
    local_moment,
    moment_range,
    utc_offset,
    weekday_span,
    words_for,
)
from supportctl.timekit.spec import parse_hour_ranges


@pytest.mark.parametrize(
    ("first", "last", "english", "arabic"),
    [
        ((2026, 3, 19), (2026, 3, 24), "19–24 Mar", "19 إلى 24 مارس"),
        ((2026, 9, 23), (2026, 9, 23), "23 Sep", "23 سبتمبر"),
        ((2026, 3, 30), (2026, 4, 2), "30 Mar – 2 Apr", "30 مارس إلى 2 أبريل"),
        ((2027, 1, 3), (2027, 1, 4), "3–4 Jan 2027", "3 إلى 4 يناير 2027"),
        (
            (2026, 12, 30),
            (2027, 1, 2),
            "30 Dec 2026 – 2 Jan 2027",
            "30 ديسمبر 2026 إلى 2 يناير 2027",
        ),
    ],
)
def test_day_range(
    first: tuple[int, int, int], last: tuple[int, int, int], english: str, arabic: str
) -> None:
    assert day_range(ENGLISH, date(*first), date(*last), this_year=2026) == english
    assert day_range(ARABIC, date(*first), date(*last), this_year=2026) == arabic


def test_moments_carry_their_offset() -> None:
    kolkata = pytz.timezone("Asia/Kolkata").localize(datetime(2026, 3, 22, 9, 5))
    assert local_moment(ENGLISH, kolkata) == "Sunday 22 March 2026, 09:05 (UTC+5:30)"
    assert local_moment(ARABIC, kolkata) == "الأحد 22 مارس 2026 الساعة 09:05 (بتوقيت UTC+5:30)"
    st_johns = pytz.timezone("America/St_Johns").localize(datetime(2026, 1, 5, 9, 0))
    assert utc_offset(st_johns) == "-3:30"
    assert utc_offset(pytz.utc.localize(datetime(2026, 1, 5))) == ""


def test_moment_range() -> None:
    riyadh = pytz.timezone("Asia/Riyadh")
    start, end = (
        riyadh.localize(datetime(2026, 6, 4, 13)),
        riyadh.localize(datetime(2026, 6, 4, 17)),
    )
    assert moment_range(ENGLISH, start, end) == "4 Jun 13:00–17:00"
    assert moment_range(ARABIC, start, end) == "4 يونيو 13:00 إلى 17:00"
    later = riyadh.localize(datetime(2026, 6, 5, 9))
    assert moment_range(ENGLISH, start, later) == "4 Jun 13:00 – 5 Jun 09:00"


def test_weekdays_and_hours() -> None:
    assert weekday_span(ENGLISH, (6, 0, 1, 2, 3)) == "Sun–Thu"
    assert weekday_span(ARABIC, (4,)) == "الجمعة"
    assert weekday_span(ENGLISH, tuple(range(7))) == "Every day"
    assert hour_ranges(ENGLISH, parse_hour_ranges("09:00-12:00,13:00-17:00")) == (
        "09:00–12:00, 13:00–17:00"
    )
    assert hour_ranges(ENGLISH, parse_hour_ranges("22:00-06:00")) == "22:00–06:00 (overnight)"
    assert hour_ranges(ARABIC, parse_hour_ranges("00:00-24:00")) == "على مدار الساعة"
    assert hour_ranges(ARABIC, ()) == "مغلق"


def test_unknown_language() -> None:
    assert words_for("ar") is ARABIC
    with pytest.raises(UsageError, match="unknown language 'fr'"):
        words_for("fr")
