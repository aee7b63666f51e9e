"""Numbered schema migrations, discovered from the modules of this package.

Each module ``NNNN_short_name.py`` is one migration. Its docstring says what it does and
its ``STATEMENTS`` tuple holds SQL statements written once for both databases, using
two placeholders where SQLite and PostgreSQL spell a type differently:

- ``{id_pk}``: an integer primary key the database allocates (never reused);
- ``{int64}``: a 64-bit integer (epoch seconds, IMAP UIDs, sizes).

Write a literal brace as ``{{`` or ``}}``. Numbers start at 0001 with no gaps; a feature
adds the next number in a new file and never edits a migration once released.
"""

from __future__ import annotations

import pkgutil
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import import_module

from supportctl.errors import StoreError

_MODULE_NAME = re.compile(r"(\d{4})_([a-z0-9_]+)")


@dataclass(frozen=True)
class Migration:
    """One step of the schema: ``number`` orders it, ``name`` is recorded beside it."""

    number: int
    name: str
    statements: tuple[str, ...]

    def render(self, schema_types: Mapping[str, str]) -> list[str]:
        """The statements with the dialect's type spellings filled in."""
        return [statement.format_map(schema_types) for statement in self.statements]


@cache
def discover_migrations(package_name: str = __name__) -> tuple[Migration, ...]:
    """Every migration module of the package, by number; StoreError if numbering is
    broken (a gap, a duplicate, a module not named ``NNNN_short_name``)."""
    package = import_module(package_name)
    migrations = sorted(
        (_load(package_name, module.name) for module in pkgutil.iter_modules(package.__path__)),
        key=lambda migration: migration.number,
    )
    numbers = [migration.number for migration in migrations]
    if numbers != list(range(1, len(numbers) + 1)):
        raise StoreError(
            f"migrations in {package_name} must be numbered 1, 2, 3, ... without gaps or"
            f" duplicates, found {numbers}"
        )
    return tuple(migrations)


def _load(package_name: str, module_name: str) -> Migration:
    match = _MODULE_NAME.fullmatch(module_name)
    if match is None:
        raise StoreError(f"migration {package_name}.{module_name} is not named NNNN_short_name")
    module = import_module(f"{package_name}.{module_name}")
    return Migration(number=int(match[1]), name=match[2], statements=tuple(module.STATEMENTS))
