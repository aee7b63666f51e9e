"""Schema version 1: mail, conversations, their tags and events, sync and small state.

Instants are epoch seconds (UTC) in ``{int64}`` columns; 0/1 flags are integers so both
databases read them the same way.
"""

STATEMENTS = (
    """
    CREATE TABLE sync_state (
        mailbox TEXT NOT NULL,
        folder TEXT NOT NULL,
        uidvalidity {int64} NOT NULL,
        last_uid {int64} NOT NULL DEFAULT 0,
        highest_modseq {int64},
        synced_at {int64},
        PRIMARY KEY (mailbox, folder)
    )
    """,
    """
    CREATE TABLE conversation (
        id {id_pk},
        mailbox TEXT NOT NULL,
        channel TEXT NOT NULL,
        customer TEXT,
        customer_name TEXT,
        subject TEXT,
        subject_key TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL DEFAULT 'open'
            CHECK (status IN ('open', 'pending', 'closed')),
        priority TEXT NOT NULL DEFAULT 'normal'
            CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
        assignee TEXT,
        created_at {int64} NOT NULL,
        updated_at {int64} NOT NULL,
        last_inbound_at {int64},
        last_outbound_at {int64},
        first_response_at {int64},
        resolved_at {int64},
        reopened_count INTEGER NOT NULL DEFAULT 0,
        message_count INTEGER NOT NULL DEFAULT 0,
        sla_policy TEXT,
        first_response_due {int64},
        resolution_due {int64},
        first_response_breached INTEGER CHECK (first_response_breached IN (0, 1)),
        resolution_breached INTEGER CHECK (resolution_breached IN (0, 1)),
        language TEXT
    )
    """,
    """
    CREATE TABLE conversation_tag (
        conversation_id {int64} NOT NULL REFERENCES conversation (id) ON DELETE CASCADE,
        tag TEXT NOT NULL,
        PRIMARY KEY (conversation_id, tag)
    )
    """,
    """
    CREATE TABLE message (
        id {id_pk},
        mailbox TEXT NOT NULL,
        folder TEXT NOT NULL,
        uidvalidity {int64} NOT NULL,
        uid {int64} NOT NULL,
        message_id TEXT,
        in_reply_to TEXT,
        "references" TEXT,
        from_address TEXT,
        from_name TEXT,
        to_addresses TEXT,
        cc_addresses TEXT,
        subject TEXT,
        sent_at {int64},
        received_at {int64} NOT NULL,
        direction TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
        size {int64},
        snippet TEXT,
        attachments TEXT NOT NULL DEFAULT '[]',
        flags TEXT NOT NULL DEFAULT '',
        language TEXT,
        parse_problem TEXT,
        gone_at {int64},
        conversation_id {int64} REFERENCES conversation (id) ON DELETE SET NULL,
        body TEXT,
        UNIQUE (mailbox, folder, uidvalidity, uid)
    )
    """,
    """
    CREATE TABLE event (
        id {id_pk},
        conversation_id {int64} NOT NULL REFERENCES conversation (id) ON DELETE CASCADE,
        at {int64} NOT NULL,
        actor TEXT NOT NULL,
        kind TEXT NOT NULL,
        old_value TEXT,
        new_value TEXT,
        reason TEXT
    )
    """,
    """
    CREATE TABLE state (
        key TEXT PRIMARY KEY,
        value TEXT
    )
    """,
    "CREATE INDEX message_message_id_idx ON message (message_id)",
    "CREATE INDEX message_conversation_id_idx ON message (conversation_id)",
    "CREATE INDEX message_mailbox_received_at_idx ON message (mailbox, received_at)",
    "CREATE INDEX conversation_status_updated_at_idx ON conversation (status, updated_at)",
    "CREATE INDEX conversation_assignee_status_idx ON conversation (assignee, status)",
    "CREATE INDEX conversation_customer_idx ON conversation (customer)",
    "CREATE INDEX conversation_mailbox_subject_key_idx ON conversation (mailbox, subject_key)",
    "CREATE INDEX conversation_created_at_idx ON conversation (created_at)",
    "CREATE INDEX event_conversation_id_at_idx ON event (conversation_id, at)",
    "CREATE INDEX conversation_tag_tag_idx ON conversation_tag (tag)",
)
