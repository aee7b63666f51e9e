"""Schema version 4: what ``supportctl writeback`` last wrote to each message.

``message_keywords`` holds, per stored message, the space-separated ``$support_*``
keywords the last writeback left on the server's copy (``supportctl.mail.writeback``).
A run compares each message's wanted keywords with this row and talks to the server only
about messages whose wanted set differs, so a run with nothing new does no IMAP at all.
"""

STATEMENTS = (
    """
    CREATE TABLE message_keywords (
        message_id {int64} PRIMARY KEY REFERENCES message (id) ON DELETE CASCADE,
        keywords TEXT NOT NULL
    )
    """,
)
