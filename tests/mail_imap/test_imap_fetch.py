"""The fast FETCH reader gives what imapclient's parser gives: on Dovecot's real answers,
and on odd ones, which it hands to imapclient's parser."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from imapclient.response_parser import parse_fetch_response

from supportctl.mail import imap_fetch
from supportctl.mail.imap import FETCH_PLANS
from supportctl.mail.imap_fetch import parse_fetch
from tests.mail_imap.imap_helpers import message_of
from tests.servers.dovecot import DovecotServer


def imapclients(data: list) -> dict:
    return dict(parse_fetch_response(list(data), normalise_times=False, uid_is_key=True))


@pytest.fixture
def fallbacks(monkeypatch: pytest.MonkeyPatch) -> list[list]:
    """The answers handed to imapclient's parser (which still parses them)."""
    handed: list[list] = []

    def counting(data: list, *args: object, **kwargs: object) -> object:
        handed.append(data)
        return parse_fetch_response(data, *args, **kwargs)

    monkeypatch.setattr(imap_fetch, "parse_fetch_response", counting)
    return handed


@pytest.mark.parametrize("fetch", sorted(FETCH_PLANS))
def test_dovecots_answers_read_as_imapclient_reads_them_without_its_parser(
    dovecot: DovecotServer, fresh_dovecot_user: str, fetch: str, fallbacks: list[list]
) -> None:
    messages = [message_of(1), b"Subject: no body\r\n\r\n", message_of(3, 5000)]
    dovecot.append(
        fresh_dovecot_user,
        "INBOX",
        messages,
        flags=["\\Seen", "$Label1"],
        internaldate=datetime(2026, 2, 1, 9, 30, tzinfo=timezone(timedelta(hours=3))),
    )
    dovecot.append(fresh_dovecot_user, "INBOX", [message_of(4)])
    items = f"({' '.join(FETCH_PLANS[fetch].items)})"
    with dovecot.imap_client(fresh_dovecot_user) as client:
        client.select_folder("INBOX", readonly=True)
        status, data = client._imap.uid("FETCH", "1:4", items)
    assert status == "OK"
    parsed = parse_fetch(data)
    assert parsed == imapclients(data)
    assert sorted(parsed) == [1, 2, 3, 4]
    assert parsed[1][b"FLAGS"] == (b"\\Seen", b"\\Recent", b"$Label1")
    assert parsed[1][b"INTERNALDATE"] == datetime(2026, 2, 1, 6, 30, tzinfo=UTC)
    assert parsed[2][FETCH_PLANS[fetch].body_key] == b""
    assert parsed[4][b"FLAGS"] == (b"\\Recent",)
    assert fallbacks == []


BODY = b"Hello\r\n"
ANSWER = (
    b'7 (UID 42 FLAGS (\\Seen) INTERNALDATE "17-Jul-1996 02:44:25 -0700" BODY[TEXT] {7}',
    BODY,
)


FLAT = [
    pytest.param([ANSWER, b")"], id="plain"),
    pytest.param([ANSWER, b" MODSEQ (12))"], id="a list of numbers"),
    pytest.param([b'7 (UID 42 INTERNALDATE " 7-Jul-1996 02:44:25 +0000" FLAGS ())'], id="padded"),
    pytest.param([b'7 (UID 42 INTERNALDATE "Sun, 7 Jul 1996 02:44:25" FLAGS ())'], id="odd date"),
    pytest.param([b'7 (UID 42 BODY[TEXT] "say \\"hi\\" \\\\ \\n")'], id="escapes"),
    pytest.param([b"7 (UID 42 BODY[TEXT] NIL RFC822.SIZE 0123)"], id="nil, zero-led"),
    pytest.param([b"3 (FLAGS (\\Deleted))", ANSWER, b")"], id="unsolicited"),
    pytest.param([ANSWER, b")", b"7 (UID 42 FLAGS (\\Answered))"], id="merged"),
]
NOT_FLAT = [
    pytest.param([ANSWER, b" X-LIST ((1 2) 3))"], id="a nested list"),
    pytest.param(
        [ANSWER, b' BODYSTRUCTURE ("TEXT" "PLAIN" NIL NIL NIL "7BIT" 7 1))'], id="structure"
    ),
    pytest.param([(ANSWER[0], BODY + b"!"), b")"], id="a literal of the wrong size"),
    pytest.param([ANSWER], id="cut short"),
]


@pytest.mark.parametrize("data", FLAT)
def test_flat_answers_read_as_imapclient_reads_them_without_its_parser(
    data: list, fallbacks: list[list]
) -> None:
    assert parse_fetch(data) == imapclients(data)
    assert fallbacks == []


@pytest.mark.parametrize("data", NOT_FLAT)
def test_other_answers_go_to_imapclients_parser(data: list, fallbacks: list[list]) -> None:
    try:
        expected = imapclients(data)
    except Exception as error:  # then the fast reader must refuse alike
        with pytest.raises(type(error)):
            parse_fetch(data)
    else:
        assert parse_fetch(data) == expected
    assert fallbacks == [data]


def test_the_plain_answer_in_detail() -> None:
    assert parse_fetch([ANSWER, b")"]) == {
        42: {
            b"SEQ": 7,
            b"FLAGS": (b"\\Seen",),
            b"INTERNALDATE": datetime(1996, 7, 17, 2, 44, 25, tzinfo=timezone(-timedelta(hours=7))),
            b"BODY[TEXT]": BODY,
        }
    }


def test_no_answer_is_an_empty_result() -> None:
    assert parse_fetch([None]) == {}
