"""The resolved config as plain data (for ``config show``), secrets masked."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Any

from supportctl.config.secrets import MASK, SECRET_KEYS
from supportctl.timekit.spec import DAY_NAMES, Duration, HourRange

# Model field → config key, where the two differ.
_KEY_NAMES = {"start": "from", "end": "to", "from_address": "from"}


def config_to_plain(config: Any) -> dict[str, Any]:
    from supportctl.store.url import mask_url

    plain = _plain(config)
    if not plain["store"].startswith("sqlite:"):
        plain["store"] = mask_url(plain["store"])
    return plain


def _plain(value: Any) -> Any:
    if isinstance(value, Duration):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        result = {}
        for field in dataclasses.fields(value):
            item = getattr(value, field.name)
            if field.name in SECRET_KEYS and item is not None:
                item = MASK
            result[_KEY_NAMES.get(field.name, field.name)] = _plain(item)
        return result
    if isinstance(value, dict):
        if value and all(isinstance(key, int) for key in value):
            return _weekly(value)
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, tuple | list):
        if value and all(
            isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str)
            for item in value
        ):
            return {name: pattern for name, pattern in value}
        return [_plain(item) for item in value]
    return value


def _weekly(week: dict[int, tuple[HourRange, ...]]) -> dict[str, str]:
    return {
        DAY_NAMES[day]: ",".join(str(r) for r in ranges) for day, ranges in sorted(week.items())
    }
