"""Schema version 2: what a fast, size-independent sync needs.

- Threading looks messages up by mailbox and Message-ID. With only the Message-ID index,
  SQLite chose the (mailbox, received_at) index instead and scanned the whole mailbox for
  every message, so an initial sync grew quadratic; the two-column index replaces it.
- ``sync_state.messages`` is the folder's message count when the last complete run
  began: with UIDNEXT and HIGHESTMODSEQ it tells an unchanged folder from STATUS alone,
  where counting the stored messages took longer the bigger the folder.
- ``sync_state.skipped`` counts the messages of a folder that ``sync --since`` left on
  the server on purpose, so later runs still tell removed messages from skipped ones by
  comparing counts, without listing every UID; ``skip_before`` is that ``--since``
  instant, which later runs of a local folder (no UID order) keep applying.
"""

STATEMENTS = (
    "CREATE INDEX message_mailbox_message_id_idx ON message (mailbox, message_id)",
    "DROP INDEX message_message_id_idx",
    "ALTER TABLE sync_state ADD COLUMN messages {int64}",
    "ALTER TABLE sync_state ADD COLUMN skipped {int64} NOT NULL DEFAULT 0",
    "ALTER TABLE sync_state ADD COLUMN skip_before {int64}",
)
