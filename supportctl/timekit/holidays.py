"""Public holidays from the ``holidays`` package, with English and Arabic names.

The package is imported inside the functions: loading it costs tens of milliseconds and
most commands never need it.

Islamic holidays follow the moon, so the package can only estimate them for the coming
years. It says so in the name ("Eid al-Fitr Holiday (estimated)"), and some countries
(SA) hide that label unless asked. Rather than parse labels in every language, the
entity is built twice, with ``*_show_estimated`` on and off: a name that differs between
the two is estimated, and the name from the second is the clean one.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any

from supportctl.config.model import HolidayOverride, HolidaySource
from supportctl.errors import ConfigError
from supportctl.timekit import holiday_cache

if TYPE_CHECKING:
    from holidays import HolidayBase

ENGLISH = "en"
ARABIC = "ar"
# The package joins several holidays on one date with this; names we return do too.
NAME_SEPARATOR = "; "


@dataclass(frozen=True)
class HolidayDay:
    """One public holiday date: ``name`` in the requested language, ``name_ar`` in Arabic
    (the country's default language where the package has no Arabic names)."""

    name: str
    name_ar: str
    estimated: bool = False


@dataclass(frozen=True)
class _Entry:
    """One holiday on one date, before several are joined into a ``HolidayDay``."""

    name: str
    name_ar: str
    name_en: str  # what an override's ``match`` is compared with
    estimated: bool


def holiday_days(
    source: HolidaySource, years: Iterable[int], language: str = ENGLISH
) -> dict[date, HolidayDay]:
    """Public holidays of ``source`` in ``years``, date → ``HolidayDay``.

    >>> days = holiday_days(HolidaySource("SA"), [2026])
    >>> days[date(2026, 3, 19)]
    HolidayDay(name='Eid al-Fitr Holiday', name_ar='عطلة عيد الفطر', estimated=True)

    ``language`` is a code such as ``en`` or ``ar``, mapped to the locale the country
    supports (``ar`` → ``ar_EG`` for Egypt). Overrides replace, in the year they start,
    the days whose English name contains ``match`` (case-insensitively) with their own
    dates, which are not estimated. Raises ``ConfigError`` for an unknown country,
    subdivision or category, and for a year the package has no data for. Each
    (source, year, language) is computed once per process.
    """
    result: dict[date, HolidayDay] = {}
    for year in years:
        result.update(_year_holidays(source, year, language))
    return result


@cache
def _year_holidays(source: HolidaySource, year: int, language: str) -> dict[date, HolidayDay]:
    entries = _cached_entries(source, year, language)
    for override in source.overrides:
        if override.start.year == year:
            _apply_override(entries, override, language)
    return {
        day: HolidayDay(
            name=NAME_SEPARATOR.join(entry.name for entry in day_entries),
            name_ar=NAME_SEPARATOR.join(entry.name_ar for entry in day_entries),
            estimated=any(entry.estimated for entry in day_entries),
        )
        for day, day_entries in sorted(entries.items())
        if day_entries
    }


def _cached_entries(source: HolidaySource, year: int, language: str) -> dict[date, list[_Entry]]:
    """The package's entries for one year, from ``holiday_cache`` when an earlier run
    asked the same question (so this run need not import the package)."""
    key = json.dumps([source.country, source.subdivision, source.categories, year, language])
    stored = holiday_cache.load(key)
    if stored is not None:
        return {
            date.fromisoformat(day): [_Entry(*fields) for fields in day_entries]
            for day, day_entries in stored.items()
        }
    entity = _entity_class(source.country, source.subdivision)
    if not entity.start_year <= year <= entity.end_year:
        raise ConfigError(
            f"the holidays package has no {source.country} holidays for {year}",
            hint=f"it covers {entity.start_year} to {entity.end_year}",
        )
    entries = _package_entries(source, entity, year, language)
    holiday_cache.store(
        key,
        {
            day.isoformat(): [list(dataclasses.astuple(entry)) for entry in day_entries]
            for day, day_entries in entries.items()
        },
    )
    return entries


@cache
def _entity_class(country: str, subdivision: str | None) -> type[HolidayBase]:
    import holidays

    supported = holidays.list_supported_countries()
    if country not in supported:
        raise ConfigError(
            f"unknown holiday country {country!r}",
            hint="use an ISO 3166-1 alpha-2 code the holidays package supports, e.g. SA, AE, EG",
        )
    if subdivision is not None and subdivision not in supported[country]:
        raise ConfigError(
            f"unknown subdivision {subdivision!r} of holiday country {country}",
            hint=f"use one of: {', '.join(supported[country]) or 'none (omit subdivision)'}",
        )
    return type(holidays.country_holidays(country, subdiv=subdivision))


def _package_entries(
    source: HolidaySource, entity: type[HolidayBase], year: int, language: str
) -> dict[date, list[_Entry]]:
    def table(lang: str, *, show_estimated: bool) -> HolidayBase:
        return _build_table(source, entity, year, _locale(entity, lang), show_estimated)

    clean = table(language, show_estimated=False)
    labelled = table(language, show_estimated=True)
    arabic = table(ARABIC, show_estimated=False)
    english = table(ENGLISH, show_estimated=False)
    entries: dict[date, list[_Entry]] = {}
    for day in sorted(clean):
        names, labels = clean.get_list(day), labelled.get_list(day)
        arabic_names, english_names = arabic.get_list(day), english.get_list(day)
        if not len(names) == len(labels) == len(arabic_names) == len(english_names):
            # A translation merged two names into one: keep the day whole.
            names, labels, arabic_names, english_names = (
                [NAME_SEPARATOR.join(group)]
                for group in (names, labels, arabic_names, english_names)
            )
        entries[day] = [
            _Entry(name, name_ar, name_en, estimated=label != name)
            for name, label, name_ar, name_en in zip(
                names, labels, arabic_names, english_names, strict=True
            )
        ]
    return entries


def _build_table(
    source: HolidaySource,
    entity: type[HolidayBase],
    year: int,
    locale: str | None,
    show_estimated: bool,
) -> HolidayBase:
    import holidays

    options: dict[str, Any] = {
        name: show_estimated
        for name in inspect.signature(entity.__init__).parameters
        if name.endswith("_show_estimated")
    }
    try:
        return holidays.country_holidays(
            source.country,
            subdiv=source.subdivision,
            years=year,
            categories=source.categories or None,
            language=locale,
            **options,
        )
    except ValueError as error:  # the package's way of rejecting a category
        raise ConfigError(
            f"holiday country {source.country}: {error}",
            hint=f"categories it has: {', '.join(entity.supported_categories)}",
        ) from error


def _locale(entity: type[HolidayBase], language: str) -> str | None:
    """The entity's own locale for ``language`` (``ar`` → ``ar_EG``), else its default.

    The package silently ignores a locale it does not support, so pick only from
    ``supported_languages``: the default if it is in that language, then the country's
    regional variant, then any.
    """
    supported = entity.supported_languages
    candidates = [code for code in supported if code.split("_")[0] == language]
    for preferred in (entity.default_language, f"{language}_{entity.country}"):
        if preferred in candidates:
            return preferred
    return candidates[0] if candidates else entity.default_language


def _apply_override(
    entries: dict[date, list[_Entry]], override: HolidayOverride, language: str
) -> None:
    match = override.match.casefold()
    replaced: list[_Entry] = []
    for day_entries in entries.values():
        replaced += [entry for entry in day_entries if match in entry.name_en.casefold()]
        day_entries[:] = [entry for entry in day_entries if match not in entry.name_en.casefold()]
    name = _override_name(override, language) or (replaced[0].name if replaced else override.match)
    name_ar = override.name_ar or (replaced[0].name_ar if replaced else name)
    entry = _Entry(name, name_ar, override.name or name, estimated=False)
    day = override.start
    while day <= override.end:
        entries.setdefault(day, []).append(entry)
        day += timedelta(days=1)


def _override_name(override: HolidayOverride, language: str) -> str | None:
    if language == ARABIC and override.name_ar:
        return override.name_ar
    return override.name
