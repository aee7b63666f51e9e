"""A fast reader of the answers to ImapSource's own UID FETCH (RFC 3501 §7.4.2).

imapclient's response parser is general (nested lists, ENVELOPE, BODYSTRUCTURE) and
costs about 100 µs a message in Python: more than parsing the mail and storing it
(benchmarks/bench_sync.py). The answers ImapSource asks for are flat: a number, a flag
list, a quoted date, literals. This reads that shape with one regular expression per
token; whatever it does not expect — a nested list, an item such as BODY or ENVELOPE
that imapclient turns into objects, a malformed line — sends the whole answer to
imapclient's parser instead, so the result is imapclient's wherever this one is unsure.

The result has imapclient's shape: ``{uid: {b"SEQ": n, b"FLAGS": (...), ...}}`` with
digit atoms as ints, NIL as None, INTERNALDATE as an aware datetime, and a response
without a UID keyed by its sequence number.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from imapclient.datetime_util import parse_to_datetime
from imapclient.response_parser import parse_fetch_response

Data = Sequence[bytes | tuple[bytes, bytes] | None]  # imaplib's untagged FETCH data
Parsed = dict[int, dict[bytes, Any]]

# One alternative per kind of token, found by its group number (``lastindex``); finditer
# skips the spaces between them, and anything else is the last group's.
_TOKEN = re.compile(
    rb"""(\()|(\))                                     # 1, 2: parentheses
      | "((?:[^"\\]|\\.)*)"                          # 3: a quoted string
      | \{(\d+)\}$                                     # 4: a literal's size, ending a piece
      | ([^ ()"{\[\]]+(?:\[[^\]]*\](?:<\d+>)?)?)       # 5: an atom, BODY[...]<n> included
      | ([^ ])                                        # 6: anything else
    """,
    re.VERBOSE,
)
# imapclient unescapes only these two, and so must this reader.
_ESCAPED = re.compile(rb'\\([\\"])')
_INTERNALDATE = re.compile(
    rb"( ?\d{1,2})-(\w{3})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)", re.ASCII
)
_MONTHS = {
    month: number
    for number, month in enumerate(b"JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split(), 1)
}
# Items imapclient turns into objects of its own; the fast path leaves them to it.
_STRUCTURED = {b"BODY", b"BODYSTRUCTURE", b"ENVELOPE"}
_OPEN, _CLOSE = object(), object()


class _NotFlat(Exception):
    """The answer has a shape the fast path does not read."""


def parse_fetch(data: Data) -> Parsed:
    """imaplib's untagged FETCH data → ``{uid: {item: value}}`` (see the module)."""
    if list(data) == [None]:
        return {}
    try:
        return _parse_flat(data)
    except _NotFlat:
        return dict(parse_fetch_response(list(data), normalise_times=False, uid_is_key=True))


def _parse_flat(data: Data) -> Parsed:
    parsed: Parsed = {}
    tokens = _tokens(data)
    for seq in tokens:
        if not isinstance(seq, int) or next(tokens, None) is not _OPEN:
            raise _NotFlat
        items = _items(tokens)
        items[b"SEQ"] = seq
        key = items.pop(b"UID", seq)
        if not isinstance(key, int):
            raise _NotFlat
        parsed.setdefault(key, {}).update(items)
    return parsed


def _items(tokens: Iterator[Any]) -> dict[bytes, Any]:
    """``name value`` pairs up to the closing parenthesis."""
    items: dict[bytes, Any] = {}
    for name in tokens:
        if name is _CLOSE:
            return items
        if not isinstance(name, bytes) or name.upper() in _STRUCTURED:
            raise _NotFlat
        name = name.upper()
        value = next(tokens, _CLOSE)
        if value is _OPEN:
            value = _flat_list(tokens)
        elif value is _CLOSE:
            raise _NotFlat
        elif name == b"INTERNALDATE":
            value = _internaldate(value)
        items[name] = value
    raise _NotFlat  # the answer ended inside the parentheses


def _flat_list(tokens: Iterator[Any]) -> tuple[Any, ...]:
    values = []
    for value in tokens:
        if value is _CLOSE:
            return tuple(values)
        if value is _OPEN:
            raise _NotFlat
        values.append(value)
    raise _NotFlat


def _tokens(data: Data) -> Iterator[Any]:
    """Values (bytes, int, None) and _OPEN/_CLOSE, across imaplib's pieces: a piece is
    a line, or a (text ending in ``{n}``, the n literal bytes) pair."""
    tokens: list[Any] = []
    append = tokens.append
    for piece in data:
        text, literal = piece if isinstance(piece, tuple) else (piece, None)
        if text is None:
            raise _NotFlat
        for match in _TOKEN.finditer(text):
            kind = match.lastindex
            if kind == 5:
                append(_atom(match[5]))
            elif kind == 1:
                append(_OPEN)
            elif kind == 2:
                append(_CLOSE)
            elif kind == 3:
                append(_ESCAPED.sub(rb"\1", match[3]))
            elif kind == 4 and literal is not None and len(literal) == int(match[4]):
                append(literal)
            else:
                raise _NotFlat
    return iter(tokens)


def _atom(atom: bytes) -> Any:
    if atom.isdigit() and (atom[:1] != b"0" or len(atom) == 1):  # as imapclient: 0123 stays
        return int(atom)
    return None if atom == b"NIL" else atom


def _internaldate(value: Any) -> datetime | None:
    """``"17-Jul-1996 02:44:25 -0700"`` (RFC 3501 §9 date-time) → aware datetime; odd
    spellings go to imapclient's reader, and None where it cannot read them either."""
    if not isinstance(value, bytes):
        return None
    match = _INTERNALDATE.fullmatch(value)
    month = _MONTHS.get(match[2].upper()) if match else None
    if match is None or month is None:
        try:
            return parse_to_datetime(value, normalise=False)
        except ValueError:
            return None
    offset = timedelta(hours=int(match[8]), minutes=int(match[9]))
    zone = timezone(-offset if match[7] == b"-" else offset)
    day, year, hour, minute, second = (int(match[n]) for n in (1, 3, 4, 5, 6))
    return datetime(year, month, day, hour, minute, second, tzinfo=zone)
