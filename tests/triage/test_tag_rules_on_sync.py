"""Tag rules over what a real sync stores from a local Maildir (SQLite and PostgreSQL):
sync calls ``apply_tag_rules`` after each batch."""

from __future__ import annotations

from pathlib import Path

from supportctl.config import load_config
from supportctl.mail.sync import sync
from supportctl.store import open_store
from supportctl.triage.auto import apply_tag_rules
from tests.sync.test_sync_local import deliver, message
from tests.triage.seed import NOW

CONFIG = """\
version: 1
store: {store}
mailboxes:
  - {{name: demo, maildir: {maildir}, folders: [INBOX], addresses: [support@example.com]}}
rules:
  tags:
    - {{name: refunds, tag: refund, when: {{subject: "(?i)refund"}}}}
    - {{name: vip, tag: vip, when: {{from_domain: big.com, to: support@example.com}}}}
    - {{name: threads, tag: follow-up, when: {{header: {{in-reply-to: "@example"}}}}}}
    - {{name: body, tag: cancel, when: {{body: "cancel my subscription"}}}}
    - {{name: urgent-mail, tag: outage, when: {{header: {{X-Priority: "^1"}}}}}}
"""


def test_sync_applies_the_tag_rules_to_what_it_stores(tmp_path: Path, store_url: str) -> None:
    maildir = tmp_path / "mail"
    deliver(maildir, "INBOX", "1.a", message(1, subject="Refund for order 7"))
    deliver(maildir, "INBOX", "2.b", message(2, sender="ceo@big.com", subject="Contract"))
    deliver(
        maildir,
        "INBOX",
        "3.c",
        message(3, subject="Re: Refund for order 7", in_reply_to="m1@example.com"),
    )
    path = tmp_path / "supportctl.yaml"
    path.write_text(CONFIG.format(store=store_url, maildir=maildir), encoding="utf-8")
    config = load_config(path, {})
    with open_store(store_url) as store:
        assert sync(config, store, now=NOW).mailboxes[0].status == "ok"
        refund, contract = (
            row["id"] for row in store.query("SELECT id FROM conversation ORDER BY created_at, id")
        )
        tags = store.query("SELECT conversation_id, tag FROM conversation_tag ORDER BY 1, 2")
        assert [(r["conversation_id"], r["tag"]) for r in tags] == [
            (refund, "follow-up"),
            (refund, "refund"),
            (contract, "vip"),
        ]
        actors = store.query("SELECT actor FROM event WHERE kind = 'tags' ORDER BY id")
        assert [r["actor"] for r in actors] == ["rule:refunds", "rule:threads", "rule:vip"]
        with store.transaction() as tx:  # applied by sync already: nothing left to add
            assert apply_tag_rules(tx, config, [refund, contract], NOW) == []


def with_fields(raw: bytes, *fields: str) -> bytes:
    """``raw`` with header ``fields`` added at the top, as a relay adds its own."""
    return "".join(f"{field}\r\n" for field in fields).encode() + raw


def test_a_header_rule_tags_the_conversation_when_the_mail_arrives(
    tmp_path: Path, store_url: str
) -> None:
    maildir = tmp_path / "mail"
    deliver(maildir, "INBOX", "1.a", with_fields(message(1), "X-Priority: 1 (Highest)"))
    deliver(maildir, "INBOX", "2.b", with_fields(message(2, sender="b@x.com"), "X-Priority: 3"))
    deliver(maildir, "INBOX", "3.c", message(3, sender="c@x.com"))
    path = tmp_path / "supportctl.yaml"
    path.write_text(CONFIG.format(store=store_url, maildir=maildir), encoding="utf-8")
    with open_store(store_url) as store:
        assert sync(load_config(path, {}), store, now=NOW).mailboxes[0].status == "ok"
        tagged = store.query(
            "SELECT m.message_id, t.tag FROM conversation_tag t"
            " JOIN message m ON m.conversation_id = t.conversation_id"
        )
        assert tagged == [{"message_id": "m1@example.com", "tag": "outage"}]
        kept = store.query("SELECT message_id, header_fields FROM message ORDER BY message_id")
        assert kept == [
            {"message_id": "m1@example.com", "header_fields": '{"x-priority":"1 (Highest)"}'},
            {"message_id": "m2@example.com", "header_fields": '{"x-priority":"3"}'},
            {"message_id": "m3@example.com", "header_fields": None},
        ]
