"""``config validate``: every problem, at its line and column, for every fixture."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from supportctl.config import load_schema, validate_file
from supportctl.config.schemacheck import SUPPORTED_KEYWORDS, SchemaChecker
from supportctl.config.source import read_document
from tests.conftest import EXAMPLE_CONFIG, REPO, Run

CONFIGS = REPO / "tests" / "configs"
INVALID = sorted((CONFIGS / "invalid").glob("*.yaml"))
VALID = [*sorted((CONFIGS / "valid").glob("*.yaml")), EXAMPLE_CONFIG]
_EXPECT = re.compile(r"^# expect: (\d+):(\d+) (\S+)( warning)?$", re.MULTILINE)


def expected_problems(path: Path) -> list[tuple[int, int, str, str]]:
    return [
        (int(line), int(column), where, "warning" if warning else "error")
        for line, column, where, warning in _EXPECT.findall(path.read_text(errors="replace"))
    ]


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_config_reports_every_problem_at_its_position(path: Path) -> None:
    expected = expected_problems(path)
    assert expected, f"{path.name} lists no '# expect:' lines"
    report = validate_file(path)
    found = [(p.line, p.column, p.path, p.severity) for p in report.problems]
    assert found == expected


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_config_exits_2_with_one_line_per_problem(run: Run, path: Path) -> None:
    result = run("config", "validate", str(path))
    assert result.exit_code == 2
    lines = result.stdout.splitlines()
    assert len(lines) == len(expected_problems(path))
    for line in lines:
        assert re.match(rf"^{re.escape(str(path))}:\d+:\d+: \S+: .+$", line), line
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_config_has_no_problem(run: Run, path: Path) -> None:
    assert validate_file(path).problems == ()
    result = run("config", "validate", str(path))
    assert result.exit_code == 0, result.stdout
    assert result.stdout == ""
    assert "0 error(s), 0 warning(s)" in result.stderr


def test_json_format_lists_problems_for_ci_annotations(run: Run) -> None:
    path = CONFIGS / "invalid" / "references.yaml"
    result = run("--format", "json", "config", "validate", str(path))
    assert result.exit_code == 2
    problems = json.loads(result.stdout)
    assert problems[0] == {
        "file": str(path),
        "line": 2,
        "column": 11,
        "path": "timezone",
        "severity": "error",
        "message": "unknown time zone 'Asia/Riyad' (did you mean 'Asia/Riyadh'?)",
    }
    assert len(problems) == len(expected_problems(path))


def test_warnings_fail_only_under_strict(run: Run, tmp_path: Path) -> None:
    config = tmp_path / "warn.yaml"
    config.write_text('version: 1\ncalendars:\n  c: {hours: {fri: "17:00-09:00"}}\n')
    relaxed = run("config", "validate", str(config))
    assert relaxed.exit_code == 0
    assert (
        "warning: 17:00-09:00 runs overnight for 16h; did you mean 09:00-17:00?" in relaxed.stdout
    )
    assert run("config", "validate", "--strict", str(config)).exit_code == 2


def test_suggestions_name_the_intended_key(tmp_path: Path) -> None:
    config = tmp_path / "typo.yaml"
    config.write_text("version: 1\nmailboxes:\n  - {name: a, maildir: ./m, thread_windw: 3d}\n")
    (problem,) = validate_file(config).problems
    assert problem.message == "unknown key 'thread_windw' (did you mean 'thread_window'?)"
    assert (problem.line, problem.column) == (3, 29)


def test_validate_says_secrets_were_not_resolved(run: Run) -> None:
    result = run("config", "validate", str(EXAMPLE_CONFIG))
    assert result.exit_code == 0
    assert "secrets not resolved (${SUPPORT_IMAP_PASSWORD} read at run time)" in result.stderr


# -- the schema is the contract ---------------------------------------------------


def _keywords(node: object) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            found.add(key)
            if key in ("properties", "$defs", "patternProperties"):
                for child in value.values():
                    found |= _keywords(child)
            elif key not in ("examples", "default", "enum", "const", "required"):
                found |= _keywords(value)
    elif isinstance(node, list):
        for child in node:
            found |= _keywords(child)
    return found


def test_schema_is_valid_draft_2020_12_and_uses_only_checked_keywords() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = load_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert _keywords(schema) <= SUPPORTED_KEYWORDS


def test_repository_schema_is_the_packaged_schema() -> None:
    assert json.loads((REPO / "config" / "schema.json").read_text()) == load_schema()


@pytest.mark.parametrize("path", INVALID + VALID, ids=lambda p: p.stem)
def test_jsonschema_agrees_with_our_checker(path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    document = read_document(path)
    if document.data is None:
        pytest.skip("not a YAML mapping; nothing for a schema to check")
    checker = SchemaChecker(load_schema(), document.plain_text)
    data = checker.check(document.data)
    theirs = {
        tuple(error.absolute_path)
        for error in jsonschema.Draft202012Validator(load_schema()).iter_errors(data)
    }
    ours = {error_path for error_path, _message, _at_key in checker.errors}
    # jsonschema reports an unknown or missing key at its parent object.
    ours_at_parent = {p[:-1] for p, _m, at_key in checker.errors if at_key}
    assert bool(theirs) == bool(ours)
    assert theirs <= ours | ours_at_parent


Anchored = tuple[str, tuple[str, ...]]  # (schema definition, key path inside it)


def _resolve(node: dict, schema: dict, anchor: str) -> tuple[dict, str, bool]:
    if "$ref" in node:
        name = node["$ref"].split("/")[-1]
        return schema["$defs"][name], name, True
    return node, anchor, False


def _schema_keys(node: dict, schema: dict, anchor: str = "#", rel: tuple = ()) -> set[Anchored]:
    """Every key the schema defines, named relative to the definition it belongs to, so a
    definition used in several places (a rule condition) counts once."""
    node, anchor, moved = _resolve(node, schema, anchor)
    rel = () if moved else rel
    keys: set[Anchored] = set()
    for branch in node.get("anyOf", []):
        keys |= _schema_keys(branch, schema, anchor, rel)
    for name, child in node.get("properties", {}).items():
        keys.add((anchor, (*rel, name)))
        keys |= _schema_keys(child, schema, anchor, (*rel, name))
    if isinstance(node.get("additionalProperties"), dict):
        keys |= _schema_keys(node["additionalProperties"], schema, anchor, (*rel, "*"))
    if "items" in node:
        keys |= _schema_keys(node["items"], schema, anchor, (*rel, "*"))
    return keys


def _used_keys(
    data: object, node: dict, schema: dict, anchor: str = "#", rel: tuple = ()
) -> set[Anchored]:
    node, anchor, moved = _resolve(node, schema, anchor)
    rel = () if moved else rel
    keys: set[Anchored] = set()
    for branch in node.get("anyOf", []):
        keys |= _used_keys(data, branch, schema, anchor, rel)
    if isinstance(data, dict):
        extra = node.get("additionalProperties")
        for key, value in data.items():
            if key in node.get("properties", {}):
                keys.add((anchor, (*rel, key)))
                keys |= _used_keys(value, node["properties"][key], schema, anchor, (*rel, key))
            elif isinstance(extra, dict):
                keys |= _used_keys(value, extra, schema, anchor, (*rel, "*"))
    elif isinstance(data, list) and "items" in node:
        for item in data:
            keys |= _used_keys(item, node["items"], schema, anchor, (*rel, "*"))
    return keys


def test_example_config_exercises_every_key_of_the_schema() -> None:
    schema = load_schema()
    used = _used_keys(read_document(EXAMPLE_CONFIG).data, schema, schema)
    missing = sorted(
        f"{anchor}: {'.'.join(rel)}" for anchor, rel in _schema_keys(schema, schema) - used
    )
    assert missing == []


def test_example_config_has_team_across_riyadh_cairo_casablanca() -> None:
    data = read_document(EXAMPLE_CONFIG).data
    zones = {calendar["timezone"] for calendar in data["calendars"].values()}
    assert {"Asia/Riyadh", "Africa/Cairo", "Africa/Casablanca"} <= zones
