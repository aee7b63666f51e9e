"""The codes read from the holidays package's source equal what importing it gives."""

from __future__ import annotations

import holidays
from holidays.registry import COUNTRIES

from supportctl.config.holiday_codes import country_codes, subdivisions


def test_country_codes_match_the_imported_registry() -> None:
    assert country_codes() == frozenset(entry[1] for entry in COUNTRIES.values())
    assert {"SA", "EG", "MA", "AE", "GB"} <= country_codes()


def test_subdivisions_match_the_imported_classes() -> None:
    for code in ("GB", "US", "AE", "SA", "EG", "MA", "DE", "ES"):
        assert subdivisions(code) == tuple(holidays.country_holidays(code).subdivisions), code
    assert "ENG" in subdivisions("GB")
