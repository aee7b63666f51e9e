"""Holidays from the package: names in two languages, estimation, overrides, errors."""

from __future__ import annotations

from datetime import date

import pytest

from supportctl.config.model import HolidayOverride, HolidaySource
from supportctl.errors import ConfigError
from supportctl.timekit.holidays import HolidayDay, _year_holidays, holiday_days

EID_AL_FITR = HolidayDay("Eid al-Fitr Holiday", "عطلة عيد الفطر", estimated=True)
EID_AL_FITR_OBSERVED = HolidayDay(
    "Eid al-Fitr Holiday (observed)", "عطلة عيد الفطر (يوم تعويضي)", estimated=True
)


def test_saudi_2026_has_estimated_eid_without_the_label() -> None:
    # SA hides "(estimated)" unless asked: the flag must still be set, the name clean.
    days = holiday_days(HolidaySource("SA"), [2026])
    assert days == {
        date(2026, 2, 22): HolidayDay("Founding Day Holiday", "يوم التأسيس"),
        date(2026, 3, 19): EID_AL_FITR,
        date(2026, 3, 20): EID_AL_FITR,
        date(2026, 3, 21): EID_AL_FITR,
        date(2026, 3, 22): EID_AL_FITR,
        date(2026, 3, 23): EID_AL_FITR_OBSERVED,
        date(2026, 3, 24): EID_AL_FITR_OBSERVED,
        date(2026, 5, 26): HolidayDay("Day of Arafah", "يوم عرفة", estimated=True),
        date(2026, 5, 27): HolidayDay("Eid al-Adha Holiday", "عطلة عيد الأضحى", estimated=True),
        date(2026, 5, 28): HolidayDay("Eid al-Adha Holiday", "عطلة عيد الأضحى", estimated=True),
        date(2026, 5, 29): HolidayDay("Eid al-Adha Holiday", "عطلة عيد الأضحى", estimated=True),
        date(2026, 5, 31): HolidayDay(
            "Eid al-Adha Holiday (observed)", "عطلة عيد الأضحى (يوم تعويضي)", estimated=True
        ),
        date(2026, 9, 23): HolidayDay("National Day Holiday", "اليوم الوطني"),
    }


def test_past_islamic_dates_are_not_estimated() -> None:
    days = holiday_days(HolidaySource("SA"), [2024])
    assert days[date(2024, 4, 10)] == HolidayDay("Eid al-Fitr Holiday", "عطلة عيد الفطر")


def test_egypt_labels_estimates_by_default_and_they_are_stripped() -> None:
    days = holiday_days(HolidaySource("EG"), [2026])
    assert days[date(2026, 5, 27)] == HolidayDay("Eid al-Adha", "عيد الأضحى المبارك", True)
    assert days[date(2026, 3, 20)] == HolidayDay("Eid al-Fitr", "عيد الفطر المبارك", False)


def test_arabic_as_the_main_language_uses_the_countrys_arabic_locale() -> None:
    # Egypt's only Arabic locale is ar_EG; "ar" alone is not among its languages.
    days = holiday_days(HolidaySource("EG"), [2026], language="ar")
    assert days[date(2026, 1, 7)].name == "عيد الميلاد المجيد"


def test_english_picks_the_regional_locale() -> None:
    days = holiday_days(HolidaySource("US"), [2026])
    assert days[date(2026, 7, 4)].name == "Independence Day"


def test_country_without_arabic_names_falls_back_to_its_default_language() -> None:
    days = holiday_days(HolidaySource("GB", "ENG"), [2026])
    assert days[date(2026, 12, 25)] == HolidayDay("Christmas Day", "Christmas Day")


def test_subdivision_adds_its_own_holidays() -> None:
    scotland = holiday_days(HolidaySource("GB", "SCT"), [2026])
    england = holiday_days(HolidaySource("GB", "ENG"), [2026])
    assert scotland[date(2026, 11, 30)].name == "Saint Andrew's Day"
    assert date(2026, 11, 30) not in england


def test_several_years_merge() -> None:
    days = holiday_days(HolidaySource("SA"), range(2025, 2027))
    assert date(2025, 9, 23) in days
    assert date(2026, 9, 23) in days
    assert len(days) == len(holiday_days(HolidaySource("SA"), [2025])) + 13


def test_override_replaces_the_matching_days_in_its_year_only() -> None:
    moved = HolidayOverride("eid al-fitr", date(2026, 3, 20), date(2026, 3, 25))
    days = holiday_days(HolidaySource("SA", overrides=(moved,)), [2025, 2026])
    eid = HolidayDay("Eid al-Fitr Holiday", "عطلة عيد الفطر", estimated=False)
    assert date(2026, 3, 19) not in days
    assert [days[date(2026, 3, d)] for d in range(20, 26)] == [eid] * 6
    assert days[date(2026, 5, 27)].estimated  # Eid al-Adha is untouched
    assert days[date(2025, 3, 30)].name == "Eid al-Fitr Holiday"  # another year


def test_override_names_win_over_the_packages() -> None:
    moved = HolidayOverride(
        "Eid al-Fitr", date(2026, 3, 20), date(2026, 3, 21), name="Eid break", name_ar="إجازة العيد"
    )
    days = holiday_days(HolidaySource("SA", overrides=(moved,)), [2026])
    assert days[date(2026, 3, 20)] == HolidayDay("Eid break", "إجازة العيد")
    arabic = holiday_days(HolidaySource("SA", overrides=(moved,)), [2026], language="ar")
    assert arabic[date(2026, 3, 21)].name == "إجازة العيد"


def test_override_matching_nothing_adds_its_days_under_its_name() -> None:
    extra = HolidayOverride("Unification", date(2026, 7, 1), date(2026, 7, 1), name="Unity Day")
    days = holiday_days(HolidaySource("SA", overrides=(extra,)), [2026])
    assert days[date(2026, 7, 1)] == HolidayDay("Unity Day", "Unity Day")


@pytest.mark.parametrize(
    ("source", "year", "named"),
    [
        (HolidaySource("XX"), 2026, "'XX'"),
        (HolidaySource("sa"), 2026, "'sa'"),
        (HolidaySource("SA", subdivision="RUH"), 2026, "'RUH'"),
        (HolidaySource("GB", subdivision="ZZZ"), 2026, "'ZZZ'"),
        (HolidaySource("SA", categories=("bank",)), 2026, "bank"),
        (HolidaySource("SA"), 2101, "2101"),
        (HolidaySource("AE"), 1971, "1971"),
    ],
)
def test_bad_sources_and_years_are_config_errors_naming_the_culprit(
    source: HolidaySource, year: int, named: str
) -> None:
    with pytest.raises(ConfigError, match=named):
        holiday_days(source, [year])


def test_each_source_year_and_language_is_computed_once() -> None:
    source = HolidaySource("AE", categories=("public",))
    before = _year_holidays.cache_info()
    first = holiday_days(source, [2027])
    second = holiday_days(source, [2027])
    after = _year_holidays.cache_info()
    assert first == second
    assert (after.misses - before.misses, after.hits - before.hits) == (1, 1)
