"""Check a document against the JSON Schema subset that ``schema.json`` uses.

A full JSON Schema library costs more start-up than the rest of ``config validate``
together, stops short of what we want to say (it cannot point at the key to fix or
suggest the key that was meant), and cannot undo YAML 1.1's coercions. The schema
sticks to the keywords in ``SUPPORTED_KEYWORDS``; ``description``, ``default``,
``examples`` and ``title`` among them are annotations. The test suite
checks that the schema is valid Draft 2020-12 and that ``jsonschema`` agrees with this
checker on every fixture.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from typing import Any

from supportctl.config.problems import JsonPath

SUPPORTED_KEYWORDS = frozenset(
    {
        *("$ref", "type", "properties", "patternProperties", "additionalProperties"),
        *("required", "enum", "const", "pattern", "minimum", "maximum", "minLength"),
        *("items", "minItems", "uniqueItems", "anyOf"),
        *("description", "default", "examples", "title", "$schema", "$id", "$defs", "$comment"),
    }
)

# (path, message, points at the key rather than the value)
SchemaError = tuple[JsonPath, str, bool]

_TYPE_CHECKS: dict[str, Callable[[Any], bool]] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}
_TYPE_WORDS = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "empty",
}


class SchemaChecker:
    """Walks a document once, collecting every error; returns the document with YAML's
    plain scalars turned back into strings where the schema asks for a string."""

    def __init__(self, schema: dict[str, Any], plain_text: dict[JsonPath, str]):
        self._root = schema
        self._plain_text = plain_text
        self.errors: list[SchemaError] = []
        self._patterns: dict[str, re.Pattern[str]] = {}

    def check(self, value: Any) -> Any:
        return self._check(value, self._root, ())

    def _resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            target: Any = self._root
            for part in schema["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            schema = target
        return schema

    def _check(self, value: Any, schema: dict[str, Any], path: JsonPath) -> Any:
        schema = self._resolve(schema)
        if "anyOf" in schema:
            return self._check_any_of(value, schema["anyOf"], path)
        types = schema.get("type")
        if types is not None:
            allowed = [types] if isinstance(types, str) else list(types)
            if not any(_TYPE_CHECKS[name](value) for name in allowed):
                if "string" in allowed and path in self._plain_text:
                    value = self._plain_text[path]
                else:
                    wanted = " or ".join(_TYPE_WORDS[name] for name in allowed)
                    self.errors.append((path, f"must be {wanted}, not {_describe(value)}", False))
                    return value
        if isinstance(value, dict):
            return self._check_object(value, schema, path)
        if isinstance(value, list):
            return self._check_array(value, schema, path)
        self._check_scalar(value, schema, path)
        return value

    def _check_any_of(self, value: Any, branches: list[dict[str, Any]], path: JsonPath) -> Any:
        best: tuple[int, Any, list[SchemaError]] | None = None
        for branch in branches:
            trial = SchemaChecker(self._root, self._plain_text)
            trial._patterns = self._patterns
            result = trial._check(value, branch, path)
            if not trial.errors:
                return result
            if best is None or len(trial.errors) < best[0]:
                best = (len(trial.errors), result, trial.errors)
        assert best is not None
        self.errors.extend(best[2])
        return best[1]

    def _check_object(self, value: dict[str, Any], schema: dict[str, Any], path: JsonPath) -> Any:
        properties: dict[str, Any] = schema.get("properties", {})
        for name in schema.get("required", ()):
            if name not in value:
                self.errors.append((path, f"'{name}' is required", False))
        extra = schema.get("additionalProperties", True)
        patterns = schema.get("patternProperties", {})
        for key in list(value):
            child = (*path, key)
            matching = [p for p in patterns if self._pattern(p).search(key)]
            if key in properties:
                value[key] = self._check(value[key], properties[key], child)
            elif matching:
                for pattern in matching:
                    value[key] = self._check(value[key], patterns[pattern], child)
            elif extra is False:
                self.errors.append((child, _unknown_key(key, properties), True))
            elif isinstance(extra, dict):
                value[key] = self._check(value[key], extra, child)
        return value

    def _check_array(self, value: list[Any], schema: dict[str, Any], path: JsonPath) -> Any:
        if len(value) < schema.get("minItems", 0):
            self.errors.append((path, f"needs at least {schema['minItems']} item(s)", False))
        if "items" in schema:
            for index, item in enumerate(value):
                value[index] = self._check(item, schema["items"], (*path, index))
        if schema.get("uniqueItems"):
            seen: list[Any] = []
            for index, item in enumerate(value):
                if item in seen:
                    self.errors.append(((*path, index), f"{item!r} is listed twice", False))
                seen.append(item)
        return value

    def _check_scalar(self, value: Any, schema: dict[str, Any], path: JsonPath) -> None:
        if "enum" in schema and value not in schema["enum"]:
            choices = ", ".join(str(choice) for choice in schema["enum"])
            hint = _suggest(str(value), [str(c) for c in schema["enum"]])
            self.errors.append((path, f"{value!r} is not one of: {choices}{hint}", False))
        if "const" in schema and value != schema["const"]:
            wanted = schema.get("title") or repr(schema["const"])
            self.errors.append((path, f"must be {wanted}, not {value!r}", False))
        if isinstance(value, str):
            self._check_string(value, schema, path)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            if "minimum" in schema and value < schema["minimum"]:
                self.errors.append((path, f"must be at least {schema['minimum']}", False))
            if "maximum" in schema and value > schema["maximum"]:
                self.errors.append((path, f"must be at most {schema['maximum']}", False))

    def _pattern(self, pattern: str) -> re.Pattern[str]:
        if pattern not in self._patterns:
            self._patterns[pattern] = re.compile(pattern)
        return self._patterns[pattern]

    def _check_string(self, value: str, schema: dict[str, Any], path: JsonPath) -> None:
        if len(value) < schema.get("minLength", 0):
            self.errors.append((path, "must not be empty", False))
        pattern = schema.get("pattern")
        if pattern is not None and not self._pattern(pattern).search(value):
            described = schema.get("title") or f"the pattern {pattern}"
            self.errors.append((path, f"{value!r} is not {described}", False))


def _describe(value: Any) -> str:
    for name, check in _TYPE_CHECKS.items():
        if check(value):
            return _TYPE_WORDS[name] if name != "null" else "nothing"
    return type(value).__name__


def _suggest(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _unknown_key(key: str, properties: dict[str, Any]) -> str:
    known = sorted(properties)
    hint = _suggest(key, known)
    if not hint and known:
        hint = f" (known keys: {', '.join(known)})"
    return f"unknown key '{key}'{hint}"
