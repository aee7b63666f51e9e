"""Schema version 5: the header fields of a message that tag rules may ask about.

``message.header_fields`` holds, as a JSON object of lower-case field name → value, the
header fields sync keeps beyond those with columns of their own (subject, addresses,
Message-ID, In-Reply-To, References): every field but the bulky trace and signature
fields (Received, DKIM-Signature, ARC-*, Authentication-Results, ...) and any whose name
suggests a credential, each value unfolded, decoded and capped
(``supportctl.mail.parse``). NULL when a message has none, and for every message stored
before this version: a ``header`` condition sees only the columns of those.
"""

STATEMENTS = ("ALTER TABLE message ADD COLUMN header_fields TEXT",)
