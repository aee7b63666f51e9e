"""parse_message on hand-made messages: each case one rule, with exact expected values."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from imapclient.response_parser import parse_fetch_response

from supportctl.mail.parse import (
    _NAMES_REMEMBERED,
    _RULE_HEADER_NAMES,
    RULE_HEADER_COUNT,
    RULE_HEADER_LENGTH,
    SNIPPET_LENGTH,
    Attachment,
    ParsedMessage,
    decode_encoded_words,
    decode_text,
    detect_language,
    parse_date,
    parse_message,
    split_message,
)

RECEIVED = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def header(*lines: str | bytes) -> bytes:
    """A header block as IMAP sends BODY[HEADER]: CRLF lines and the blank line."""
    encoded = [line.encode() if isinstance(line, str) else line for line in lines]
    return b"\r\n".join(encoded) + b"\r\n\r\n"


def parse(*lines: str | bytes, body: bytes | None = None, **options: object) -> ParsedMessage:
    return parse_message(header(*lines), body, **options)  # type: ignore[arg-type]


def multipart(boundary: str, *parts: bytes, close: bool = True) -> bytes:
    delimiter = f"--{boundary}".encode()
    body = b"".join(delimiter + b"\r\n" + part + b"\r\n" for part in parts)
    return b"preamble\r\n" + body + (delimiter + b"--\r\n" if close else b"")


# --- RFC 2047 encoded-words ---------------------------------------------------------


def test_b_encoded_utf8_subject() -> None:
    message = parse("Subject: =?UTF-8?B?2LfZhNioINin2LPYqtix2K/Yp9iv?=")
    assert message.subject == "طلب استرداد"


def test_q_encoded_subject_with_underscores_and_hex() -> None:
    assert parse("Subject: =?iso-8859-1?q?Caf=E9_cr=E8me?=").subject == "Café crème"


def test_whitespace_between_adjacent_encoded_words_is_dropped() -> None:
    assert decode_encoded_words("=?utf-8?Q?Re:_?=  \t =?utf-8?Q?refund?=") == "Re: refund"
    # …but not the text between an encoded-word and a plain word.
    assert decode_encoded_words("=?utf-8?Q?a?= plain =?utf-8?Q?b?=") == "a plain b"


def test_character_split_across_encoded_words_is_joined() -> None:
    # "م" is D9 85 in UTF-8; encoders cut words at byte counts.
    assert decode_encoded_words("=?utf-8?Q?=D9?= =?utf-8?Q?=85?=") == "م"
    # …and across a folded header line.
    message = parse("Subject: =?UTF-8?B?2LfZhNi=?=", " =?UTF-8?B?qA==?=")
    assert message.subject == "طلب"


def test_adjacent_words_in_different_charsets() -> None:
    text = "=?windows-1256?B?08fR5Q==?= =?utf-8?Q?_M=C3=BCller?="
    assert decode_encoded_words(text) == "ساره Müller"


def test_windows_1256_b_encoded_display_name() -> None:
    message = parse("From: =?windows-1256?B?08fR5SDI5Mogx+Ha5sfP?= <S4454635@EstG.moe.gov.sa>")
    assert message.from_name == "ساره بنت العواد"
    assert message.from_address == "s4454635@estg.moe.gov.sa"


def test_encoded_comma_in_display_name_does_not_split_the_list() -> None:
    message = parse("To: =?utf-8?Q?Doe=2C_Jane?= <jane@example.com>, bob@example.com")
    assert message.to_addresses == ("jane@example.com", "bob@example.com")
    assert message.headers["to"] == "Doe, Jane <jane@example.com>, bob@example.com"


def test_broken_base64_word_decodes_what_it_can() -> None:
    # Five bytes: two letters and the first byte of a third, shown as U+FFFD.
    assert decode_encoded_words("=?utf-8?B?2LfZhNi?=") == "طل\ufffd"


# --- charsets ---------------------------------------------------------------------------

ARABIC = "مرحبا بكم"


@pytest.mark.parametrize("label", ["windows-1256", "cp1256", "windows1256", "x-cp1256", "CP1256"])
def test_windows_1256_under_every_spelling(label: str) -> None:
    assert decode_text(ARABIC.encode("cp1256"), label) == ARABIC


def test_iso_8859_6() -> None:
    assert decode_text(b"\xe5\xd1\xcd\xc8\xc7 \xc8\xe3\xe5", "ISO-8859-6") == ARABIC


@pytest.mark.parametrize("label", ["us-ascii", "iso-8859-1", "latin1", None, "x-unknown"])
def test_mislabelled_utf8_is_read_as_utf8(label: str | None) -> None:
    assert decode_text(ARABIC.encode(), label) == ARABIC


@pytest.mark.parametrize("label", ["us-ascii", "iso-8859-1", None, "unknown-8bit"])
def test_mislabelled_windows_1256_is_detected(label: str | None) -> None:
    assert decode_text(ARABIC.encode("cp1256"), label) == ARABIC


def test_latin1_text_is_not_mistaken_for_arabic() -> None:
    # ö and ø are Arabic marks in windows-1256, but they stand alone between Latin
    # letters: no Arabic word results.
    assert decode_text("Jörn Støylen".encode("latin-1"), "iso-8859-1") == "Jörn Støylen"
    assert decode_text("Jörn Støylen".encode("latin-1"), None) == "Jörn Støylen"


def test_windows_1252_punctuation_under_a_latin1_label() -> None:
    assert decode_text(b"\x93quoted\x94 \x85", "iso-8859-1") == "\u201cquoted\u201d \u2026"


def test_utf8_label_on_latin1_bytes() -> None:
    assert decode_text("Det här är".encode("latin-1"), "utf-8") == "Det här är"


def test_utf16_with_and_without_bom() -> None:
    text = "Hello مرحبا"
    assert decode_text(text.encode("utf-16"), "utf-16") == text
    assert decode_text(text.encode("utf-16-be"), "UTF-16") == text
    assert decode_text(text.encode("utf-16-le"), "utf-16") == text


def test_text_cut_mid_character_drops_the_partial_character() -> None:
    data = ARABIC.encode()[:-1]  # the last letter, م, loses its second byte
    assert decode_text(data, "utf-8", final=False) == "مرحبا بك"


def test_raw_8bit_utf8_header_keeps_bytes_that_latin1_calls_whitespace() -> None:
    # "سلام" ends in م = D9 85, and 0x85 is NEL (whitespace) in latin-1.
    message = parse(b"Subject: \xd8\xb3\xd9\x84\xd8\xa7\xd9\x85", b"From: \xd8\xb3 <a@b.example>")
    assert message.subject == "سلام"
    assert message.from_name == "س"


def test_raw_8bit_windows_1256_header() -> None:
    message = parse(b"Subject: " + "طلب استرداد".encode("cp1256"))
    assert message.subject == "طلب استرداد"


def test_unknown_charset_is_a_problem_and_still_decoded() -> None:
    body = ARABIC.encode()
    message = parse("Content-Type: text/plain; charset=x-klingon", body=body)
    assert message.snippet == ARABIC
    assert message.problems == (
        "unknown charset 'x-klingon'",
        "no Message-ID; made one from From, Date, Subject and body",
        "no Date header",
        "no INTERNALDATE to fall back on; sent_at unknown",
    )


# --- RFC 2231 parameters and attachments --------------------------------------------


def test_rfc2231_continuations_with_charset() -> None:
    part = (
        b"Content-Type: application/pdf\r\n"
        b"Content-Disposition: attachment;\r\n"
        b" filename*0*=utf-8''%D9%81%D8%A7%D8%AA%D9%88%D8%B1%D8%A9;\r\n"
        b" filename*1*=%20%D8%B1%D9%82%D9%85;\r\n"
        b' filename*2=".pdf"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK"
    )
    body = multipart("b1", b"Content-Type: text/plain\r\n\r\nSee attached.", part)
    message = parse("Content-Type: multipart/mixed; boundary=b1", body=body)
    assert message.attachments == (Attachment("فاتورة رقم.pdf", 9, "application/pdf"),)
    assert message.snippet == "See attached."


def test_rfc2231_single_encoded_value_in_windows_1256() -> None:
    part = b"Content-Type: image/png; name*=windows-1256''%DD%C7%CA%E6%D1%C9.png\r\n\r\nxx"
    body = multipart("b", part)
    message = parse('Content-Type: multipart/mixed; boundary="b"', body=body)
    assert message.attachments == (Attachment("فاتورة.png", 2, "image/png"),)


def test_rfc2047_filename_as_outlook_writes_it() -> None:
    part = (
        b"Content-Type: application/pdf;\r\n"
        b' name="=?utf-8?B?2YHYp9iq2YjYsdip?=.pdf"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\nAAAA\r\nAA==\r\n"
    )
    message = parse("Content-Type: multipart/mixed; boundary=x", body=multipart("x", part))
    assert message.attachments == (Attachment("فاتورة.pdf", 4, "application/pdf"),)


def test_nested_multipart_finds_text_and_attachments() -> None:
    alternative = multipart(
        "inner",
        b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + ARABIC.encode(),
        b"Content-Type: text/html\r\n\r\n<p>ignored</p>",
    )
    body = multipart(
        "outer",
        b"Content-Type: multipart/alternative; boundary=inner\r\n\r\n" + alternative,
        b"Content-Type: text/plain; name=notes.txt\r\n\r\nabc",
    )
    message = parse("Content-Type: multipart/mixed; boundary=outer", body=body)
    assert message.snippet == ARABIC
    assert message.attachments == (Attachment("notes.txt", 3, "text/plain"),)
    assert message.language == "ar"


def test_similar_boundary_is_not_taken_for_ours() -> None:
    body = multipart(
        "abc",
        b"Content-Type: text/plain\r\n\r\n--abcdef is not a delimiter\r\nmore",
    )
    message = parse("Content-Type: multipart/mixed; boundary=abc", body=body)
    assert message.snippet == "--abcdef is not a delimiter more"


def test_missing_closing_boundary_is_a_problem() -> None:
    body = multipart("b", b"Content-Type: text/plain\r\n\r\nhello", close=False)
    message = parse("Content-Type: multipart/mixed; boundary=b", "Message-ID: <m@x>", body=body)
    assert message.snippet == "hello"
    assert "multipart has no closing boundary" in message.problems


# --- bodies cut by a partial fetch ------------------------------------------------------


def test_truncated_base64_body_mid_quantum_and_mid_character() -> None:
    text = "شكرا جزيلا على المساعدة"
    encoded = base64.encodebytes(text.encode())
    cut = encoded[:25]  # 25 base64 characters: 18 bytes and a stray sextet
    message = parse(
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: base64",
        "Message-ID: <m@x>",
        body=cut,
        size=10_000,
    )
    assert message.snippet == "شكرا جزيل"
    assert message.problems == (
        "no Date header",
        "no INTERNALDATE to fall back on; sent_at unknown",
    )


def test_attachment_cut_by_the_fetch_has_no_size() -> None:
    body = multipart(
        "b",
        b"Content-Type: text/plain\r\n\r\nhello",
        b"Content-Type: application/zip; name=a.zip\r\nContent-Transfer-Encoding: base64\r\n"
        b"\r\nUEsDBBQAAAAIAA",
        close=False,
    )
    head = header("Content-Type: multipart/mixed; boundary=b", "Message-ID: <m@x>")
    cut = parse_message(head, body, size=len(head) + len(body) + 5000)
    assert cut.attachments == (Attachment("a.zip", None, "application/zip"),)
    assert "multipart has no closing boundary" not in cut.problems  # the fetch cut it
    whole = parse_message(head, body, size=len(head) + len(body))
    assert whole.attachments == (Attachment("a.zip", 10, "application/zip"),)


def test_quoted_printable_body_cut_after_a_soft_break() -> None:
    body = b"caf=C3=A9 cr=C3=\r\n=A8me and =D9"
    message = parse(
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: quoted-printable",
        body=body,
        size=5000,
    )
    assert message.snippet == "café crème and"


# --- snippets ---------------------------------------------------------------------------


def test_html_snippet_drops_head_style_script_and_comments() -> None:
    html = (
        b"<html><head><title>T</title><style>p {color: red}</style></head><body>"
        b"<!-- hidden --><script>var x = 1;</script><p>Dear&nbsp;customer,</p>"
        b"<div>your order&#39;s <b>on</b> its way &amp; more</div></body></html>"
    )
    message = parse("Content-Type: text/html; charset=utf-8", body=html)
    assert message.snippet == "Dear customer, your order's on its way & more"


def test_blank_plain_part_gives_way_to_the_html_part() -> None:
    body = multipart(
        "b",
        b"Content-Type: text/plain\r\n\r\n\r\n\r\n",
        b"Content-Type: text/html\r\n\r\n<div>Hi <i>there</i></div>",
    )
    message = parse("Content-Type: multipart/alternative; boundary=b", body=body)
    assert message.snippet == "Hi there"


def test_snippet_is_capped_and_whitespace_collapsed() -> None:
    body = ("word \r\n\t " * 200).encode()
    snippet = parse("Subject: x", body=body).snippet
    assert len(snippet) == SNIPPET_LENGTH - 1  # 300 characters end in a space, stripped
    assert snippet == " ".join(["word"] * 60)[:299]


def test_long_html_preamble_widens_the_window() -> None:
    style = b"<style>" + b"x" * 20_000 + b"</style>"
    message = parse("Content-Type: text/html", body=style + b"<p>visible</p>")
    assert message.snippet == "visible"


def test_keep_body_returns_the_full_text() -> None:
    body = b"line one\r\nline two\r\n" + b"x" * 500
    message = parse("Subject: x", body=body, keep_body=True)
    assert message.body == "line one\nline two\n" + "x" * 500
    assert parse("Subject: x", body=body).body is None


# --- dates ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Fri, 21 Nov 1997 09:55:06 -0600", datetime(1997, 11, 21, 15, 55, 6, tzinfo=UTC)),
        ("Wed, 20 Sep 1995 00:19:00 (EDT) -0400", datetime(1995, 9, 20, 4, 19, tzinfo=UTC)),
        ("Tue, 18 Jan 2022 07:11:17 +0330 (+0330)", datetime(2022, 1, 18, 3, 41, 17, tzinfo=UTC)),
        ("Wed, 17 Nov 2010 15:02:19 EST", datetime(2010, 11, 17, 20, 2, 19, tzinfo=UTC)),
        ("23 Oct 2003 22:40:49 -0700", datetime(2003, 10, 24, 5, 40, 49, tzinfo=UTC)),
        ("Thu, 13 Feb 69 23:32 -0330", datetime(1969, 2, 14, 3, 2, tzinfo=UTC)),
        ("Sat, 1 Feb 25 08:00 +0000", datetime(2025, 2, 1, 8, 0, tzinfo=UTC)),
        ("1 Mar 99 10:00:00 GMT", datetime(1999, 3, 1, 10, 0, tzinfo=UTC)),
        ("Sun, 8 Sept 2024 1:2:3 +05:30", datetime(2024, 9, 7, 19, 32, 3, tzinfo=UTC)),
        ("2024-01-05T10:00:00+03:00", datetime(2024, 1, 5, 7, 0, tzinfo=UTC)),
        ("Thu,\t13\tFeb  1969  23:32:54  -0330", datetime(1969, 2, 14, 3, 2, 54, tzinfo=UTC)),
    ],
)
def test_date_formats(value: str, expected: datetime) -> None:
    problems: list[str] = []
    assert parse_date(value, problems) == expected
    assert problems == []


@pytest.mark.parametrize(
    ("value", "expected", "problem"),
    [
        (
            "Tue, 12 Oct 2010 16:21:05 H0500",
            datetime(2010, 10, 12, 16, 21, 5, tzinfo=UTC),
            "Date has unknown time zone 'H'; read as UTC",
        ),
        (
            "Tue, 12 Oct 2010 16:21:05",
            datetime(2010, 10, 12, 16, 21, 5, tzinfo=UTC),
            "Date has no time zone; read as UTC",
        ),
    ],
)
def test_date_without_a_usable_zone_is_read_as_utc(
    value: str, expected: datetime, problem: str
) -> None:
    problems: list[str] = []
    assert parse_date(value, problems) == expected
    assert problems == [problem]


@pytest.mark.parametrize(
    "value",
    [
        "<HR>",
        "Pn, 29 paX 2007 21:13:00 +0100",
        "Wed, 15 Dec 2010 59:10 -0500",
        "31 Feb 2024 10:00 Z",
    ],
)
def test_unreadable_dates(value: str) -> None:
    assert parse_date(value) is None


def test_missing_date_falls_back_on_internaldate() -> None:
    message = parse("Message-ID: <m@x>", internaldate=RECEIVED)
    assert message.sent_at == RECEIVED
    assert message.problems == ("no Date header",)


def test_unreadable_date_falls_back_on_internaldate_converted_to_utc() -> None:
    riyadh = datetime(2026, 3, 1, 12, 30, tzinfo=timezone(timedelta(hours=3)))
    message = parse("Message-ID: <m@x>", "Date: soon", internaldate=riyadh)
    assert message.sent_at == RECEIVED
    assert message.sent_at.tzinfo is UTC
    assert message.problems == ("unreadable Date 'soon'",)


def test_date_far_after_internaldate_is_implausible() -> None:
    message = parse("Message-ID: <m@x>", "Date: Mon, 30 Jun 3609 15:33:50 +0600")
    assert message.sent_at is None
    with_received = parse(
        "Message-ID: <m@x>", "Date: Tue, 03 Mar 2026 09:30:00 +0000", internaldate=RECEIVED
    )
    assert with_received.sent_at == RECEIVED
    assert with_received.problems == ("implausible Date 'Tue, 03 Mar 2026 09:30:00 +0000'",)


def test_naive_internaldate_is_taken_as_utc() -> None:
    message = parse("Message-ID: <m@x>", internaldate=datetime(2026, 3, 1, 9, 30))
    assert message.sent_at == RECEIVED


# --- ids, addresses, headers -------------------------------------------------------------


def test_message_ids_and_threading_headers() -> None:
    message = parse(
        "Message-ID:  < Abc.123@Example.COM >",
        "In-Reply-To: <parent@x> (from a user at some date)",
        "References: <root@x>",
        "  <parent@x>",
    )
    assert message.message_id == "Abc.123@Example.COM"
    assert message.in_reply_to == "parent@x"
    assert message.references == ("root@x", "parent@x")


def test_synthetic_message_id_is_stable_and_depends_on_the_message() -> None:
    lines = ("From: a@x.example", "Date: Sun, 1 Mar 2026 09:00:00 +0000", "Subject: help")
    first = parse(*lines, body=b"body text")
    assert first.message_id == parse(*lines, body=b"body text").message_id
    assert first.message_id.endswith("@supportctl.invalid")
    assert len(first.message_id.split("@")[0]) == 64
    assert first.message_id != parse(*lines, body=b"other text").message_id
    assert first.message_id != parse(*lines[:2], "Subject: other", body=b"body text").message_id
    assert "no Message-ID; made one from From, Date, Subject and body" in first.problems


def test_address_forms() -> None:
    message = parse(
        'From: "Doe, John" <John.Doe@Example.COM>',
        "To: undisclosed-recipients:;",
        "Cc: Team: Ann <ann@x.example>, bob@x.example;, carol@x.example (Carol C)",
        "Reply-To: <@relay.example:Replies@X.example>",
    )
    assert (message.from_name, message.from_address) == ("Doe, John", "john.doe@example.com")
    assert message.to_addresses == ()
    assert message.cc_addresses == ("ann@x.example", "bob@x.example", "carol@x.example")
    assert message.reply_to == ("replies@x.example",)


def test_comment_style_display_name() -> None:
    message = parse("From: MAILER-DAEMON@AOL.com (Mail Delivery System)")
    assert (message.from_name, message.from_address) == (
        "Mail Delivery System",
        "mailer-daemon@aol.com",
    )


def test_addresses_without_commas_and_names_without_quotes() -> None:
    assert parse("To: a@x.example b@x.example").to_addresses == ("a@x.example", "b@x.example")
    message = parse("From: Big Bug bb@bug.com")
    assert (message.from_name, message.from_address) == ("Big Bug", "bb@bug.com")


def test_headers_dict_first_occurrence_decoded_lower_case_names() -> None:
    message = parse(
        "X-Ticket: =?utf-8?Q?=D8=B1=D9=82=D9=85?= 7",
        "X-TICKET: second",
        "Subject: folded",
        "\tline",
    )
    assert message.headers == {"x-ticket": "رقم 7", "subject": "folded\tline"}
    assert message.subject == "folded line"


def test_rule_headers_join_a_repeated_field_one_value_a_line_decoded() -> None:
    message = parse(
        "X-Ticket: =?utf-8?Q?=D8=B1=D9=82=D9=85?= 7",
        "Keywords: first",
        "X-TICKET: =?utf-8?B?2LfZhNio?=",
        "x-ticket: folded",
        "\tthird",
        "Keywords:",
    )
    assert message.rule_headers == {"x-ticket": "رقم 7\nطلب\nfolded\tthird", "keywords": "first"}
    assert message.headers["x-ticket"] == "رقم 7"  # the first occurrence, as before


def test_rule_headers_leave_out_trace_signatures_and_mime_plumbing() -> None:
    message = parse(
        "Received: from mx.example by mx2.example; Sun, 1 Mar 2026 09:00:00 +0000",
        "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; b=AAAA",
        "ARC-Seal: i=1; a=rsa-sha256; cv=none; b=BBBB",
        "ARC-Message-Signature: i=1; b=CCCC",
        "Authentication-Results: mx.example; dkim=pass",
        "X-MS-Exchange-AntiSpam-MessageData-0: DDDD",
        "X-Microsoft-Antispam-Message-Info: EEEE",
        "Date: Sun, 1 Mar 2026 12:00:00 +0300",
        "MIME-Version: 1.0",
        "Content-Transfer-Encoding: 7bit",
        "Content-Type: text/plain; charset=utf-8",
        "X-Priority: 1 (Highest)",
        "Importance: high",
        "X-Empty:",
    )
    assert message.rule_headers == {
        "content-type": "text/plain; charset=utf-8",
        "x-priority": "1 (Highest)",
        "importance": "high",
    }


@pytest.mark.parametrize(
    "name",
    [
        "Authorization",
        "X-Auth-Token",
        "X-API-Key",
        "X-Password",
        "X-Mailer-Passwd",
        "X-Session-ID",
        "Cookie",
        "X-Client_Secret",
        "X-OTP",
        "X-AOL-SID",
    ],
)
def test_rule_headers_leave_out_fields_named_like_credentials(name: str) -> None:
    message = parse(f"{name}: hunter2", "X-Keywords: urgent", "X-Authenticated-Sender: a@x")
    assert message.headers[name.lower()] == "hunter2"
    assert message.rule_headers == {"x-keywords": "urgent", "x-authenticated-sender": "a@x"}


def test_rule_headers_are_capped_in_length_and_number() -> None:
    long_value = "ب" * 300
    many = [f"X-Field-{number}: {number}" for number in range(RULE_HEADER_COUNT + 5)]
    message = parse(f"X-Long: {long_value}", *many)
    assert message.rule_headers["x-long"] == "ب" * RULE_HEADER_LENGTH
    assert len(message.rule_headers) == RULE_HEADER_COUNT
    assert list(message.rule_headers)[-1] == f"x-field-{RULE_HEADER_COUNT - 2}"


def test_made_up_field_names_do_not_grow_memory_without_bound() -> None:
    """A sender can invent any number of field names; the parser remembers its decision
    for a bounded number of them."""
    for batch in range(100):
        message = parse(*(f"X-Made-Up-{batch}-{number}: v" for number in range(60)))
        assert len(message.rule_headers) == 60
    assert 0 < len(_RULE_HEADER_NAMES) <= _NAMES_REMEMBERED < 100 * 60


def test_stray_lines_are_problems_and_mbox_from_line_is_not() -> None:
    message = parse("From someone@x Sun Mar  1 09:00:00 2026", "Subject: s", "garbage line")
    assert message.subject == "s"
    assert "not a header line: 'garbage line'" in message.problems
    assert not any("From someone" in problem for problem in message.problems)


# --- classification ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("طلب استرداد المبلغ order #12", "ar"),
        ("Refund request طلب", "en"),
        ("Заказ не пришёл", "en"),
        ("12345 !!! --", None),
        ("", None),
    ],
)
def test_language(text: str, language: str | None) -> None:
    assert detect_language(text) == language


@pytest.mark.parametrize(
    ("lines", "auto"),
    [
        (("Auto-Submitted: auto-replied (vacation)",), True),
        (("Auto-Submitted: no",), False),
        (("Precedence: bulk",), True),
        (("Precedence: list",), True),
        (("Precedence: first-class",), False),
        (("X-Autoreply: yes",), True),
        (("Content-Type: multipart/report; report-type=delivery-status; boundary=b",), True),
        (("Return-Path: <>",), True),
        (("From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example>",), True),
        (("From: customer@example.com", "Return-Path: <customer@example.com>"), False),
    ],
)
def test_auto_submitted(lines: tuple[str, ...], auto: bool) -> None:
    assert parse(*lines).auto_submitted is auto


# --- BODYSTRUCTURE ----------------------------------------------------------------------


def bodystructure(response: bytes) -> object:
    """imapclient's own parse of a FETCH BODYSTRUCTURE response line."""
    return parse_fetch_response([response])[1][b"BODYSTRUCTURE"]


def test_attachments_from_bodystructure() -> None:
    structure = bodystructure(
        b'1 (BODYSTRUCTURE (("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 12 1 NIL NIL NIL)'
        b'("application" "pdf" ("name" "=?utf-8?B?2YHYp9iq2YjYsdip?=.pdf") NIL NIL "base64" 7800'
        b' NIL ("attachment" ("filename*" "utf-8\'\'%D9%81.pdf")) NIL)'
        b'("message" "rfc822" NIL NIL NIL "7bit" 500 (NIL "s" NIL NIL NIL NIL NIL NIL NIL NIL)'
        b' ("text" "plain" NIL NIL NIL "7bit" 10 1) 20 NIL'
        b' ("attachment" ("filename" "fwd.eml")) NIL)'
        b'("image" "png" NIL "<logo>" NIL "base64" 780 NIL ("inline" NIL) NIL)'
        b' "mixed" ("boundary" "b1") NIL NIL))'
    )
    message = parse("Content-Type: multipart/mixed; boundary=b1", bodystructure=structure)
    assert message.attachments == (
        Attachment("ف.pdf", 5700, "application/pdf"),
        Attachment("fwd.eml", 500, "message/rfc822"),
    )


def test_bodystructure_of_an_unexpected_shape_is_a_problem() -> None:
    message = parse("Message-ID: <m@x>", bodystructure=(b"text",))
    assert message.attachments == ()
    assert "BODYSTRUCTURE has an unexpected shape; attachments unknown" in message.problems


# --- whole messages ---------------------------------------------------------------------


def test_split_message() -> None:
    assert split_message(b"A: 1\r\nB: 2\r\n\r\nbody\r\n\r\nmore") == (
        b"A: 1\r\nB: 2\r\n\r\n",
        b"body\r\n\r\nmore",
    )
    assert split_message(b"A: 1\nB: 2") == (b"A: 1\nB: 2", b"")
    assert split_message(b"\r\nbody only") == (b"\r\n", b"body only")
    assert split_message(b"no header here") == (b"", b"no header here")


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(header_bytes=st.binary(max_size=600), body_bytes=st.binary(max_size=600), keep=st.booleans())
def test_never_raises_on_arbitrary_bytes(
    header_bytes: bytes, body_bytes: bytes, keep: bool
) -> None:
    message = parse_message(header_bytes, body_bytes, keep_body=keep, internaldate=RECEIVED)
    assert message.message_id
    assert message.sent_at is not None


MIME_PIECES = st.sampled_from(
    [
        b"\r\n",
        b"\n",
        b"Content-Type: multipart/mixed; boundary=b\r\n",
        b"Content-Type: text/html; charset=utf-16\r\n",
        b"Content-Transfer-Encoding: base64\r\n",
        b"Content-Transfer-Encoding: quoted-printable\r\n",
        b"Content-Disposition: attachment; filename*0*=utf-8''%D8; filename*1=x\r\n",
        b"--b\r\n",
        b"--b--\r\n",
        b'From: =?cp1256?B?08fR5Q==?= <a@b>, "x\r\n',
        b"Subject: =?utf-8?Q?=D9?=\r\n",
        b"Date: Thu, 13 Feb 69 23:32 -0330\r\n",
        b"<style>",
        b"&amp;",
        b"=\r\n",
        b"\xd9\x85",
        b"\xc7",
    ]
)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(pieces=st.lists(st.one_of(MIME_PIECES, st.binary(max_size=6)), max_size=30))
def test_never_raises_on_mime_shaped_garbage(pieces: list[bytes]) -> None:
    raw = b"".join(pieces)
    head, body = split_message(raw)
    parse_message(head, body, size=len(raw) + 100, keep_body=True)
    parse_message(raw, raw)
