"""normalize_subject and ticket_token: what threading compares."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from supportctl.mail.subject import normalize_subject, ticket_token


@pytest.mark.parametrize(
    ("subject", "normalized"),
    [
        ("Re: Refund request", "refund request"),
        ("RE : Re[2]: re^3: Fwd: FW: fw: AW: WG: SV: VS: Refund", "refund"),
        ("Re:Re:Re:   Refund    REQUEST  ", "refund request"),
        ("[support] [#1234] Re: [Public]RE:  RE: X310 questions", "x310 questions"),
        ("Refund (fwd)", "refund"),
        ("(fwd) Refund", "refund"),
        ("Regarding: refund", "regarding: refund"),  # a word that starts like a prefix
        ("Re refund", "re refund"),  # no colon, no prefix
        ("رد: طلب استرداد", "طلب استرداد"),
        ("رد : رد: إعادة توجيه: طلب استرداد", "طلب استرداد"),
        ("اعادة توجيه: توجيه: طلب", "طلب"),  # without hamza, as typed on many keyboards
        ("\u200fرد: \u200fطلب\u200f استرداد", "طلب استرداد"),  # Outlook's direction marks
        ("Re: ÉCOLE Straße", "école strasse"),
        ("", ""),
        ("Re: ", ""),
    ],
)
def test_normalize_subject(subject: str, normalized: str) -> None:
    assert normalize_subject(subject) == normalized


def test_arabic_survives_nfc_and_case_folding() -> None:
    decomposed = "ا\u0654حمد"  # alef + combining hamza above
    assert normalize_subject(decomposed) == "أحمد"
    assert normalize_subject("Re: أحمد") == "أحمد"
    text = "طلب استرداد المبلغ"
    assert normalize_subject(text) == text


@given(st.text(max_size=60))
def test_normalizing_twice_changes_nothing(subject: str) -> None:
    once = normalize_subject(subject)
    assert normalize_subject(once) == once
    assert once == unicodedata.normalize("NFC", once)
    assert once == " ".join(once.split())


@pytest.mark.parametrize(
    ("subject", "token"),
    [
        ("Re: [#1234] Refund", 1234),
        ("[# 42 ] printer", 42),
        ("Refund [#7] and [#8]", 7),
        ("رد: [#١٢٣] طلب", 123),  # Arabic-Indic digits
        ("Refund #1234", None),
        ("[1234] Refund", None),
        ("", None),
    ],
)
def test_ticket_token(subject: str, token: int | None) -> None:
    assert ticket_token(subject) == token
