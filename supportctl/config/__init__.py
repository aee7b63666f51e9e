"""Load, validate and resolve the one YAML config.

Library entry points: ``find_config``, ``validate_file``, ``load_config``,
``load_schema``, ``starter_config``, ``masked_plain``. Nothing here imports YAML, pytz
or holidays at module level: ``supportctl --help`` must stay cheap.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from supportctl.config.problems import ERROR, WARNING, Problem, format_path
from supportctl.errors import ConfigError, SecretError

__all__ = [
    "ValidationReport",
    "find_config",
    "load_config",
    "load_schema",
    "masked_plain",
    "starter_config",
    "validate_file",
]


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of ``validate_file``: every problem, sorted by position."""

    file: str
    problems: tuple[Problem, ...]
    variables: frozenset[str] = field(default_factory=frozenset)

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == ERROR)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == WARNING)

    def failed(self, *, strict: bool = False) -> bool:
        return bool(self.errors or (strict and self.warnings))


@cache
def load_schema() -> dict[str, Any]:
    """The JSON Schema of the config (``config/schema.json``, shipped in the package)."""
    from importlib import resources  # here: ~25 ms that a cached config does not need

    text = resources.files("supportctl.config").joinpath("schema.json").read_text("utf-8")
    return json.loads(text)


def starter_config() -> str:
    """A complete, commented config to start from (the bundled example)."""
    from importlib import resources

    return resources.files("supportctl.config").joinpath("example.yaml").read_text("utf-8")


def find_config(
    explicit: str | None, environ: Mapping[str, str] = os.environ, cwd: Path | None = None
) -> Path:
    """The config file to use: ``-c``, then ``$SUPPORTCTL_CONFIG``, then
    ``./supportctl.yaml``, then the user config dir. Raises ``ConfigError`` naming what
    was tried."""
    from supportctl.paths import config_candidates

    candidates = config_candidates(explicit, environ, cwd)
    for path, _origin in candidates:
        if path.is_file():
            return path
    if len(candidates) == 1:
        path, origin = candidates[0]
        kind = "is not a file" if path.exists() else "does not exist"
        raise ConfigError(f"config file {path} (from {origin}) {kind}")
    tried = ", ".join(str(path) for path, _ in candidates)
    raise ConfigError(
        f"no config file found (tried {tried})",
        hint="pass -c FILE, set $SUPPORTCTL_CONFIG, or run 'supportctl config init'",
    )


def validate_file(path: Path) -> ValidationReport:
    """Check ``path`` offline: syntax, schema and meaning, every problem at once.

    Secrets are not resolved: ``${VAR}`` references are checked for form only, and
    ``password_command`` / ``password_file`` are not run or read.
    """
    return _inspect(path)[1]


def _inspect(path: Path, raw: bytes | None = None) -> tuple[Any, ValidationReport]:
    """Read and check ``path`` (whose content is ``raw`` when the caller has read it);
    the document comes back with YAML's coercions undone."""
    from supportctl.config.schemacheck import SchemaChecker
    from supportctl.config.secrets import malformed_references, referenced_variables
    from supportctl.config.semantics import check_meaning
    from supportctl.config.source import read_document

    try:
        document = read_document(path, raw)
    except FileNotFoundError as exc:
        raise ConfigError(f"config file {path} does not exist") from exc
    except IsADirectoryError as exc:
        raise ConfigError(f"config file {path} is a directory") from exc
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from exc
    problems = list(document.problems)
    variables: frozenset[str] = frozenset()
    if document.data is not None:
        checker = SchemaChecker(load_schema(), document.plain_text)
        document.data = checker.check(document.data)
        for error_path, message, at_key in checker.errors:
            problems.append(document.problem(error_path, message, key=at_key))
        for error_path, message in malformed_references(document.data):
            problems.append(document.problem(error_path, message))
        # A value the schema already rejected needs no second complaint about its meaning.
        rejected = {error_path for error_path, _message, _at_key in checker.errors}
        problems += [
            problem
            for problem in check_meaning(document, schema_valid=not checker.errors)
            if problem.path not in {format_path(path) for path in rejected}
        ]
        variables = frozenset(referenced_variables(document.data))
    return document, ValidationReport(str(path), tuple(sorted(set(problems))), variables)


def load_config(
    path: Path, environ: Mapping[str, str] = os.environ, *, resolve_secrets: bool = True
) -> Any:
    """Validate, interpolate ``${VAR}`` references and build a frozen ``Config``.

    Raises ``ConfigError`` for the first error (with how many more there are), or
    ``SecretError`` for a variable that is not set. With ``resolve_secrets=False``
    references stay as written (for tab completion, which needs names, not secrets).
    """
    from supportctl.config.build import build_config
    from supportctl.config.secrets import interpolate

    document = _checked_document(path, environ)
    if not resolve_secrets:
        return build_config(document.data, path, environ)
    data, unresolved_passwords = _without_unresolved_passwords(document, environ, path)
    try:
        data = interpolate(data, environ)
    except SecretError as exc:
        raise _located(exc, document, path) from None
    config = build_config(data, path, environ)
    if not unresolved_passwords:
        return config
    from dataclasses import replace

    mailboxes = tuple(
        replace(mailbox, password_error=unresolved_passwords.get(index))
        for index, mailbox in enumerate(config.mailboxes)
    )
    return replace(config, mailboxes=mailboxes)


def _checked_document(path: Path, environ: Mapping[str, str]) -> Any:
    """The document of ``path`` once it passed every check: from the config cache when
    the file is unchanged, else read and checked (and kept). Raises ``ConfigError``
    for the first error (with how many more there are)."""
    from supportctl.config import document_cache
    from supportctl.config.source import MAX_CONFIG_BYTES

    try:
        raw = path.read_bytes() if path.stat().st_size <= MAX_CONFIG_BYTES else None
        text = raw.decode("utf-8") if raw is not None else None
    except (OSError, UnicodeDecodeError):
        raw = text = None  # _inspect says what is wrong with the file
    if text is not None:
        cached = document_cache.load(path, text, environ)
        if cached is not None:
            return cached
    document, report = _inspect(path, raw)
    if report.errors:
        first = report.errors[0]
        more = len(report.errors) - 1
        raise ConfigError(
            f"{first.path}: {first.message}",
            where=f"{first.file}:{first.line}:{first.column}",
            hint=(f"{more} more error(s); " if more else "")
            + f"run 'supportctl config validate {path}'",
        )
    if text is not None:
        document_cache.store(path, text, document, environ)
    return document


def _without_unresolved_passwords(
    document: Any, environ: Mapping[str, str], path: Path
) -> tuple[Any, dict[int, SecretError]]:
    """The document's data without the mailbox passwords whose ``${VAR}`` is not set, and
    those errors by mailbox index: a command that logs in to no mailbox (meet, report)
    must not need the mail secrets."""
    from supportctl.config.secrets import interpolate

    data = document.data
    errors: dict[int, SecretError] = {}
    mailboxes = data.get("mailboxes") if isinstance(data, dict) else None
    for index, mailbox in enumerate(mailboxes or ()):
        password = mailbox.get("password") if isinstance(mailbox, dict) else None
        if not isinstance(password, str):
            continue
        try:
            interpolate(password, environ, ("mailboxes", index, "password"))
        except SecretError as exc:
            errors[index] = _located(exc, document, path)
    if not errors:
        return data, errors
    kept = [
        {key: value for key, value in mailbox.items() if key != "password" or index not in errors}
        for index, mailbox in enumerate(mailboxes)
    ]
    return {**data, "mailboxes": kept}, errors


def _located(error: SecretError, document: Any, path: Path) -> SecretError:
    """``error`` with ``where`` set to the file, line and column of its config key."""
    error_path = getattr(error, "path", ())
    line, column = document.mark(error_path)
    error.where = f"{path}:{line}:{column}: {format_path(error_path)}"
    return error


def masked_plain(config: Any) -> dict[str, Any]:
    """The resolved config as plain data for display, every secret masked."""
    from supportctl.config.display import config_to_plain

    return config_to_plain(config)
