"""Every publish format, checked against hand-written pages and parsed back: text (the
auto-reply body) in English and Arabic, markdown, html (well-formed, lang/dir, no
external resources), json (documented fields) and ics (RFC 5545 lines, folding, UIDs)."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

import pytest
import pytz

from supportctl.config import load_config
from supportctl.config.model import Config
from supportctl.errors import ConfigError
from supportctl.ics import escape_text, fold
from supportctl.publish.expectations import Expectations, Period, expectations
from supportctl.publish.formats import json_document, render_expectations, same_content
from supportctl.publish.ics import event_uid

RIYADH_CONFIG = Path(__file__).with_name("riyadh.yaml")
WEDNESDAY = pytz.timezone("Asia/Riyadh").localize(datetime(2026, 3, 18, 16, 30))

ENGLISH_TEXT = """\
Thank you for your message. This is an automatic reply about when we will answer.

Live chat
We are open now, until 17:00 (UTC+3).
If you write now, expect a reply by Wednesday 18 March 2026, 16:45 (UTC+3).
Hours: Sun–Thu 09:00–17:00; Fri–Sat closed
Holidays and closures in the next 30 days:
- Eid al-Fitr Holiday: 19–24 Mar (dates subject to official announcement)

Email
We are open now, until 17:00 (UTC+3).
If you write now, expect a reply by Wednesday 25 March 2026, 16:30 (UTC+3).
Hours: Sun–Thu 09:00–17:00; Fri–Sat closed
Holidays and closures in the next 30 days:
- Eid al-Fitr Holiday: 19–24 Mar (dates subject to official announcement)
"""

ARABIC_EMAIL = """\
البريد الإلكتروني
نحن متاحون الآن حتى 17:00 (بتوقيت UTC+3).
إذا راسلتنا الآن فتوقع ردنا بحلول الأربعاء 25 مارس 2026 الساعة 16:30 (بتوقيت UTC+3).
أوقات العمل: الأحد–الخميس 09:00 إلى 17:00؛ الجمعة–السبت مغلق
الإجازات والإغلاقات خلال الأيام الـ30 القادمة:
- عطلة عيد الفطر: 19 إلى 24 مارس (التواريخ خاضعة للإعلان الرسمي)
"""

CLOSED_FRIDAY_TEXT = """\
Email
We are closed now and open again on Sunday 11 January 2026, 09:00 (UTC+3).
If you write now, expect a reply by Sunday 11 January 2026, 17:00 (UTC+3).
Hours: Sun–Thu 09:00–17:00; Fri–Sat closed
No holidays or closures in the next 30 days.
"""


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(RIYADH_CONFIG, {})


@pytest.fixture(scope="module")
def english(config: Config) -> Expectations:
    return expectations(config, WEDNESDAY, language="en")


@pytest.fixture(scope="module")
def arabic(config: Config) -> Expectations:
    return expectations(config, WEDNESDAY, language="ar")


def test_english_text(english: Expectations) -> None:
    assert render_expectations(english, "text") == ENGLISH_TEXT


def test_arabic_text(arabic: Expectations) -> None:
    text = render_expectations(arabic, "text")
    assert text.startswith("شكرًا لرسالتك. هذا رد آلي يوضح موعد ردنا عليك.\n\nالدردشة المباشرة\n")
    assert text.endswith("\n\n" + ARABIC_EMAIL)


def test_closed_over_the_weekend(config: Config) -> None:
    friday = pytz.timezone("Asia/Riyadh").localize(datetime(2026, 1, 9, 12, 0))
    report = expectations(config, friday, channels=["email"], language="en")
    assert render_expectations(report, "text").endswith("\n\n" + CLOSED_FRIDAY_TEXT)


def test_markdown(english: Expectations) -> None:
    markdown = render_expectations(english, "markdown")
    assert markdown.startswith("# When to expect our reply\n\n## Live chat\n\n")
    assert "\n\n## Email\n\nWe are open now, until 17:00 (UTC+3).\n\n" in markdown
    assert markdown.endswith(
        "Holidays and closures in the next 30 days:\n"
        "- Eid al-Fitr Holiday: 19–24 Mar (dates subject to official announcement)\n"
    )


def test_markdown_escapes_names(english: Expectations) -> None:
    channel = dataclasses.replace(
        english.channels[0],
        periods=(
            Period("*Big* sale_day [1]", "closure", "riyadh", date(2026, 4, 1), date(2026, 4, 1)),
        ),
    )
    markdown = render_expectations(dataclasses.replace(english, channels=(channel,)), "markdown")
    assert r"- \*Big\* sale\_day \[1\]: 1 Apr" in markdown


class PageChecker(HTMLParser):
    """Collects what the accessibility and self-containment checks need, and checks
    that every element is closed in order (void elements aside)."""

    VOID: ClassVar[set[str]] = {"meta", "link", "br", "img", "hr", "input"}

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.attributes: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.mismatches: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attributes.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            self.mismatches.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def first(self, tag: str) -> dict[str, str | None]:
        return next(attrs for name, attrs in self.attributes if name == tag)


def parse_page(html: str) -> PageChecker:
    checker = PageChecker()
    checker.feed(html)
    checker.close()
    return checker


@pytest.mark.parametrize(("language", "direction"), [("en", "ltr"), ("ar", "rtl")])
def test_html_is_a_standalone_accessible_page(
    config: Config, language: str, direction: str
) -> None:
    html = render_expectations(expectations(config, WEDNESDAY, language=language), "html")
    page = parse_page(html)
    assert html.startswith("<!DOCTYPE html>\n")
    assert page.mismatches == [] and page.open == []
    assert page.first("html") == {"lang": language, "dir": direction}
    assert page.first("meta") == {"charset": "utf-8"}
    tags = {name for name, _ in page.attributes}
    assert {"title", "main", "h1", "h2", "section", "time", "ul"} <= tags
    assert not tags & {"script", "link", "img", "iframe", "object"}
    for _, attrs in page.attributes:
        for name, value in attrs.items():
            assert name not in ("src", "href") and "://" not in (value or ""), (name, value)
    assert "@media print" in html
    times = [attrs["datetime"] for name, attrs in page.attributes if name == "time"]
    assert times == [
        "2026-03-18T17:00:00+03:00",
        "2026-03-18T16:45:00+03:00",
        "2026-03-18T17:00:00+03:00",
        "2026-03-25T16:30:00+03:00",
    ]


def test_html_escapes_names(english: Expectations) -> None:
    channel = dataclasses.replace(
        english.channels[0],
        name="<b>chat</b>",
        periods=(Period('A & B "day"', "closure", "riyadh", date(2026, 4, 1), date(2026, 4, 1)),),
    )
    html = render_expectations(dataclasses.replace(english, channels=(channel,)), "html")
    assert "<h2>&lt;b&gt;chat&lt;/b&gt;</h2>" in html
    assert "<li>A &amp; B &quot;day&quot;: 1 Apr</li>" in html
    assert parse_page(html).mismatches == []


def test_json_document(english: Expectations) -> None:
    document = json.loads(render_expectations(english, "json"))
    assert document == json_document(english)
    assert list(document) == ["generated_at", "tzdata", "language", "horizon", "channels"]
    assert document["generated_at"] == "2026-03-18T13:30:00+00:00"
    assert document["tzdata"] == pytz.OLSON_VERSION
    email = document["channels"][1]
    assert email == {
        "name": "email",
        "label": "Email",
        "policy": "email",
        "calendar": "riyadh",
        "timezone": "Asia/Riyadh",
        "open_now": True,
        "closes_at": "2026-03-18T17:00:00+03:00",
        "next_open": None,
        "first_response": "8h",
        "reply_by": "2026-03-25T16:30:00+03:00",
        "hours": [
            {"days": ["sun", "mon", "tue", "wed", "thu"], "open": ["09:00-17:00"]},
            {"days": ["fri", "sat"], "open": []},
        ],
        "hours_text": "Hours: Sun–Thu 09:00–17:00; Fri–Sat closed",
        "special_hours": None,
        "closures": [
            {
                "name": "Eid al-Fitr Holiday",
                "kind": "holiday",
                "all_day": True,
                "start": "2026-03-19",
                "end": "2026-03-24",
                "estimated": True,
            }
        ],
    }


def test_json_takes_no_template(english: Expectations, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="json takes no template"):
        render_expectations(english, "json", tmp_path / "page.tmpl")


def unfold(ics: str) -> list[str]:
    """RFC 5545 §3.1: content lines, continuation lines (leading space) joined back."""
    assert ics.endswith("\r\n")
    physical = ics[: -len("\r\n")].split("\r\n")
    assert all("\n" not in line and "\r" not in line for line in physical)
    assert all(len(line.encode("utf-8")) <= 75 for line in physical)
    lines: list[str] = []
    for line in physical:
        if line.startswith(" "):
            lines[-1] += line[1:]
        else:
            lines.append(line)
    return lines


def events(ics: str) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    inside = False
    for line in unfold(ics):
        if line in ("BEGIN:VEVENT", "END:VEVENT"):
            inside = line == "BEGIN:VEVENT"
            found += [{}] if inside else []
        elif inside:
            name, _, value = line.partition(":")
            found[-1].setdefault(name, value)
    return found


def test_ics(english: Expectations) -> None:
    ics = render_expectations(english, "ics")
    lines = unfold(ics)
    assert lines[:6] == [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//supportctl//publish//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:Our holidays and closures",
    ]
    assert lines[-1] == "END:VCALENDAR"
    # Both channels share the Riyadh calendar: Eid is one event.
    assert events(ics) == [
        {
            "UID": event_uid("riyadh", "Eid al-Fitr Holiday", date(2026, 3, 19)),
            "DTSTAMP": "20260318T133000Z",
            "DTSTART;VALUE=DATE": "20260319",
            "DTEND;VALUE=DATE": "20260325",  # exclusive: the day after the 24th
            "SUMMARY": "Eid al-Fitr Holiday",
            "DESCRIPTION": r"Live chat\, Email — dates subject to official announcement",
            "CATEGORIES": "HOLIDAY",
            "STATUS": "TENTATIVE",
            "TRANSP": "TRANSPARENT",
        }
    ]


def test_ics_uids_are_stable_and_distinct(config: Config) -> None:
    later = expectations(config, WEDNESDAY + timedelta(days=2), language="en")
    earlier = expectations(config, WEDNESDAY, language="en")
    first, second = (
        events(render_expectations(earlier, "ics")),
        events(render_expectations(later, "ics")),
    )
    assert first[0]["UID"] == second[0]["UID"]
    assert first[0]["DTSTAMP"] != second[0]["DTSTAMP"]
    uids = {
        event_uid("riyadh", "Eid al-Fitr Holiday", date(2026, 3, 19)),
        event_uid("cairo", "Eid al-Fitr Holiday", date(2026, 3, 19)),
        event_uid("riyadh", "Eid al-Fitr Holiday", date(2026, 3, 20)),
        event_uid("riyadh", "Eid al-Adha Holiday", date(2026, 3, 19)),
    }
    assert len(uids) == 4


def test_ics_timed_closure_and_escaping(english: Expectations) -> None:
    closure = Period(
        "Move; floor 2, room \\3",
        "closure",
        "riyadh",
        datetime(2026, 4, 2, 10, tzinfo=UTC),
        datetime(2026, 4, 2, 14, tzinfo=UTC),
    )
    channel = dataclasses.replace(english.channels[0], periods=(closure,))
    (event,) = events(render_expectations(dataclasses.replace(english, channels=(channel,)), "ics"))
    assert event["DTSTART"] == "20260402T100000Z" and event["DTEND"] == "20260402T140000Z"
    assert event["SUMMARY"] == r"Move\; floor 2\, room \\3"
    assert event["STATUS"] == "CONFIRMED"


def test_folding_keeps_utf8_sequences_whole() -> None:
    line = "SUMMARY:" + "عطلة عيد الفطر المبارك " * 8
    folded = fold(line)
    pieces = folded.split("\r\n")
    assert len(pieces) > 1
    assert all(len(piece.encode("utf-8")) <= 75 for piece in pieces)
    assert all(piece.startswith(" ") for piece in pieces[1:])
    assert pieces[0] + "".join(piece[1:] for piece in pieces[1:]) == line
    assert fold("SHORT:line") == "SHORT:line"
    assert escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


def test_templates_override_and_name_placeholders(english: Expectations, tmp_path: Path) -> None:
    template = tmp_path / "reply.tmpl"
    template.write_text(
        "Salam! Chat: ${chat_reply_by}\nEmail hours: $email_hours\n$$5 coupon\n", encoding="utf-8"
    )
    page = render_expectations(english, "text", template)
    assert page == (
        "Salam! Chat: If you write now, expect a reply by Wednesday 18 March 2026, 16:45 "
        "(UTC+3).\nEmail hours: Hours: Sun–Thu 09:00–17:00; Fri–Sat closed\n$5 coupon\n"
    )


def test_template_errors_name_the_place(english: Expectations, tmp_path: Path) -> None:
    template = tmp_path / "reply.tmpl"
    template.write_text("Hello\n$channels\nBy ${fax_reply_by}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"unknown placeholder \$fax_reply_by") as raised:
        render_expectations(english, "text", template)
    assert raised.value.where == f"{template}:3"
    assert "$email_reply_by" in (raised.value.hint or "")
    template.write_text("Costs $5\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="Invalid placeholder"):
        render_expectations(english, "markdown", template)
    with pytest.raises(ConfigError, match="cannot read template"):
        render_expectations(english, "html", tmp_path / "missing.tmpl")


def test_same_content_ignores_only_the_generation_stamp(config: Config) -> None:
    now = expectations(config, WEDNESDAY, language="en", channels=["email"])
    # Wednesday 17:30: closed, so the promise is the same as at 17:10.
    a = expectations(config, WEDNESDAY + timedelta(minutes=40), language="en", channels=["email"])
    b = expectations(config, WEDNESDAY + timedelta(minutes=60), language="en", channels=["email"])
    for fmt in ("json", "ics", "text"):
        assert same_content(fmt, render_expectations(a, fmt), render_expectations(b, fmt)), fmt
    assert not same_content(
        "json", render_expectations(now, "json"), render_expectations(a, "json")
    )
    assert not same_content("json", "not json", render_expectations(a, "json"))
    with_other_closure = dataclasses.replace(
        b.channels[0],
        periods=(Period("Inventory", "closure", "riyadh", date(2026, 4, 1), date(2026, 4, 1)),),
    )
    changed = dataclasses.replace(b, channels=(with_other_closure,))
    assert not same_content(
        "ics", render_expectations(a, "ics"), render_expectations(changed, "ics")
    )
