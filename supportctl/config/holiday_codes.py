"""Country and subdivision codes of the ``holidays`` package, read without importing it.

``import holidays`` costs more than the rest of ``config validate`` (its package
imports every country), so the codes are read from the package's own source with
``ast``: the registry's ``COUNTRIES`` literal and a country class's ``subdivisions``
tuple. When the source is not shaped as expected (a future release), the functions fall
back to importing; a test holds both paths to the same answer.
"""

from __future__ import annotations

import ast
import importlib.util
from functools import cache
from pathlib import Path

from supportctl.timekit import holiday_cache

_COUNTRY_CODES_KEY = "country codes"


def _package_dir() -> Path | None:
    spec = importlib.util.find_spec("holidays")
    return Path(spec.origin).parent if spec and spec.origin else None


@cache
def _registry() -> dict[str, tuple[str, ...]] | None:
    """Module name → (class name, alpha-2, alpha-3, ...), as in ``holidays.registry``."""
    package = _package_dir()
    if package is None:
        return None
    tree = ast.parse((package / "registry.py").read_text(encoding="utf-8"))
    for node in tree.body:
        target = (
            node.target
            if isinstance(node, ast.AnnAssign)
            else (node.targets[0] if isinstance(node, ast.Assign) else None)
        )
        if isinstance(target, ast.Name) and target.id == "COUNTRIES" and node.value is not None:
            try:
                return ast.literal_eval(node.value)
            except ValueError:
                return None
    return None


def country_codes() -> frozenset[str]:
    """Every ISO 3166-1 alpha-2 code the holidays package has a calendar for.

    Kept in the holiday cache: parsing the registry costs more than the rest of
    loading a config."""
    cached = holiday_cache.load(_COUNTRY_CODES_KEY)
    if cached is not None:
        return frozenset(cached)
    registry = _registry()
    if registry is None:
        from holidays.registry import COUNTRIES

        registry = COUNTRIES
    codes = frozenset(entry[1] for entry in registry.values())
    holiday_cache.store(_COUNTRY_CODES_KEY, sorted(codes))
    return codes


def subdivisions(country: str) -> tuple[str, ...]:
    """The subdivision codes of ``country`` (alpha-2), kept in the holiday cache too."""
    key = f"subdivisions {country.upper()}"
    cached = holiday_cache.load(key)
    if cached is not None:
        return tuple(cached)
    found = _subdivisions_from_source(country.upper())
    if found is None:
        import holidays

        found = tuple(holidays.country_holidays(country).subdivisions)
    holiday_cache.store(key, list(found))
    return found


def _subdivisions_from_source(country: str) -> tuple[str, ...] | None:
    registry, package = _registry(), _package_dir()
    if registry is None or package is None:
        return None
    for module, entry in registry.items():
        if entry[1] == country:
            source = package / "countries" / f"{module}.py"
            if source.exists():
                return _class_attribute(source, entry[0], "subdivisions")
    return None


def _class_attribute(source: Path, class_name: str, attribute: str) -> tuple[str, ...] | None:
    tree = ast.parse(source.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            for statement in node.body:
                target = (
                    statement.target
                    if isinstance(statement, ast.AnnAssign)
                    else (statement.targets[0] if isinstance(statement, ast.Assign) else None)
                )
                if isinstance(target, ast.Name) and target.id == attribute and statement.value:
                    try:
                        return tuple(ast.literal_eval(statement.value))
                    except ValueError:
                        return None
            return ()  # the class declares none
    return None
