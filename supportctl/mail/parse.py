"""Parse e-mail messages into the fields the store needs, fast and without raising.

``supportctl sync`` parses every message it fetches, so parsing speed is sync speed: the
``email`` package (policy=default) costs about 1 ms per header block, which alone would
hold a sync far below the IMAP FETCH loop it runs on (shared/notes/sync-performance.md).
This module reads only what the store and the rules need, with regular expressions and
the cheap C pieces of the standard library (``binascii``, ``codecs``):

- header fields: unfolded (RFC 5322 §2.2.3), first occurrence of each name; and for tag
  rules, every field but the bulky trace and signature ones, repeated fields joined;
- encoded-words (RFC 2047), parameter continuations and charsets (RFC 2231);
- charsets as they really come: aliases (``cp1256``, ``x-cp1256``), labels that lie
  (``us-ascii`` on UTF-8 or windows-1256 bytes), raw 8-bit headers, UTF-16 without BOM;
- the first text part of a body that may be cut anywhere (``BODY.PEEK[TEXT]<0.N>``),
  and the attachments, from the body or from an IMAP ``BODYSTRUCTURE``.

Nothing here raises on bad input: what cannot be read is listed in
``ParsedMessage.problems`` and the rest of the message is still returned.
"""

from __future__ import annotations

import binascii
import codecs
import hashlib
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import unquote_to_bytes

from supportctl.mail.kept_headers import is_rule_header

SNIPPET_LENGTH = 300
SYNTHETIC_ID_DOMAIN = "supportctl.invalid"

_MAX_NESTING = 16  # deeper multipart nesting is an attack or a loop, not a message
_SNIPPET_WINDOW = 4096  # encoded bytes of the text part read first for the snippet
_SYNTHETIC_ID_BODY_BYTES = 256  # few enough that any partial fetch holds them all
_LATEST_PLAUSIBLE_YEAR = 2100


class Attachment(NamedTuple):
    """One attached file. ``size`` is in decoded bytes; None when the body was cut inside it."""

    name: str | None
    size: int | None
    content_type: str


@dataclass(frozen=True)
class ParsedMessage:
    """What sync stores of one message. Addresses are lower-case; instants are UTC."""

    message_id: str  # without angle brackets; synthetic (…@supportctl.invalid) if missing
    in_reply_to: str | None
    references: tuple[str, ...]  # oldest first, as in the header
    from_address: str | None
    from_name: str | None  # decoded display name
    to_addresses: tuple[str, ...]
    cc_addresses: tuple[str, ...]
    reply_to: tuple[str, ...]
    subject: str  # decoded, whitespace collapsed
    sent_at: datetime | None  # Date, else INTERNALDATE, else None
    snippet: str  # up to SNIPPET_LENGTH characters of the first text part, tags stripped
    attachments: tuple[Attachment, ...]
    language: str | None  # "ar", "en", or None with no letters to judge
    headers: dict[str, str]  # every field: lower-case name → decoded value, first occurrence
    rule_headers: dict[str, str]  # the fields rules may ask about (see _rule_headers)
    auto_submitted: bool  # sent by a machine (auto-reply, bounce, list): not a customer reply
    problems: tuple[str, ...]  # what could not be read, in the order it was met
    body: str | None = None  # the whole text part, only with keep_body


# --- entry points ----------------------------------------------------------------------

_BLANK_LINE = re.compile(rb"\n\r?\n")
_STARTS_WITH_FIELD = re.compile(rb"[!-9;-~]+[ \t]*:")


def split_message(raw: bytes) -> tuple[bytes, bytes]:
    """Split a whole message into (header block with its blank line, body).

    Text that does not start with a header field is all body (a MIME part may have no
    headers at all).
    """
    bounds = _header_bounds(raw)
    if bounds is None:
        return (raw, b"") if _STARTS_WITH_FIELD.match(raw) else (b"", raw)
    return raw[: bounds[1]], raw[bounds[1] :]


def _header_bounds(raw: bytes) -> tuple[int, int] | None:
    """(end of the header fields, start of the body), or None without a blank line."""
    for empty_header in (b"\r\n", b"\n"):
        if raw.startswith(empty_header):
            return 0, len(empty_header)
    found = _BLANK_LINE.search(raw)
    return None if found is None else (found.start(), found.end())


def parse_message(
    header_bytes: bytes,
    body_bytes: bytes | None = None,
    *,
    internaldate: datetime | None = None,
    size: int | None = None,
    bodystructure: object | None = None,
    keep_body: bool = False,
) -> ParsedMessage:
    """Parse one message; never raises on bad input.

    ``header_bytes`` is the header block (IMAP ``BODY[HEADER]``); ``body_bytes`` the body,
    possibly only its first bytes. ``internaldate`` (aware; naive is read as UTC) stands
    in for a missing or unreadable Date. ``size`` (RFC822.SIZE) tells whether the body
    was cut, so an attachment cut off gets size None. ``bodystructure`` (imapclient's
    parsed BODYSTRUCTURE), when given, lists the attachments instead of the body.
    """
    problems: list[str] = []
    repeated: dict[str, list[str]] = {}
    raw = _read_header_fields(header_bytes, problems, repeated)
    headers = {
        name: decode_encoded_words(value) if "=?" in value else value for name, value in raw.items()
    }
    from_name, from_address = _first_mailbox(raw.get("from", ""), problems)
    subject = " ".join(headers.get("subject", "").split())
    body = body_bytes or b""
    complete = size is None or len(header_bytes) + len(body) >= size
    leaves = list(_leaves(raw, body, complete, 0, problems)) if body else []
    text_part, snippet = _main_text(leaves, problems)
    return ParsedMessage(
        message_id=_message_id(raw, body, problems),
        in_reply_to=_first_message_id(raw.get("in-reply-to", "")),
        references=_message_ids(raw.get("references", "")),
        from_address=from_address,
        from_name=from_name,
        to_addresses=_addresses(raw.get("to", ""), problems),
        cc_addresses=_addresses(raw.get("cc", ""), problems),
        reply_to=_addresses(raw.get("reply-to", ""), problems),
        subject=subject,
        sent_at=_sent_at(raw.get("date"), internaldate, problems),
        snippet=snippet,
        attachments=_attachments(leaves, bodystructure, problems),
        language=detect_language(f"{subject[:SNIPPET_LENGTH]} {snippet}"),
        headers=headers,
        rule_headers=_rule_headers(headers, repeated),
        auto_submitted=_is_auto_submitted(headers, from_address),
        problems=tuple(dict.fromkeys(problems)),
        body=_full_text(text_part, problems) if keep_body and text_part else None,
    )


# --- header block ----------------------------------------------------------------------

# Headers are read as latin-1, which maps every byte to one character and back: the
# structure is found by C-level passes over the whole block, and only the rare values
# with 8-bit bytes are turned back into bytes and decoded (before anything strips or
# splits on whitespace, which in latin-1 would include the bytes 0x85 and 0xA0 of UTF-8
# letters such as "م"). Each match is a field (name, value with its folded lines) or a
# stray line; values are unfolded only if they are kept.
_FIELD_OR_STRAY = re.compile(
    r"\n(?:([!-9;-~]+)[ \t]*:[ \t]*([^\n]*(?:\n[ \t][^\n]*)*)|([^\n]*(?:\n[ \t][^\n]*)*))"
)
_MBOX_FROM_LINE = "From "


def _read_header_fields(
    header_bytes: bytes, problems: list[str], repeated: dict[str, list[str]] | None = None
) -> dict[str, str]:
    """Lower-case field name → unfolded value, first occurrence; with ``repeated``, the
    later occurrences' values go there as they stand (folded, 8-bit), by name.

    Raw 8-bit bytes are decoded; RFC 2047 encoded-words are left for the caller, who
    must find the structure (addresses, parameters) before decoding them. A blank line
    ends the fields (whatever follows is body).
    """
    text = header_bytes.decode("latin-1").rstrip("\r\n")
    fields: dict[str, str] = {}
    for name, value, stray in _FIELD_OR_STRAY.findall(f"\n{text}"):
        if name:
            key = name.lower()
            if key not in fields:
                plain = value.isascii() and "\n" not in value
                fields[key] = value.strip() if plain else _clean_value(value)
            elif repeated is not None:
                repeated.setdefault(key, []).append(value)
        elif not stray.rstrip("\r"):
            break
        elif stray.strip() and not (stray.startswith(_MBOX_FROM_LINE) and text.startswith(stray)):
            problems.append(f"not a header line: {stray.strip()[:60]!r}")
    return fields


def _clean_value(value: str) -> str:
    """Unfold (RFC 5322 §2.2.3: drop the line breaks, keep the blanks) and decode 8-bit."""
    if "\n" in value:
        value = value.replace("\r\n", "").replace("\n", "")
    if not value.isascii():
        value = decode_text(value.encode("latin-1"), None)
    return value.strip()


def _decode_header(value: str) -> str:
    return decode_encoded_words(value) if "=?" in value else value


# --- the fields rules may ask about ----------------------------------------------------

RULE_HEADER_LENGTH = 256  # characters kept of a field's value (a rule reads its start)
RULE_HEADER_COUNT = 64  # fields kept of one message, in the order it gives them
_NAMES_REMEMBERED = 4096


class _RuleHeaderNames(dict[str, bool]):
    """``is_rule_header`` by name, each name decided once: a dict lookup, for every
    field of every message sync parses, costs less than a call, even a cached one.
    Forgets all when it holds too many names (a sender can make up any number) rather
    than grow."""

    def __missing__(self, name: str) -> bool:
        if len(self) >= _NAMES_REMEMBERED:
            self.clear()
        self[name] = keep = is_rule_header(name)
        return keep


_RULE_HEADER_NAMES = _RuleHeaderNames()


def _rule_headers(headers: dict[str, str], repeated: dict[str, list[str]]) -> dict[str, str]:
    """The fields rules may ask about: every field ``is_rule_header`` allows, decoded,
    the values of a repeated one on a line each, capped at RULE_HEADER_LENGTH characters
    and RULE_HEADER_COUNT fields; empty values left out."""
    kept: dict[str, str] = {}
    for name, value in headers.items():
        if not _RULE_HEADER_NAMES[name]:
            continue
        if name in repeated:
            later = [_decode_header(_clean_value(other)) for other in repeated[name]]
            value = "\n".join(filter(None, (value, *later)))
        if value:
            too_long = len(value) > RULE_HEADER_LENGTH
            kept[name] = value[:RULE_HEADER_LENGTH].rstrip() if too_long else value
            if len(kept) == RULE_HEADER_COUNT:
                break
    return kept


# --- RFC 2047 encoded-words ------------------------------------------------------------

# Lenient on purpose: senders put spaces inside Q words and words inside quoted strings.
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?]*)\?=")
_ONLY_ENCODED_WORDS = re.compile(r"(?:\s*=\?[^?\s]+\?[bBqQ]\?[^?]*\?=)+\s*")


def decode_encoded_words(text: str) -> str:
    """Decode RFC 2047 encoded-words in ``text``.

    Whitespace between adjacent encoded-words is dropped (RFC 2047 §6.2), and the bytes
    of adjacent words in one charset are joined before decoding, because encoders split
    multi-byte characters across words.
    """
    words = _ENCODED_WORD.findall(text)
    if _only_encoded_words(text, words):
        return decode_text(
            b"".join([_decode_word_payload(*word[1:]) for word in words]), words[0][0]
        )
    pieces: list[str] = []
    run_charset: str | None = None
    run: list[bytes] = []
    position = 0
    for word in _ENCODED_WORD.finditer(text):
        charset, encoding, payload = word.groups()
        gap = text[position : word.start()]
        position = word.end()
        if "*" in charset:  # RFC 2231 §5: charset*language
            charset = charset.split("*", 1)[0]
        charset = charset.lower()
        if charset != run_charset or (gap and not gap.isspace()):
            if run_charset is not None:
                pieces.append(decode_text(b"".join(run), run_charset))
                run = []
            if run_charset is None or not gap.isspace():
                pieces.append(gap)
            run_charset = charset
        run.append(_decode_word_payload(encoding, payload))
    if run_charset is not None:
        pieces.append(decode_text(b"".join(run), run_charset))
    pieces.append(text[position:])
    return "".join(pieces)


def _only_encoded_words(text: str, words: list[tuple[str, str, str]]) -> bool:
    """True for the common case: one charset, nothing between the words but blanks."""
    return (
        len({word[0].lower() for word in words}) == 1
        and "*" not in words[0][0]
        and _ONLY_ENCODED_WORDS.fullmatch(text) is not None
    )


def _decode_word_payload(encoding: str, payload: str) -> bytes:
    data = payload.encode()
    if encoding in "bB":
        return _decode_base64(data)
    return binascii.a2b_qp(data, header=True)


_NOT_BASE64 = re.compile(rb"[^A-Za-z0-9+/]+")


def _decode_base64(data: bytes) -> bytes:
    """Decode base64 that may be cut mid-quantum or carry junk; never raises."""
    try:
        return binascii.a2b_base64(data)
    except binascii.Error:
        clean = _NOT_BASE64.sub(b"", data)
        spare = len(clean) % 4
        if spare == 1:  # a lone sextet carries no whole byte
            clean = clean[:-1]
        elif spare:
            clean += b"=" * (4 - spare)
        return binascii.a2b_base64(clean)


def _base64_decoded_size(data: bytes) -> int:
    clean = data.translate(None, b" \t\r\n")
    return (len(clean.rstrip(b"=")) * 3) // 4


# --- charsets --------------------------------------------------------------------------

# Labels seen in mail that Python's codec registry does not know, or knows as something
# else than what senders mean by them.
_CHARSET_ALIASES = {
    "windows1256": "cp1256",
    "x-cp1256": "cp1256",
    "cp-1256": "cp1256",
    "win-1256": "cp1256",
    "arabic": "iso8859-6",
    "iso-8859-6-i": "iso8859-6",
    "iso-8859-6-e": "iso8859-6",
    "iso-8859-8-i": "iso8859-8",
    "ks_c_5601-1987": "cp949",  # Microsoft's label for its superset of EUC-KR
    "gb2312": "gbk",  # senders label GBK text gb2312
    "x-gbk": "gbk",
    "x-sjis": "cp932",
    "shift_jis": "cp932",
    "us-ascii": "cp1252",  # 8-bit bytes under an ASCII label are usually windows-1252
    "ascii": "cp1252",
    "iso-8859-1": "cp1252",  # as WHATWG: the label means windows-1252 in practice
    "latin1": "cp1252",
    "latin-1": "cp1252",
}
# Codecs whose text looks like ASCII bytes: the ASCII fast path would skip decoding them.
_ASCII_LOOKALIKE_PREFIXES = ("utf-16", "utf-32", "utf-7", "iso2022", "hz")
_VAGUE_CODECS = frozenset({"cp1252", "ascii", "iso8859-1"})  # labels that rule out nothing
_ARABIC_WORD = re.compile(r"[\u0620-\u064a\u066e-\u06d3]{2,}")


@lru_cache(maxsize=256)
def _codec(label: str | None) -> str | None:
    """Python codec name for a MIME charset label; None for no label or an unknown one."""
    if not label:
        return None
    key = label.strip().strip("\"'").lower()
    try:
        return codecs.lookup(_CHARSET_ALIASES.get(key, key)).name
    except LookupError:
        return None


@lru_cache(maxsize=64)
def _is_single_byte(codec: str) -> bool:
    """True for codecs that map every byte to one character (latin-1, cp1256, koi8-r…)."""
    return codec != "utf-8" and len(bytes(range(256)).decode(codec, "replace")) == 256


def decode_text(data: bytes, charset: str | None, *, final: bool = True) -> str:
    """Decode ``data`` labelled ``charset`` as a mail reader would; never raises.

    Valid UTF-8 wins over any single-byte label (mislabelled UTF-8 is common, the
    reverse is rare); under an ASCII, latin-1 or unknown label, or a label the bytes
    break, bytes that read as Arabic words in windows-1256 are windows-1256.
    ``final=False`` drops an incomplete character at the end (a body cut by a partial
    fetch) instead of replacing it.
    """
    return _decode_text(data, charset, final, [])


def _decode_text(data: bytes, charset: str | None, final: bool, problems: list[str]) -> str:
    codec = _codec(charset)
    if codec == "utf-16":
        return _decode_utf16(data, final)
    if codec is not None and codec.startswith(_ASCII_LOOKALIKE_PREFIXES):
        return _decode(data, codec, final, "replace")
    if data.isascii():
        return data.decode("ascii")
    if codec is None and charset:
        problems.append(f"unknown charset {charset!r}")
    if codec is None or _is_single_byte(codec):
        text = _decode_or_none(data, "utf-8", final)
        if text is not None:
            return text
        if codec is None or codec in _VAGUE_CODECS:
            return _guess_charset(data, final)
        return _decode(data, codec, final, "replace")  # a specific label: trust it
    text = _decode_or_none(data, codec, final)
    if text is not None:
        return text
    problems.append(f"bytes invalid in charset {charset!r}")
    if codec == "utf-8":
        return _guess_charset(data, final)
    return _decode_or_none(data, "utf-8", final) or _decode(data, codec, final, "replace")


def _guess_charset(data: bytes, final: bool) -> str:
    """Text of bytes that are not valid UTF-8 and carry no useful label.

    UTF-8 with a few broken bytes, else windows-1256 if that yields Arabic words, else
    windows-1252 (what most unlabelled 8-bit Western mail is).
    """
    utf8 = _decode(data, "utf-8", final, "replace")
    broken = utf8.count("\ufffd")
    if len(utf8) - len(utf8.encode("ascii", "ignore")) > 2 * broken:  # more good than broken
        return utf8
    arabic = data.decode("cp1256")
    if _has_arabic_words(arabic):
        return arabic
    return _decode(data, "cp1252", final, "replace")


def _decode(data: bytes, codec: str, final: bool, errors: str) -> str:
    if final:
        return data.decode(codec, errors)
    return codecs.getincrementaldecoder(codec)(errors).decode(data, final=False)


def _decode_or_none(data: bytes, codec: str, final: bool) -> str | None:
    try:
        return _decode(data, codec, final, "strict")
    except UnicodeDecodeError:
        return None


def _has_arabic_words(text: str) -> bool:
    """True if most non-ASCII characters stand in Arabic words (runs of 2+ letters).

    Latin-1 text read as windows-1256 also yields Arabic letters, but one at a time
    between Latin ones (``Jörn``), never as words.
    """
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))
    in_words = sum(len(word) for word in _ARABIC_WORD.findall(text))
    return in_words * 2 > non_ascii


def _decode_utf16(data: bytes, final: bool) -> str:
    """UTF-16 with or without BOM; without one, the byte order is guessed."""
    codec = "utf-16"
    if not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        codec = f"utf-16-{_guess_byte_order(data)}"
    return _decode(data, codec, final, "replace")


def _guess_byte_order(data: bytes) -> str:
    """'be' or 'le': the high byte of each UTF-16 code unit varies less than the low one.

    Text in one script keeps the high byte nearly constant (0x00 for Latin, 0x06 for
    Arabic); with nothing to go on, RFC 2781 §4.3 says big-endian.
    """
    first, second = set(data[0::2]), set(data[1::2])
    return "le" if len(second) < len(first) else "be"


# --- addresses -------------------------------------------------------------------------

_ADDRESS_TOKEN = re.compile(
    r'"(?:[^"\\]|\\.)*"?'  # quoted string (an unterminated one runs to the end)
    r"|\((?:[^()\\]|\\.)*\)?"  # comment
    r"|<[^<>]*>?"  # angle address
    r"|[,;:]"
    r'|[^",;:<(]+'
)
_QUOTED_PAIR = re.compile(r"\\(.)")
_WHITESPACE = re.compile(r"\s")
# The common shapes, parsed in one match: [name] <addr>, "name" <addr>, addr.
_SIMPLE_MAILBOX = re.compile(
    r'\s*(?:([^"<>,;:()\\]*?)|"([^"\\]*)")\s*<([^<>\s,;:()"]+)>\s*|\s*([^<>\s,;:()"]+)\s*'
)


class _Mailbox(NamedTuple):
    name: str | None
    address: str


def _parse_address_list(raw: str, problems: list[str]) -> list[_Mailbox]:
    """Mailboxes of an address-list header (RFC 5322 §3.4), leniently.

    Finds the structure before decoding encoded-words, so an encoded comma or quote in
    a display name cannot split the list.
    """
    simple = _SIMPLE_MAILBOX.fullmatch(raw)
    if simple is not None:
        name, quoted_name, address, bare_address = simple.groups()
        name = name or quoted_name
        if name:
            name = " ".join(_decode_header(name).split()) or None
        return [_Mailbox(name or None, (address or bare_address).lower())]
    mailboxes: list[_Mailbox] = []
    tokens: list[str] = []
    for token in [*_ADDRESS_TOKEN.findall(raw), ","]:
        if token == ":":  # "group name:" — the name is no mailbox
            tokens = []
        elif token in ",;":
            mailboxes += _mailboxes_from_tokens(tokens, problems)
            tokens = []
        else:
            tokens.append(token)
    return mailboxes


def _mailboxes_from_tokens(tokens: list[str], problems: list[str]) -> list[_Mailbox]:
    """The mailbox between two commas; several when senders forgot the commas."""
    angle = next((token for token in tokens if token.startswith("<")), None)
    words = [token for token in tokens if not token.startswith(("<", "("))]
    if angle is not None:
        address = _COMMENT.sub("", angle.strip("<> \t"))
        if address.startswith("@"):  # obsolete source route "@relay:user@host"
            address = address.rsplit(":", 1)[-1]
        return _checked_mailboxes(_display_name(words), [address], tokens, problems)
    name, addresses = _bare_addresses("".join(words).strip())
    comments = [token for token in tokens if token.startswith("(")]
    if name is None and comments:  # "addr (Name)", the old style
        name = _display_name([comments[0][1:].removesuffix(")")])
    return _checked_mailboxes(name, addresses, tokens, problems)


def _bare_addresses(text: str) -> tuple[str | None, list[str]]:
    """(name, addresses) of text without angle brackets.

    ``a@b`` and ``"quoted local"@b`` are one address; ``Name a@b`` a name and an
    address; ``a@b c@d`` two addresses.
    """
    if '"' in text or not _WHITESPACE.search(text):
        return None, [text]
    words = text.split()
    addresses = [word for word in words if "@" in word]
    if not addresses:
        return None, [text]
    return _display_name([word for word in words if "@" not in word]), addresses


def _checked_mailboxes(
    name: str | None, addresses: list[str], tokens: list[str], problems: list[str]
) -> list[_Mailbox]:
    mailboxes = []
    for address in addresses:
        cleaned = _decode_header(address.strip()).lower()
        if not cleaned:
            if any(token.strip() and not token.startswith("(") for token in tokens):
                problems.append(f"no address in {''.join(tokens).strip()[:60]!r}")
        elif _WHITESPACE.search(cleaned):
            problems.append(f"unreadable address {cleaned[:60]!r}")
        else:
            mailboxes.append(_Mailbox(name, cleaned))
    return mailboxes


def _display_name(words: list[str]) -> str | None:
    text = " ".join(_unquote(word) for word in words)
    name = " ".join(_decode_header(text).split())
    return name or None


def _first_mailbox(raw: str, problems: list[str]) -> tuple[str | None, str | None]:
    mailboxes = _parse_address_list(raw, problems) if raw else []
    return (mailboxes[0].name, mailboxes[0].address) if mailboxes else (None, None)


def _addresses(raw: str, problems: list[str]) -> tuple[str, ...]:
    if not raw:
        return ()
    return tuple(mailbox.address for mailbox in _parse_address_list(raw, problems))


# --- message ids -----------------------------------------------------------------------

_BRACKETED_ID = re.compile(r"<\s*([^<>\s]+)\s*>")


def _message_ids(raw: str) -> tuple[str, ...]:
    """Ids of References / In-Reply-To, brackets stripped; unbracketed words as a fallback."""
    found = _BRACKETED_ID.findall(raw)
    if found:
        return tuple(found)
    return tuple(word for word in raw.split() if "@" in word)


def _first_message_id(raw: str) -> str | None:
    ids = _message_ids(raw)
    return ids[0] if ids else None


def _message_id(raw: dict[str, str], body: bytes, problems: list[str]) -> str:
    value = raw.get("message-id", "")
    found = _BRACKETED_ID.search(value)
    if found:
        return found[1]
    if value.strip():
        return value.strip().split()[0].strip("<>")
    problems.append("no Message-ID; made one from From, Date, Subject and body")
    return _synthetic_message_id(raw, body)


def _synthetic_message_id(raw: dict[str, str], body: bytes) -> str:
    """A stable id for a message without one: the same message always gets the same id."""
    digest = hashlib.sha256()
    for name in ("from", "date", "subject"):
        digest.update(raw.get(name, "").encode() + b"\0")
    digest.update(body[:_SYNTHETIC_ID_BODY_BYTES])
    return f"{digest.hexdigest()}@{SYNTHETIC_ID_DOMAIN}"


# --- dates -----------------------------------------------------------------------------

_COMMENT = re.compile(r"\([^()]*\)")
_RFC5322_DATE = re.compile(
    r"\s*(?:[A-Za-z]+\.?\s*,?\s*)?"  # day of week, not checked
    r"(\d{1,2})[\s-]*([A-Za-z]{3})[A-Za-z]*\.?[\s-]*(\d{2,4})"
    r"\s+(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?(?:\.\d+)?"
    r"\s*(?:([+-])(\d\d):?(\d\d)|([A-Za-z]+))?"
)
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}
# RFC 5322 §4.3 obsolete zones; other names are read as UTC, as that section says.
_ZONE_HOURS = {
    "ut": 0,
    "utc": 0,
    "gmt": 0,
    "z": 0,
    "est": -5,
    "edt": -4,
    "cst": -6,
    "cdt": -5,
    "mst": -7,
    "mdt": -6,
    "pst": -8,
    "pdt": -7,
}


def parse_date(value: str, problems: list[str] | None = None) -> datetime | None:
    """The instant of an RFC 5322 Date (or an ISO 8601 one) as aware UTC; None if unreadable.

    Comments are ignored; a missing or unknown zone is read as UTC and, when a
    ``problems`` list is given, noted in it.
    """
    problems = [] if problems is None else problems
    found = _RFC5322_DATE.match(value)
    # A comment after the zone ("+0000 (UTC)") is never read; one before it is removed.
    if "(" in value and (found is None or found.group(7, 10) == (None, None)):
        value = _COMMENT.sub(" ", value)
        found = _RFC5322_DATE.match(value)
    if found is None:
        return _parse_iso_date(value, problems)
    day, month_name, year_text, hour, minute, second, sign, zh, zm, zone = found.groups()
    month = _MONTHS.get(month_name.lower())
    if month is None:
        return None
    year = int(year_text)
    if len(year_text) == 2:  # RFC 5322 §4.3: 00-49 are 20xx, 50-99 are 19xx
        year += 2000 if year < 50 else 1900
    elif len(year_text) == 3:
        year += 1900
    try:
        local = datetime(
            year, month, int(day), int(hour), int(minute), min(int(second or 0), 59), tzinfo=UTC
        )
    except ValueError:
        return None
    return local - _zone_offset(sign, zh, zm, zone, problems)


def _zone_offset(
    sign: str | None, hours: str | None, minutes: str | None, zone: str | None, problems: list[str]
) -> timedelta:
    if sign is not None and hours is not None and minutes is not None:
        return _numeric_offset(sign, hours, minutes)
    if zone is None:
        problems.append("Date has no time zone; read as UTC")
        return timedelta()
    known = _ZONE_HOURS.get(zone.lower())
    if known is None:
        problems.append(f"Date has unknown time zone {zone!r}; read as UTC")
        return timedelta()
    return timedelta(hours=known)


@lru_cache(maxsize=128)
def _numeric_offset(sign: str, hours: str, minutes: str) -> timedelta:
    offset = timedelta(hours=int(hours), minutes=int(minutes))
    return -offset if sign == "-" else offset


def _parse_iso_date(text: str, problems: list[str]) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        problems.append("Date has no time zone; read as UTC")
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _sent_at(
    value: str | None, internaldate: datetime | None, problems: list[str]
) -> datetime | None:
    """Date as UTC; INTERNALDATE when Date is missing, unreadable or implausible.

    Implausible: before 1970, after 2100, or more than a day after the server received
    the message (a sender clock that far off is wrong, and so would be every SLA figure).
    """
    received = _as_utc(internaldate) if internaldate is not None else None
    if value is None:
        problems.append("no Date header")
        return _fallback_time(received, problems)
    sent = parse_date(_decode_header(value), problems)
    if sent is None:
        problems.append(f"unreadable Date {value[:60]!r}")
        return _fallback_time(received, problems)
    too_late = received is not None and sent > received + timedelta(days=1)
    if too_late or not 1970 <= sent.year <= _LATEST_PLAUSIBLE_YEAR:
        problems.append(f"implausible Date {value[:60]!r}")
        return _fallback_time(received, problems)
    return sent


def _fallback_time(received: datetime | None, problems: list[str]) -> datetime | None:
    if received is None:
        problems.append("no INTERNALDATE to fall back on; sent_at unknown")
    return received


def _as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


# --- MIME structure --------------------------------------------------------------------

_PARAMETER = re.compile(r';\s*([^\s=;]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)')
_CONTINUATION = re.compile(r"^(.+?)\*(\d+)?(\*)?$")


def parse_content_type(value: str) -> tuple[str, dict[str, str]]:
    """(lower-case type/subtype or disposition, parameters) of a MIME header value.

    Parameter names are lower-case; values are decoded (RFC 2231 continuations and
    charsets, RFC 2047 words that Outlook puts in filenames), except ``boundary``, which
    must stay as the delimiter lines spell it.
    """
    main, semicolon, rest = value.partition(";")
    if not semicolon and " " not in main.strip():
        return main.strip().lower(), {}
    kind, _, stray = main.strip().partition(" ")
    if "=" in stray:  # "text/plain charset=utf-8": a missing semicolon
        rest = f"{stray};{rest}"
    pairs = [(name, _unquote(raw)) for name, raw in _PARAMETER.findall(f";{rest}") if name]
    return kind.strip().lower(), _combine_parameters(pairs)


def _unquote(raw: str) -> str:
    raw = raw.strip()
    if not raw.startswith('"'):
        return raw
    raw = raw[1:].removesuffix('"')
    return _QUOTED_PAIR.sub(r"\1", raw) if "\\" in raw else raw


def _combine_parameters(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """Join RFC 2231 sections (``name*0*=utf-8''%D8%A7``, ``name*1=…``) and decode values."""
    params: dict[str, str] = {}
    sections: dict[str, dict[int, tuple[str, bool]]] = {}
    for name, value in pairs:
        key = name.lower()
        split = _CONTINUATION.match(key) if "*" in key else None
        if split is None:
            if key not in params:
                params[key] = value if key == "boundary" else _decode_header(value)
            continue
        base, number, encoded = split.groups()
        sections.setdefault(base, {})[int(number or 0)] = (value, encoded is not None or not number)
    for base, parts in sections.items():
        params[base] = _join_sections(parts)  # the RFC 2231 form wins over a plain one
    return params


def _join_sections(parts: dict[int, tuple[str, bool]]) -> str:
    charset = None
    data = b""
    for number in sorted(parts):
        value, encoded = parts[number]
        if encoded and number == 0 and value.count("'") >= 2:
            charset, _, value = value.split("'", 2)
        data += unquote_to_bytes(value) if encoded else value.encode()
    return decode_text(data, charset or None)


class _Leaf(NamedTuple):
    """One non-multipart MIME entity, its payload still transfer-encoded."""

    content_type: str
    params: dict[str, str]
    encoding: str
    disposition: str
    filename: str | None
    payload: bytes
    complete: bool


def _leaves(
    raw: dict[str, str], body: bytes, complete: bool, depth: int, problems: list[str]
) -> Iterator[_Leaf]:
    """The leaf entities of a message or part, in order, descending into multiparts."""
    content_type, params = parse_content_type(raw.get("content-type", "") or "text/plain")
    if "/" not in content_type:
        problems.append(f"unreadable Content-Type {raw.get('content-type', '')[:60]!r}")
        content_type = "text/plain"
    if content_type.startswith("multipart/"):
        parts = _multipart_parts(params, body, complete, depth, problems)
        if parts is not None:
            for part_raw, part_body, part_complete in parts:
                yield from _leaves(part_raw, part_body, part_complete, depth + 1, problems)
            return
        content_type = "text/plain"  # a multipart we cannot split: read it as text
    disposition, disposition_params = parse_content_type(raw.get("content-disposition", ""))
    filename = disposition_params.get("filename") or params.get("name")
    yield _Leaf(
        content_type=content_type,
        params=params,
        encoding=raw.get("content-transfer-encoding", "").split(";")[0].strip().lower(),
        disposition=disposition,
        filename=filename.strip() if filename else None,
        payload=body,
        complete=complete,
    )


def _multipart_parts(
    params: dict[str, str], body: bytes, complete: bool, depth: int, problems: list[str]
) -> list[tuple[dict[str, str], bytes, bool]] | None:
    """(headers, body, complete) of each part; None if the body cannot be split."""
    boundary = params.get("boundary")
    if not boundary:
        problems.append("multipart without boundary; read as text")
        return None
    if depth >= _MAX_NESTING:
        problems.append(f"multipart nested deeper than {_MAX_NESTING}; inner parts skipped")
        return []
    chunks, closed = _split_multipart(body, boundary.encode())
    if not chunks:
        if complete:  # else the fetch may simply have stopped before the first boundary
            problems.append("multipart boundary not found in body; read as text")
        return None
    if complete and not closed:
        problems.append("multipart has no closing boundary")
    parts = []
    for index, chunk in enumerate(chunks):
        head, part_body = split_message(chunk)
        part_complete = complete or closed or index < len(chunks) - 1
        if part_complete:
            parts.append((_read_header_fields(head, problems), part_body, True))
        elif _header_bounds(chunk) is not None:
            parts.append((_read_header_fields(head, []), part_body, False))
        else:
            # The fetch stopped inside this part's header: its last field may be cut short
            # ("Content-Transfer-Encoding: 7b", a Content-Type without its folded boundary),
            # so it is left out, and what the cut leaves is no fault of the message.
            parts.append((_read_header_fields(_whole_fields(head), []), b"", False))
    return parts


def _whole_fields(head: bytes) -> bytes:
    """``head`` without its last field, which a cut may have shortened."""
    last_field = max(head.rfind(b"\n", 0, len(head) - 1) + 1, 0)
    while last_field > 0 and head[last_field : last_field + 1] in (b" ", b"\t"):
        last_field = head.rfind(b"\n", 0, last_field - 1) + 1
    return head[:last_field]


def _split_multipart(body: bytes, boundary: bytes) -> tuple[list[bytes], bool]:
    """Part contents between delimiter lines (RFC 2046 §5.1.1), and whether it was closed."""
    delimiter = b"--" + boundary
    parts: list[bytes] = []
    start: int | None = None
    position = body.find(delimiter)
    while position >= 0:
        line_end = body.find(b"\n", position)
        line_end = len(body) if line_end < 0 else line_end
        after = body[position + len(delimiter) : line_end]
        closing = after.startswith(b"--")
        # A longer boundary that starts with ours is not ours: only padding may follow.
        at_line_start = position == 0 or body[position - 1] == 0x0A
        if at_line_start and not (after[2:] if closing else after).strip():
            if start is not None:
                parts.append(_without_line_break(body[start:position]))
            if closing:
                return parts, True
            start = line_end + 1
        position = body.find(delimiter, position + len(delimiter))
    if start is not None:
        parts.append(body[start:])
    return parts, False


def _without_line_break(chunk: bytes) -> bytes:
    """The line break before a delimiter belongs to the delimiter (RFC 2046 §5.1.1)."""
    if chunk.endswith(b"\r\n"):
        return chunk[:-2]
    return chunk[:-1] if chunk.endswith(b"\n") else chunk


def _is_attachment(leaf: _Leaf) -> bool:
    return leaf.disposition == "attachment" or leaf.filename is not None


def _main_text(leaves: list[_Leaf], problems: list[str]) -> tuple[_Leaf | None, str]:
    """The message's text part and its snippet.

    The first inline text/plain part, unless it is blank (clients that compose in HTML
    send an empty one), then the first inline text/html part.
    """
    chosen = None
    for wanted in ("text/plain", "text/html"):
        leaf = next(
            (leaf for leaf in leaves if leaf.content_type == wanted and not _is_attachment(leaf)),
            None,
        )
        if leaf is None:
            continue
        snippet = _snippet(leaf, problems)
        if snippet:
            return leaf, snippet
        chosen = chosen or leaf
    return chosen, ""


# --- attachments -----------------------------------------------------------------------


def _attachments(
    leaves: list[_Leaf], bodystructure: object | None, problems: list[str]
) -> tuple[Attachment, ...]:
    if bodystructure is not None:
        return tuple(_bodystructure_attachments(bodystructure, problems))
    return tuple(
        Attachment(leaf.filename, _decoded_size(leaf), leaf.content_type)
        for leaf in leaves
        if _is_attachment(leaf)
    )


def _decoded_size(leaf: _Leaf) -> int | None:
    if not leaf.complete:
        return None
    if leaf.encoding == "base64":
        return _base64_decoded_size(leaf.payload)
    if leaf.encoding == "quoted-printable":
        return len(binascii.a2b_qp(leaf.payload))
    return len(leaf.payload)


# Base64 lines are 76 characters and a CRLF: 78 octets carry 57 bytes.
# Fields between the octet count and the extension data (MD5, then disposition).
_TYPE_SPECIFIC_FIELDS = {"text": 1, "message/rfc822": 3}  # lines; envelope, body, lines
_BASE64_BYTES_PER_LINE, _BASE64_OCTETS_PER_LINE = 57, 78


def _bodystructure_attachments(bodystructure: object, problems: list[str]) -> list[Attachment]:
    """Attachments listed by imapclient's parsed BODYSTRUCTURE (RFC 3501 §7.4.2).

    A single part is (type, subtype, params, id, description, encoding, octets, …) with
    the disposition after the type-specific fields: none for basic types, lines for
    text, envelope, body and lines for message/rfc822 — then MD5, then disposition.
    Sizes of base64 parts are estimated from their encoded octets.
    """
    try:
        return list(_walk_bodystructure(bodystructure))
    except (IndexError, TypeError, ValueError):
        problems.append("BODYSTRUCTURE has an unexpected shape; attachments unknown")
        return []


def _walk_bodystructure(node: object) -> Iterator[Attachment]:
    if not isinstance(node, tuple | list) or not node:
        raise TypeError("BODYSTRUCTURE node is not a list")
    if isinstance(node[0], list):  # multipart: ([parts…], subtype, …)
        for part in node[0]:
            yield from _walk_bodystructure(part)
        return
    content_type = f"{_text(node[0])}/{_text(node[1])}".lower()
    params = _combine_parameters(_pairs(node[2]))
    disposition_at = 8 + _TYPE_SPECIFIC_FIELDS.get(
        content_type, _TYPE_SPECIFIC_FIELDS.get(content_type.split("/")[0], 0)
    )
    disposition, disposition_params = "", {}
    if len(node) > disposition_at and isinstance(node[disposition_at], tuple):
        disposition = _text(node[disposition_at][0]).lower()
        disposition_params = _combine_parameters(_pairs(node[disposition_at][1]))
    filename = disposition_params.get("filename") or params.get("name")
    if disposition != "attachment" and not filename:
        return
    octets = int(node[6])
    if _text(node[5]).lower() == "base64":
        octets = octets * _BASE64_BYTES_PER_LINE // _BASE64_OCTETS_PER_LINE
    yield Attachment(filename, octets, content_type)


def _text(atom: object) -> str:
    if isinstance(atom, bytes):
        return atom.decode("latin-1")
    return "" if atom is None else str(atom)


def _pairs(flat: object) -> list[tuple[str, str]]:
    """imapclient's flat (name, value, name, value…) tuple as pairs; NIL as none."""
    if not isinstance(flat, tuple):
        return []
    items = [_text(item) for item in flat]
    return list(zip(items[0::2], items[1::2], strict=False))


# --- body text -------------------------------------------------------------------------

_HTML_HIDDEN = re.compile(
    r"<(head|script|style|title)\b.*?(?:</\1\s*>|\Z)|<!--.*?(?:-->|\Z)", re.S | re.I
)
_HTML_BREAK = re.compile(
    r"<(?:br|/?(?:p|div|tr|td|th|li|h[1-6]|table|blockquote|pre|hr))\b[^>]*(?:>|\Z)", re.I
)
_HTML_TAG = re.compile(r"</?[A-Za-z!][^>]*(?:>|\Z)")
_TRANSFER_ENCODINGS = frozenset({"", "7bit", "8bit", "binary", "base64", "quoted-printable"})


def _part_text(leaf: _Leaf, limit: int | None, problems: list[str]) -> str:
    """Text of a text part, from at most ``limit`` of its encoded bytes; tags stripped."""
    payload = leaf.payload if limit is None else leaf.payload[:limit]
    if leaf.encoding == "base64":
        data = _decode_base64(payload)
    elif leaf.encoding == "quoted-printable":
        data = binascii.a2b_qp(payload)
    else:
        if leaf.encoding not in _TRANSFER_ENCODINGS:
            problems.append(f"unknown Content-Transfer-Encoding {leaf.encoding!r}; read as is")
        data = payload
    whole = leaf.complete and (limit is None or limit >= len(leaf.payload))
    text = _decode_text(data, leaf.params.get("charset"), whole, problems)
    return html_to_text(text) if leaf.content_type == "text/html" else text


def html_to_text(markup: str) -> str:
    """Visible text of HTML: hidden elements dropped, block ends as line breaks."""
    text = _HTML_HIDDEN.sub("", markup)
    text = _HTML_BREAK.sub("\n", text)
    text = _HTML_TAG.sub("", text)
    return html.unescape(text) if "&" in text else text


def _snippet(leaf: _Leaf, problems: list[str]) -> str:
    """Up to SNIPPET_LENGTH characters of the part's text, whitespace collapsed.

    Reads a window of the part and widens it only while the text found is too short,
    so a large HTML part costs what its first screen costs.
    """
    limit = _SNIPPET_WINDOW
    while True:
        text = " ".join(_part_text(leaf, limit, problems).split())
        if len(text) >= SNIPPET_LENGTH or limit >= len(leaf.payload):
            return text[:SNIPPET_LENGTH].rstrip()
        limit *= 4


def _full_text(leaf: _Leaf, problems: list[str]) -> str:
    return _part_text(leaf, None, problems).replace("\r\n", "\n")


# --- classification --------------------------------------------------------------------

_ARABIC_SCRIPT = re.compile(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufefc]+")
_ASCII_NON_LETTERS = bytes(byte for byte in range(128) if not chr(byte).isalpha())
_BULK_PRECEDENCE = frozenset({"bulk", "junk", "list"})


def detect_language(text: str) -> str | None:
    """'ar' if Arabic-script characters are most of the letters, 'en' if not, None if none.

    Every non-ASCII character counts as a letter of its script: exact enough to tell
    Arabic from the rest, and counted at C speed.
    """
    ascii_part = text.encode("ascii", "ignore")
    letters = len(ascii_part.translate(None, _ASCII_NON_LETTERS)) + len(text) - len(ascii_part)
    if not letters:
        return None
    arabic = sum(map(len, _ARABIC_SCRIPT.findall(text)))
    return "ar" if arabic * 2 > letters else "en"


def _is_auto_submitted(headers: dict[str, str], from_address: str | None) -> bool:
    """Machine-sent mail, which must not count as a customer's reply.

    RFC 3834 Auto-Submitted (anything but "no"), Precedence bulk/junk/list, the
    X-Autoreply flag vacation responders set, delivery and read reports
    (multipart/report, RFC 6522), and bounces: a null Return-Path or MAILER-DAEMON as
    sender (RFC 5321 §4.5.5).
    """
    auto_submitted = headers.get("auto-submitted", "").split(";")[0].strip().lower() or "no"
    precedence = headers.get("precedence", "").strip().lower()
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    return (
        auto_submitted != "no"
        or precedence in _BULK_PRECEDENCE
        or "x-autoreply" in headers
        or content_type == "multipart/report"
        or headers.get("return-path", "").replace(" ", "") == "<>"
        or (from_address or "").startswith("mailer-daemon@")
    )
