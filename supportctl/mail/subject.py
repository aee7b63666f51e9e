"""Subjects for threading: the reply and forward noise stripped, the ticket token found.

Mail clients prefix replies and forwards in the user's language (``Re:``, ``AW:``,
``SV:``; Arabic Outlook writes ``رد:`` and ``إعادة توجيه:``), mailing lists add
``[list-name]`` tags, and bidirectional text gathers invisible direction marks. Two
subjects that differ only by these belong to one conversation.
"""

from __future__ import annotations

import re
import unicodedata

# One leading piece of noise: a reply/forward prefix with its colon (an optional count
# as in "Re[2]:" or "Re^2:", spaces before the colon as in "RE :"), a [tag], or "(fwd)".
_PREFIX = re.compile(
    r"\s*(?:"
    r"(?:re|fwd?|aw|wg|sv|vs|رد|[إا]عادة\s+توجيه|توجيه)\s*(?:\[\d+\]|\^\d+|\(\d+\))?\s*[:：]"
    r"|\[[^\]]*\]"
    r"|\(fwd\)"
    r")",
    re.IGNORECASE,
)
_TRAILING_FWD = re.compile(r"\s*\(fwd\)\s*$", re.IGNORECASE)
# Direction marks and zero-width characters: invisible, yet they make equal subjects
# compare unequal (Outlook puts U+200F around Arabic text).
_INVISIBLE = dict.fromkeys(
    map(ord, "\u200b\u200c\u200d\u200e\u200f\u061c\u2066\u2067\u2068\u2069\ufeff"), None
) | dict.fromkeys(range(0x202A, 0x202F), None)
_TICKET_TOKEN = re.compile(r"\[\s*#\s*(\d+)\s*\]")


def normalize_subject(subject: str) -> str:
    """The subject reduced to what threading compares.

    Leading reply/forward prefixes (``Re:``, ``RE :``, ``Fwd:``, ``Fw:``, ``AW:``,
    ``WG:``, ``SV:``, ``VS:``, ``رد:``, ``إعادة توجيه:``, ``توجيه:``), ``[tags]`` and
    ``(fwd)`` are stripped, as often as they repeat; then the text is NFC-normalized,
    case-folded and its whitespace collapsed. Case folding leaves Arabic untouched (it
    has no case), and NFC makes the composed and decomposed spellings of a letter with
    hamza (``أ`` and ``ا`` + U+0654) one string.

    >>> normalize_subject("RE: Fwd: [support] (fwd)  Refund   REQUEST")
    'refund request'
    >>> normalize_subject("رد: إعادة توجيه: طلب استرداد")
    'طلب استرداد'
    """
    text = unicodedata.normalize("NFC", subject.translate(_INVISIBLE))
    while True:
        prefix = _PREFIX.match(text)
        if prefix is None or not prefix.group():
            break
        text = text[prefix.end() :]
    text = _TRAILING_FWD.sub("", text)
    return unicodedata.normalize("NFC", " ".join(text.casefold().split()))


def ticket_token(subject: str) -> int | None:
    """The conversation number of a ``[#1234]`` token in the subject, or None.

    >>> ticket_token("Re: [#1234] Refund")
    1234
    """
    found = _TICKET_TOKEN.search(subject)
    return int(found[1]) if found else None
