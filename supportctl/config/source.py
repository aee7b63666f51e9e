"""Read a YAML config into plain data while remembering where every node stood.

PyYAML's ``compose`` keeps each node's mark; we build the data ourselves from the
node tree so that every JSON path maps back to a line and column, duplicate keys are
caught (YAML silently keeps the last one), and YAML 1.1 surprises (``NO`` → False,
``2026-03-19`` → date) can be undone where the schema wants a string.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from supportctl.config.problems import ERROR, JsonPath, Problem, format_path

MAX_CONFIG_BYTES = 5 * 1024 * 1024

_STR_TAG = "tag:yaml.org,2002:str"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_MERGE_TAG = "tag:yaml.org,2002:merge"


@dataclass
class Document:
    """A parsed config file: data plus, per JSON path, the 1-based (line, column) of the
    value and of its key, and the source text of plain scalars YAML resolved to
    non-strings."""

    file: str
    data: Any = None
    value_marks: dict[JsonPath, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[JsonPath, tuple[int, int]] = field(default_factory=dict)
    plain_text: dict[JsonPath, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def mark(self, path: JsonPath, *, key: bool = False) -> tuple[int, int]:
        """The position of ``path`` (its key when ``key``), else of its nearest parent."""
        marks = self.key_marks if key else self.value_marks
        for depth in range(len(path), -1, -1):
            found = marks.get(path[:depth]) or self.value_marks.get(path[:depth])
            if found:
                return found
        return (1, 1)

    def problem(
        self, path: JsonPath, message: str, *, severity: str = ERROR, key: bool = False
    ) -> Problem:
        line, column = self.mark(path, key=key)
        return Problem(self.file, line, column, format_path(path), severity, message)


def read_document(path: Path, raw: bytes | None = None) -> Document:
    """Read and compose ``path`` (whose content is ``raw`` when the caller has read it);
    file-level failures become problems, never exceptions (except a missing or
    unreadable file, which the caller reports)."""
    document = Document(file=str(path))
    if raw is None:
        raw = _read_bytes(path, document)
    if raw is None:
        return document
    text = _decode(raw, document)
    if text is None:
        return document
    if not text.strip() or all(
        line.strip().startswith("#") or not line.strip() for line in text.splitlines()
    ):
        document.problems.append(
            document.problem((), "the file is empty: start from 'supportctl config init'")
        )
        return document
    root = _compose(text, document)
    if root is None:
        return document
    document.data = _build(root, (), document)
    return document


def _read_bytes(path: Path, document: Document) -> bytes | None:
    size = path.stat().st_size
    if size > MAX_CONFIG_BYTES:
        document.problems.append(
            document.problem(
                (),
                f"the file is {size / 1048576:.1f} MB; a config is at most "
                f"{MAX_CONFIG_BYTES // 1048576} MB (is this the right file?)",
            )
        )
        return None
    return path.read_bytes()


def _decode(raw: bytes, document: Document) -> str | None:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    bad_at = raw.find(b"\x00")
    if bad_at < 0:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad_at = exc.start
    line = raw.count(b"\n", 0, bad_at) + 1
    column = bad_at - (raw.rfind(b"\n", 0, bad_at) + 1) + 1
    document.problems.append(
        Problem(
            document.file,
            line,
            column,
            "(root)",
            ERROR,
            f"binary or non-UTF-8 content (byte 0x{raw[bad_at]:02x}); a config must be UTF-8 text",
        )
    )
    return None


def _compose(text: str, document: Document) -> Any:
    import yaml

    loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        nodes = list(yaml.compose_all(text, Loader=loader_class))
    except yaml.MarkedYAMLError as exc:
        document.problems.append(_yaml_problem(exc, text, document.file))
        return None
    except yaml.YAMLError as exc:  # ReaderError: control characters, no mark
        offset = getattr(exc, "position", 0) or 0
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        message = f"unreadable YAML: {exc}".splitlines()[0]
        document.problems.append(Problem(document.file, line, column, "(root)", ERROR, message))
        return None
    nodes = [node for node in nodes if node is not None]
    if len(nodes) != 1:
        document.problems.append(
            document.problem((), "expected one YAML document, found " + str(len(nodes)))
        )
        return None
    root = nodes[0]
    if not isinstance(root, yaml.MappingNode):
        line, column = root.start_mark.line + 1, root.start_mark.column + 1
        document.problems.append(
            Problem(
                document.file, line, column, "(root)", ERROR, "the config must be a mapping of keys"
            )
        )
        return None
    return root


def _yaml_problem(exc: Any, text: str, file: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = exc.problem or str(exc)
    lines = text.splitlines()
    source_line = lines[line - 1] if 0 < line <= len(lines) else ""
    if source_line[column - 1 : column] == "\t" or "'\\t'" in problem:
        return Problem(
            file,
            line,
            column,
            "(root)",
            ERROR,
            "a tab character is used for indentation: YAML needs spaces",
        )
    message = f"YAML syntax error: {problem}"
    context = exc.context_mark
    if exc.context and context is not None and context is not mark:
        message += f" ({exc.context} at line {context.line + 1}, column {context.column + 1})"
    return Problem(file, line, column, "(root)", ERROR, message)


def _build(node: Any, path: JsonPath, document: Document) -> Any:
    import yaml

    document.value_marks.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
    if isinstance(node, yaml.MappingNode):
        return _build_mapping(node, path, document)
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, index), document) for index, item in enumerate(node.value)]
    return _build_scalar(node, path, document)


def _build_mapping(node: Any, path: JsonPath, document: Document) -> dict[str, Any]:
    import yaml

    result: dict[str, Any] = {}
    merged: dict[str, Any] = {}
    for key_node, value_node in node.value:
        if key_node.tag == _MERGE_TAG:
            sources = (
                value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            )
            for source in sources:
                if isinstance(source, yaml.MappingNode):
                    merged.update(_build_mapping(source, path, document))
            continue
        key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else None
        if key is None:
            document.problems.append(
                Problem(
                    document.file,
                    key_node.start_mark.line + 1,
                    key_node.start_mark.column + 1,
                    format_path(path),
                    ERROR,
                    "a key must be a plain string",
                )
            )
            continue
        child = (*path, key)
        mark = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        if key in result:
            first_line = document.key_marks[child][0]
            document.problems.append(
                Problem(
                    document.file,
                    *mark,
                    format_path(child),
                    ERROR,
                    f"duplicate key '{key}' (first given on line {first_line}); "
                    "YAML would silently keep only the last one",
                )
            )
            continue
        document.key_marks[child] = mark
        result[key] = _build(value_node, child, document)
    return {**merged, **result}


_constructor: Any = None


def _build_scalar(node: Any, path: JsonPath, document: Document) -> Any:
    global _constructor
    if node.tag == _STR_TAG or (node.style is not None and node.style != ""):
        return node.value
    if node.tag == _TIMESTAMP_TAG:
        return node.value  # dates stay text: the schema and the model parse them
    if _constructor is None:
        import yaml

        _constructor = yaml.constructor.SafeConstructor()
    value = _constructor.construct_object(node)
    document.plain_text[path] = node.value
    return value
