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
