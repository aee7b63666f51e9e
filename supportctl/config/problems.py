"""A config problem is a value: where it is, how bad, and what is wrong."""

from __future__ import annotations

from dataclasses import dataclass

PathPart = str | int
JsonPath = tuple[PathPart, ...]

ERROR = "error"
WARNING = "warning"


def format_path(path: JsonPath) -> str:
    """``("mailboxes", 0, "port")`` → ``mailboxes[0].port``; the root is ``(root)``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(root)"


@dataclass(frozen=True, order=True)
class Problem:
    """One finding of ``config validate``; line and column are 1-based."""

    file: str
    line: int
    column: int
    path: str
    severity: str
    message: str

    def __str__(self) -> str:
        label = "" if self.severity == ERROR else f"{self.severity}: "
        return f"{self.file}:{self.line}:{self.column}: {self.path}: {label}{self.message}"

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "path": self.path,
            "severity": self.severity,
            "message": self.message,
        }
