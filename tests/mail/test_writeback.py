"""The pure part of ``supportctl.mail.writeback``: keyword atoms and per-message changes."""

from __future__ import annotations

import re

import pytest

from supportctl.mail.writeback import keyword_atom, keyword_change, wanted_keywords
from supportctl.store.writeback import MessageState

# RFC 3501 §9: ATOM-CHAR is any CHAR (7-bit) except atom-specials.
ATOM = re.compile(r"[\x21-\x7e]+")
ATOM_SPECIALS = set('(){%*"\\]')


@pytest.mark.parametrize(
    "value,atom",
    [
        ("refund", "refund"),
        ("Billing.v2-old_x", "Billing.v2-old_x"),
        ("استرداد", "&d8a7d8b3d8aad8b1d8afd8a7d8af-"),
        ("vip customer", "vip&20-customer"),
        ("a&b", "a&26-b"),
        ('x(*%"\\]{)', "x&282a25225c5d7b29-"),
    ],
)
def test_keyword_atom(value: str, atom: str) -> None:
    assert keyword_atom(value) == atom
    assert ATOM.fullmatch(atom) and not ATOM_SPECIALS & set(atom)


def test_atoms_differ_for_values_that_differ() -> None:
    values = ["a&b", "a&26-b", "رد", "&d8b1d8af-", "a b", "a&20-b"]
    assert len({keyword_atom(value) for value in values}) == len(values)


def test_wanted_keywords() -> None:
    assert wanted_keywords("pending", None, ()) == {"$support_status_pending"}
    assert wanted_keywords("open", "omar", ["vip", "رد"]) == {
        "$support_status_open",
        "$support_assignee_omar",
        "$support_tag_vip",
        "$support_tag_&d8b1d8af-",
    }


def state(
    flags: str = "", written: str | None = None, assignee: str | None = "omar"
) -> MessageState:
    return MessageState(1, "INBOX", 7, 42, flags, "open", assignee, ("vip",), written)


WANTED = "$support_assignee_omar $support_status_open $support_tag_vip"


def test_nothing_to_do_when_written_matches() -> None:
    assert keyword_change(state(flags="\\Seen", written=WANTED)) is None


def test_first_write_removes_only_our_stale_keywords() -> None:
    change = keyword_change(state(flags="\\Seen todo $support_tag_old $support_status_open"))
    assert change is not None
    assert change.add == {"$support_assignee_omar", "$support_tag_vip"}
    assert change.remove == {"$support_tag_old"}


def test_later_writes_trust_what_was_written() -> None:
    change = keyword_change(state(flags="$support_tag_gone", written=WANTED, assignee=None))
    assert change is not None
    assert (change.add, change.remove) == (set(), {"$support_assignee_omar"})
