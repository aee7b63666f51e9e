"""Secrets in the config: ``${VAR}`` / ``${VAR:-default}`` interpolation, and
``password_command`` / ``password_file`` resolved only when a password is needed.

Secret values never appear in an error message, a log line or ``config show``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from supportctl.config.problems import JsonPath
from supportctl.errors import SecretError

if TYPE_CHECKING:
    from supportctl.config.model import Mailbox

# ``$${`` escapes a literal ``${``.
_REFERENCE = re.compile(r"\$\$\{|\$\{([^}]*)\}")
_VARIABLE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$", re.DOTALL)
MASK = "***"  # the store masks URL passwords the same way
SECRET_KEYS = frozenset({"password"})
_COMMAND_TIMEOUT_SECONDS = 30


def malformed_references(data: Any, path: JsonPath = ()) -> Iterator[tuple[JsonPath, str]]:
    """``(path, message)`` for every ``${...}`` that is not ``${NAME}`` or ``${NAME:-default}``."""
    for value_path, value in _strings(data, path):
        for match in _REFERENCE.finditer(value):
            if match.group(1) is not None and not _VARIABLE.match(match.group(1)):
                reference = "${" + match.group(1) + "}"
                message = f"malformed reference {reference}: use ${{NAME}} or ${{NAME:-default}}"
                yield value_path, message


def referenced_variables(data: Any) -> set[str]:
    """Names of every environment variable the config refers to."""
    names = set()
    for _path, value in _strings(data, ()):
        for match in _REFERENCE.finditer(value):
            parsed = _VARIABLE.match(match.group(1) or "")
            if parsed:
                names.add(parsed.group(1))
    return names


def interpolate(data: Any, environ: Mapping[str, str], path: JsonPath = ()) -> Any:
    """A copy of ``data`` with every reference replaced; a missing variable without a
    default raises ``SecretError`` whose ``where`` is filled in by the caller from
    ``exc.path``."""
    if isinstance(data, dict):
        return {key: interpolate(value, environ, (*path, key)) for key, value in data.items()}
    if isinstance(data, list):
        return [interpolate(value, environ, (*path, index)) for index, value in enumerate(data)]
    if isinstance(data, str) and "$" in data:
        return _REFERENCE.sub(lambda match: _substitute(match, environ, path), data)
    return data


def _substitute(match: re.Match[str], environ: Mapping[str, str], path: JsonPath) -> str:
    if match.group(1) is None:
        return "${"
    parsed = _VARIABLE.match(match.group(1))
    if parsed is None:
        raise _with_path(SecretError(f"malformed reference ${{{match.group(1)}}}"), path)
    name, default = parsed.group(1), parsed.group(2)
    if name in environ:
        return environ[name]
    if default is not None:
        return default
    raise _with_path(
        SecretError(
            f"environment variable {name} is not set", hint=f"export {name}=... before running"
        ),
        path,
    )


def _with_path(error: SecretError, path: JsonPath) -> SecretError:
    error.path = path  # type: ignore[attr-defined]
    return error


def _strings(data: Any, path: JsonPath) -> Iterator[tuple[JsonPath, str]]:
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _strings(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _strings(value, (*path, index))
    elif isinstance(data, str):
        yield path, data


def mailbox_password(mailbox: Mailbox) -> str:
    """The password to log in to ``mailbox`` with ("" when the config names none)."""
    if mailbox.password_error is not None:
        raise mailbox.password_error
    password = read_password(
        mailbox=mailbox.name,
        password=mailbox.password,
        password_command=mailbox.password_command,
        password_file=mailbox.password_file,
    )
    return password or ""


def read_password(
    *, mailbox: str, password: str | None, password_command: str | None, password_file: str | None
) -> str | None:
    """The mailbox's password from whichever source the config names (or None).

    ``password_command`` runs through the shell; its first output line is the password.
    Failures name the mailbox and the source, never the output.
    """
    if password is not None:
        return password
    if password_command is not None:
        return _password_from_command(mailbox, password_command)
    if password_file is not None:
        return _password_from_file(mailbox, Path(password_file))
    return None


def _password_from_command(mailbox: str, command: str) -> str:
    import subprocess  # here: every command loads this module, few run a password command

    try:
        completed = subprocess.run(
            command,
            shell=True,
            capture_output=True,
            text=True,
            timeout=_COMMAND_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise SecretError(
            f"mailbox {mailbox}: password_command did not finish in {_COMMAND_TIMEOUT_SECONDS}s"
        ) from exc
    if completed.returncode != 0:
        raise SecretError(
            f"mailbox {mailbox}: password_command exited with status {completed.returncode}",
            hint="run it by hand to see why",
        )
    password = completed.stdout.split("\n", 1)[0].rstrip("\r")
    if not password:
        raise SecretError(f"mailbox {mailbox}: password_command printed nothing")
    return password


def _password_from_file(mailbox: str, path: Path) -> str:
    try:
        first_line = path.read_text(encoding="utf-8").split("\n", 1)[0].rstrip("\r")
    except OSError as exc:
        raise SecretError(
            f"mailbox {mailbox}: cannot read password_file {path}: {exc.strerror}"
        ) from exc
    if not first_line:
        raise SecretError(f"mailbox {mailbox}: password_file {path} is empty")
    return first_line
