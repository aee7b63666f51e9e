"""Which header fields sync keeps for rules (``message.header_fields``), by name alone:
the parser asks it of every field it reads, ``config validate`` of every field a
``header`` condition names (a condition on a field never kept could never match).

Names are lower-case.
"""

from __future__ import annotations

import re

# Fields no rule is given: trace and signature fields, kilobytes on most messages and
# nothing a rule could use (RFC 5321 §4.4 trace, SPF, DKIM RFC 6376, Authentication-
# Results RFC 8601, an Autocrypt key), the spam filters' encoded verdicts, the MIME
# fields that only tell how the body is encoded (the parser has undone it), and Date
# (kept as the sent time; on a million messages its text alone is 40 MB).
_FIELDS_NOT_KEPT = frozenset(
    {
        "date",
        "received",
        "x-received",
        "x-gmail-received",
        "received-spf",
        "dkim-signature",
        "domainkey-signature",
        "x-google-dkim-signature",
        "x-mailman-original-dkim-signature",
        "authentication-results",
        "x-original-authentication-results",
        "x-mailman-original-authentication-results",
        "autocrypt",
        "x-google-smtp-source",
        "x-gm-message-state",
        "x-ymail-osg",
        "x-ymailisg",
        "ironport-phdr",
        "ironport-data",
        "ironport-hdrordr",
        "x-ironport-anti-spam-result",
        "x-ipas-result",
        "x-microsoft-exchange-diagnostics",
        "mime-version",
        "content-transfer-encoding",
    }
)
_PREFIXES_NOT_KEPT = (
    "arc-",  # ARC seals and signatures, RFC 8617
    "x-microsoft-antispam",
    "x-forefront-antispam-report",
    "x-ms-exchange-antispam",
    "x-exchange-antispam-report",
    "x-ms-exchange-crosstenant-",
)
# A field whose name has one of these words may carry a credential (a gateway's
# X-Auth-Token, a form mailer's X-Password): never kept, whatever it holds.
_CREDENTIAL_WORDS = frozenset(
    {
        "auth",
        "authorization",
        "cookie",
        "credential",
        "credentials",
        "key",
        "apikey",
        "otp",
        "pass",
        "passcode",
        "passwd",
        "password",
        "pwd",
        "secret",
        "session",
        "sid",
        "token",
    }
)
_NAME_WORD_SEPARATOR = re.compile(r"[-_.]")


def is_rule_header(name: str) -> bool:
    """Whether rules may ask about field ``name``."""
    return why_not_kept(name) is None


def why_not_kept(name: str) -> str | None:
    """Why sync never keeps field ``name`` for rules (one of the fields left out above,
    or a word of its name suggests a credential); None when it keeps it."""
    if name in _FIELDS_NOT_KEPT or name.startswith(_PREFIXES_NOT_KEPT):
        return "a trace, signature, spam-verdict or body-encoding field, or Date"
    if not _CREDENTIAL_WORDS.isdisjoint(_NAME_WORD_SEPARATOR.split(name)):
        return "its name suggests a credential"
    return None
