#!/usr/bin/env python3
"""Build the demo mailbox that config/demo.yaml syncs from (config/demo-mail).

Six weeks of a small Arabic/English support desk answering support@demo.example,
Sunday 2026-02-22 to Sunday 2026-04-05, across Ramadan and the Eid al-Fitr closure
(Thu 19 - Tue 24 March 2026): customer mail in INBOX, the team's replies in Sent, and
the hard cases a sync has to survive (``SCENARIOS``).

Layout: ``OUTPUT/INBOX`` and ``OUTPUT/Sent`` are each a Maildir (``cur/ new/ tmp/``).
``new/`` holds what arrived in the last 24 hours before the snapshot (2026-04-05 12:00
Riyadh), when no mail client had opened the folder yet; ``tmp/`` holds only a
``.gitkeep``, because git drops empty directories and a Maildir needs all three.

The output is a pure function of this file: one seed, fixed dates, UTC offsets written
out instead of read from tzdata, and messages written byte by byte instead of through
``email.generator`` (whose folding changes between Python versions). Running the
script again gives byte-identical files; tests/test_demo_data.py checks that.

Usage: python3 scripts/make_demo_mail.py [--output DIR] [--replace]
"""

from __future__ import annotations

import argparse
import base64
import binascii
import html
import os
import random
import shutil
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

SEED = 20260222
SUPPORT = "support@demo.example"
MAILDIR_HOST = "demo-mx"
FOLDERS = ("INBOX", "Sent")
FIRST_DAY = date(2026, 2, 22)
DAYS = 43  # 2026-02-22 .. 2026-04-05
SNAPSHOT = datetime(2026, 4, 5, 9, 0, tzinfo=UTC)  # 12:00 in Riyadh
UNSEEN_WINDOW = timedelta(hours=24)
EID_CLOSURE = frozenset(date(2026, 3, day) for day in range(19, 25))
RANDOM_CONVERSATIONS = 140
CONVERSATIONS_DURING_EID = 12
RANDOM_CUSTOMERS = 72
MINUTES_PER_DAY = 24 * 60
_LONGEST_WAIT_DAYS = 15  # an agent is always back within this

# --- time ----------------------------------------------------------------------------

_SINCE_EVER = datetime(2000, 1, 1, tzinfo=UTC)
# UTC offsets in minutes from an instant on, checked against pytz 2026 data. Written
# out so that a tzdata update cannot change one byte of the demo.
_UTC_OFFSETS: dict[str, tuple[tuple[datetime, int], ...]] = {
    "UTC": ((_SINCE_EVER, 0),),
    "Asia/Riyadh": ((_SINCE_EVER, 180),),
    "Asia/Amman": ((_SINCE_EVER, 180),),
    "Asia/Dubai": ((_SINCE_EVER, 240),),
    "Africa/Cairo": ((_SINCE_EVER, 120),),  # Egypt's summer time starts 24 April
    "Africa/Casablanca": (  # Morocco drops to +00 for Ramadan
        (_SINCE_EVER, 60),
        (datetime(2026, 2, 15, 2, tzinfo=UTC), 0),
        (datetime(2026, 3, 22, 2, tzinfo=UTC), 60),
    ),
    "Europe/London": ((_SINCE_EVER, 0), (datetime(2026, 3, 29, 1, tzinfo=UTC), 60)),
}
_WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def utc_offset(zone: str, at: datetime) -> int:
    """Minutes east of UTC in ``zone`` at the UTC instant ``at``."""
    return [minutes for since, minutes in _UTC_OFFSETS[zone] if since <= at][-1]


def local_time(zone: str, at: datetime) -> datetime:
    """The naive wall-clock time in ``zone`` at the UTC instant ``at``."""
    return (at + timedelta(minutes=utc_offset(zone, at))).replace(tzinfo=None)


def from_local(zone: str, wall: datetime) -> datetime:
    """The UTC instant of a wall-clock time (the zones above never repeat an hour)."""
    guess = wall.replace(tzinfo=UTC)
    return guess - timedelta(minutes=utc_offset(zone, guess - timedelta(hours=1)))


def rfc5322_date(zone: str, at: datetime) -> str:
    """``Sun, 22 Feb 2026 10:15:03 +0300``, with English names whatever the locale."""
    offset = utc_offset(zone, at)
    sign = "+" if offset >= 0 else "-"
    hours, minutes = divmod(abs(offset), 60)
    return f"{wall_clock(zone, at)}:{at:%S} {sign}{hours:02d}{minutes:02d}"


def wall_clock(zone: str, at: datetime) -> str:
    """``Sun, 22 Feb 2026 10:15``: how a mail client shows a date it quotes."""
    wall = local_time(zone, at)
    weekday, month = _WEEKDAY_NAMES[wall.weekday()], _MONTH_NAMES[wall.month - 1]
    return f"{weekday}, {wall.day} {month} {wall.year} {wall:%H:%M}"


# --- the team and when it works ---------------------------------------------------------

Ranges = tuple[tuple[int, int], ...]  # minutes after local midnight; end > 1440 runs overnight
SUN_THU = (6, 0, 1, 2, 3)


def weekly(days: Sequence[int], ranges: Ranges) -> dict[int, Ranges]:
    return dict.fromkeys(days, ranges)


@dataclass(frozen=True)
class Calendar:
    """The generator's own copy of demo.yaml's calendars: the data must not move when
    supportctl.timekit changes, so replies are timed by this small model instead."""

    zone: str
    hours: dict[int, Ranges]
    days_off: frozenset[date]
    special_hours: tuple[date, date, dict[int, Ranges]] | None = None

    def ranges(self, day: date) -> Ranges:
        if day in self.days_off:
            return ()
        if self.special_hours and self.special_hours[0] <= day <= self.special_hours[1]:
            return self.special_hours[2].get(day.weekday(), ())
        return self.hours.get(day.weekday(), ())

    def on_duty(self, at: datetime) -> bool:
        wall = local_time(self.zone, at)
        minute = wall.hour * 60 + wall.minute
        today = wall.date()
        # A shift belongs to the day it starts, so last night's shift may still run.
        for day, shift in ((today, 0), (today - timedelta(days=1), MINUTES_PER_DAY)):
            if any(start <= minute + shift < end for start, end in self.ranges(day)):
                return True
        return False

    def next_on_duty(self, after: datetime) -> datetime:
        """The first whole minute after ``after`` inside a shift."""
        earliest = after.replace(second=0) + timedelta(minutes=1)
        yesterday = local_time(self.zone, earliest).date() - timedelta(days=1)
        for day in (yesterday + timedelta(days=offset) for offset in range(_LONGEST_WAIT_DAYS)):
            midnight = datetime(day.year, day.month, day.day)
            for start, end in self.ranges(day):
                if from_local(self.zone, midnight + timedelta(minutes=end)) > earliest:
                    return max(from_local(self.zone, midnight + timedelta(minutes=start)), earliest)
        raise RuntimeError(f"no working time within {_LONGEST_WAIT_DAYS} days of {after}")


# Founding Day. The SA, EG and MA Eid al-Fitr holidays all fall inside the closure.
_SA_HOLIDAYS = frozenset({date(2026, 2, 22)})
RIYADH = Calendar(
    "Asia/Riyadh",
    weekly(SUN_THU, ((540, 1020),)),
    _SA_HOLIDAYS | EID_CLOSURE,
    special_hours=(date(2026, 2, 18), date(2026, 3, 18), weekly(SUN_THU, ((600, 900),))),
)
CAIRO = Calendar("Africa/Cairo", weekly(SUN_THU, ((540, 1020),)) | {5: ((600, 840),)}, EID_CLOSURE)
CASABLANCA = Calendar("Africa/Casablanca", weekly(range(5), ((540, 750), (840, 1080))), EID_CLOSURE)
NIGHT = Calendar(  # the overnight desk: a shift belongs to the day it starts
    "Asia/Riyadh", weekly((5, 6, 0, 1, 2, 3), ((1320, 1800),)), _SA_HOLIDAYS | EID_CLOSURE
)


@dataclass(frozen=True)
class Mailer:
    """How one kind of mail client writes: charsets, encodings, threading habits."""

    name: str
    arabic_charset: str  # charset of Arabic text
    header_encoding: str  # RFC 2047 "B" or "Q"
    transfer_encoding: str  # of non-ASCII bodies: base64 | quoted-printable
    reply_prefix: str
    arabic_reply_prefix: str
    keeps_references: bool  # False: the reply carries neither In-Reply-To nor References
    quotes: bool
    x_mailer: str | None = None
    footer: tuple[str, str] | None = None  # (English, Arabic)


GMAIL = Mailer("gmail", "utf-8", "B", "base64", "Re: ", "Re: ", True, True)
OUTLOOK = Mailer(
    "outlook",
    "windows-1256",
    "B",
    "quoted-printable",
    "RE: ",
    "رد: ",
    True,
    True,
    x_mailer="Microsoft Outlook 16.0",
)
IPHONE = Mailer(
    "iphone",
    "utf-8",
    "Q",
    "quoted-printable",
    "Re: ",
    "Re: ",
    True,
    False,
    x_mailer="iPhone Mail (22D82)",
    footer=("Sent from my iPhone", "أرسلت من الـ iPhone"),
)
# A phone app that drops In-Reply-To and References: threading by subject only.
MAIL_APP = Mailer("app", "utf-8", "B", "base64", "RE: ", "RE: ", False, False, "MailApp 3.2")
WEB_FORM = Mailer("webform", "utf-8", "B", "base64", "Re: ", "Re: ", True, False, "ShopForms 2.1")
HELPDESK = Mailer("helpdesk", "utf-8", "B", "base64", "Re: ", "Re: ", True, True)
CUSTOMER_MAILERS = (GMAIL, GMAIL, GMAIL, GMAIL, OUTLOOK, OUTLOOK, OUTLOOK, IPHONE, IPHONE, MAIL_APP)


@dataclass(frozen=True)
class Person:
    name: str  # display name, as the person's client sends it
    first_name: str  # in the language they write, for greetings
    email: str
    zone: str
    language: str  # ar | en: what they write in
    mailer: Mailer


@dataclass(frozen=True)
class Agent:
    id: str
    person: Person
    name_ar: str
    calendar: Calendar
    cc_support: bool = False  # copies every reply to support@, so it lands in INBOX too


def _agent(agent_id: str, name: str, name_ar: str, calendar: Calendar, **extra: bool) -> Agent:
    email = f"{agent_id}@demo.example"
    person = Person(name, name.split()[0], email, calendar.zone, "en", HELPDESK)
    return Agent(agent_id, person, name_ar, calendar, **extra)


TEAM = (
    _agent("omar", "Omar Al-Harbi", "عمر الحربي", RIYADH),
    _agent("layla", "Layla Haddad", "ليلى حداد", RIYADH),
    _agent("alice", "Alice Mansour", "أليس منصور", CAIRO),
    _agent("youssef", "Youssef Benali", "يوسف بنعلي", CASABLANCA, cc_support=True),
    _agent("sara", "Sara Idrissi", "سارة الإدريسي", NIGHT),
)
SHARED_SENDER = Person("Demo Support", "Demo", SUPPORT, "Asia/Riyadh", "en", HELPDESK)
SHARED_SENDER_AR = replace(SHARED_SENDER, name="الدعم الفني - Demo")

# --- customers ---------------------------------------------------------------------------

_ARABIC_FIRST_NAMES = (
    ("محمد", "Mohammed"),
    ("عبدالله", "Abdullah"),
    ("فهد", "Fahad"),
    ("خالد", "Khalid"),
    ("نورة", "Noura"),
    ("ريم", "Reem"),
    ("هند", "Hind"),
    ("سلمان", "Salman"),
    ("منى", "Mona"),
    ("أحمد", "Ahmed"),
    ("مريم", "Maryam"),
    ("ياسر", "Yasser"),
    ("لطيفة", "Latifa"),
    ("كريم", "Karim"),
    ("هشام", "Hisham"),
    ("إيمان", "Iman"),
    ("عمرو", "Amr"),
    ("دينا", "Dina"),
    ("سعاد", "Souad"),
    ("رشيد", "Rachid"),
    ("طارق", "Tarek"),
    ("أسماء", "Asmaa"),
)
# family names by where the customer lives: (zone, mail domains, names)
_ARABIC_FAMILIES = (
    (
        "Asia/Riyadh",
        ("sahab.example", "example.com"),
        (
            ("القحطاني", "Al-Qahtani"),
            ("العتيبي", "Al-Otaibi"),
            ("الشمري", "Al-Shammari"),
            ("الدوسري", "Al-Dosari"),
            ("الغامدي", "Al-Ghamdi"),
            ("الزهراني", "Al-Zahrani"),
            ("المطيري", "Al-Mutairi"),
        ),
    ),
    (
        "Africa/Cairo",
        ("nile-mail.example", "example.net"),
        (("عبد الرحمن", "Abdelrahman"), ("السيد", "Elsayed"), ("فوزي", "Fawzy"), ("حسني", "Hosny")),
    ),
    (
        "Africa/Casablanca",
        ("atlas-mail.example", "example.org"),
        (("بناني", "Bennani"), ("العلوي", "Alaoui"), ("التازي", "Tazi"), ("برادة", "Berrada")),
    ),
    ("Asia/Amman", ("example.net",), (("حداد", "Haddad"), ("خوري", "Khoury"))),
)
_ENGLISH_NAMES = (
    ("James", "Carter"),
    ("Emily", "Clarke"),
    ("Priya", "Nair"),
    ("Daniel", "Hughes"),
    ("Sophie", "Turner"),
    ("Ravi", "Menon"),
    ("Hannah", "Wright"),
    ("Lucas", "Martin"),
    ("Grace", "Okafor"),
    ("Tom", "Fletcher"),
    ("Anna", "Kowalski"),
    ("Ben", "Harris"),
)
_ENGLISH_PLACES = (("Europe/London", "example.co.uk"), ("Asia/Dubai", "example.com"))
VIP_DOMAIN = "bigcustomer.com"
VIP_CUSTOMERS = (
    Person("Rachel Stone", "Rachel", f"rachel.stone@{VIP_DOMAIN}", "Asia/Dubai", "en", OUTLOOK),
    Person("Khalid Al-Saud", "Khalid", f"k.alsaud@{VIP_DOMAIN}", "Asia/Riyadh", "en", OUTLOOK),
    Person("مها العنزي", "مها", f"maha.alanazi@{VIP_DOMAIN}", "Asia/Riyadh", "ar", OUTLOOK),
    Person("David Chen", "David", f"ceo@{VIP_DOMAIN}", "Asia/Dubai", "en", IPHONE),
    Person("Nadia Farouk", "Nadia", f"nadia.farouk@{VIP_DOMAIN}", "Africa/Cairo", "en", GMAIL),
    Person("سلطان الحربي", "سلطان", f"sultan.h@{VIP_DOMAIN}", "Asia/Riyadh", "ar", GMAIL),
)
VIP_OPERATIONS = Person("IT Operations", "IT", f"it-ops@{VIP_DOMAIN}", "Asia/Dubai", "en", OUTLOOK)


def make_customers(rng: random.Random, count: int) -> list[Person]:
    """``count`` distinct customers: about two thirds Arabic speakers, the rest English."""
    customers: list[Person] = []
    emails: set[str] = set()
    while len(customers) < count:
        customer = _arabic_customer(rng) if rng.random() < 0.68 else _english_customer(rng)
        if customer.email not in emails:
            emails.add(customer.email)
            customers.append(customer)
    return customers


def _arabic_customer(rng: random.Random) -> Person:
    first_ar, first_latin = rng.choice(_ARABIC_FIRST_NAMES)
    zone, domains, families = rng.choice(_ARABIC_FAMILIES)
    family_ar, family_latin = rng.choice(families)
    local_part = f"{first_latin}.{family_latin}".lower().replace("-", "").replace(" ", "")
    email = f"{local_part}@{rng.choice(domains)}"
    writes_english = rng.random() < 0.15
    latin_name = f"{first_latin} {family_latin}"
    name = latin_name if writes_english or rng.random() < 0.3 else f"{first_ar} {family_ar}"
    language = "en" if writes_english else "ar"
    first_name = first_latin if writes_english else first_ar
    return Person(name, first_name, email, zone, language, rng.choice(CUSTOMER_MAILERS))


def _english_customer(rng: random.Random) -> Person:
    first, last = rng.choice(_ENGLISH_NAMES)
    zone, domain = rng.choice(_ENGLISH_PLACES)
    email = f"{first[0]}{last}@{domain}".lower()
    return Person(f"{first} {last}", first, email, zone, "en", rng.choice(CUSTOMER_MAILERS))


# --- what people write ----------------------------------------------------------------
# Placeholders: {name} the customer's first name, {order}, {invoice}, {amount}, {due},
# {vat}, {email}. Western digits throughout: windows-1256 has no Arabic-Indic ones.

TOPICS: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    "refund": {
        "en": {
            "subject": (
                "Refund request for order {order}",
                "Refund not received for order {order}",
                "Requesting a refund - charged twice",
            ),
            "opening": (
                "Hello,\n\nI returned order {order} two weeks ago but I have not received my "
                "refund of {amount} SAR yet. Could you please check?\n\nThanks,\n{name}",
                "Hi,\n\nMy card was charged twice for order {order} ({amount} SAR each time). "
                "Please refund the duplicate charge.\n\nRegards,\n{name}",
            ),
            "first_reply": (
                "Hello {name},\n\nThank you for contacting us. I have checked order {order} and "
                "raised the refund with our payments team. You should see {amount} SAR back on "
                "your card within 5 business days.",
            ),
            "resolution": (
                "Hello {name},\n\nGood news: the refund of {amount} SAR for order {order} was "
                "completed today. I am closing this request; just reply if anything is missing.",
            ),
        },
        "ar": {
            "subject": (
                "طلب استرداد المبلغ للطلب {order}",
                "لم يصلني استرداد المبلغ",
                "استرجاع مبلغ مخصوم مرتين",
            ),
            "opening": (
                "السلام عليكم،\n\nقمت بإرجاع الطلب رقم {order} قبل أسبوعين ولم يصلني استرداد "
                "المبلغ ({amount} ريال) حتى الآن. أرجو التحقق من الأمر.\n\nشكراً،\n{name}",
                "مرحباً،\n\nتم خصم مبلغ الطلب {order} من بطاقتي مرتين ({amount} ريال في كل مرة). "
                "أرجو استرجاع المبلغ المكرر.\n\nمع التحية،\n{name}",
            ),
            "first_reply": (
                "أهلاً {name}،\n\nشكراً لتواصلك معنا. راجعت الطلب رقم {order} وقمت برفع طلب "
                "الاسترداد إلى فريق المدفوعات، وسيصلك مبلغ {amount} ريال خلال 5 أيام عمل.",
            ),
            "resolution": (
                "أهلاً {name}،\n\nيسعدنا إبلاغك بأنه تم تحويل مبلغ الاسترداد ({amount} ريال) للطلب "
                "{order} اليوم. سنغلق هذا الطلب، ويمكنك الرد على هذه الرسالة إذا احتجت أي مساعدة.",
            ),
        },
    },
    "invoice": {
        "en": {
            "subject": (
                "Invoice {invoice} shows the wrong VAT number",
                "Copy of invoice {invoice} please",
                "Question about invoice {invoice}",
            ),
            "opening": (
                "Hello,\n\nThe VAT number on invoice {invoice} is not ours. Our VAT number is "
                "{vat}. Could you issue a corrected invoice?\n\nBest regards,\n{name}",
                "Hi,\n\nPlease send me a copy of invoice {invoice} for our accounts "
                "department.\n\nThank you,\n{name}",
            ),
            "first_reply": (
                "Hello {name},\n\nThanks for letting us know. I have asked our billing team to "
                "reissue invoice {invoice}; you will receive the PDF by e-mail.",
            ),
            "resolution": (
                "Hello {name},\n\nInvoice {invoice} is now available in your account under "
                "Billing > Invoices.",
            ),
        },
        "ar": {
            "subject": (
                "خطأ في الرقم الضريبي في الفاتورة {invoice}",
                "طلب نسخة من الفاتورة {invoice}",
                "استفسار عن فاتورة شهر مارس",
            ),
            "opening": (
                "السلام عليكم،\n\nالرقم الضريبي في الفاتورة رقم {invoice} غير صحيح، والرقم "
                "الصحيح هو {vat}. نرجو إصدار فاتورة معدلة.\n\nوشكراً،\n{name}",
                "مرحباً،\n\nأحتاج إلى نسخة من الفاتورة رقم {invoice} لقسم المحاسبة لدينا.\n\n"
                "مع الشكر،\n{name}",
            ),
            "first_reply": (
                "أهلاً {name}،\n\nشكراً لإبلاغنا. طلبت من فريق الفوترة إعادة إصدار الفاتورة رقم "
                "{invoice}، وستصلك بصيغة PDF عبر البريد الإلكتروني.",
            ),
            "resolution": (
                "أهلاً {name}،\n\nالفاتورة رقم {invoice} متاحة الآن في حسابك ضمن قسم الفواتير.",
            ),
        },
    },
    "login": {
        "en": {
            "subject": (
                "Can't log in to my account",
                "Password reset link not working",
                "Locked out after changing my phone",
            ),
            "opening": (
                "Hi,\n\nI can't log in since this morning. The site says my password is wrong, "
                "and the reset link in the e-mail says it has expired.\n\n{name}",
                "Hello,\n\nI changed my phone and now I don't receive the verification code, so "
                "I am locked out of my account ({email}).\n\nPlease help,\n{name}",
            ),
            "first_reply": (
                "Hello {name},\n\nSorry for the trouble. I have reset the sign-in for {email}; "
                "please use the new link we just sent, it is valid for 24 hours.",
            ),
            "resolution": (
                "Hello {name},\n\nI can see you signed in successfully, so I'll close "
                "this request now.",
            ),
        },
        "ar": {
            "subject": (
                "لا أستطيع تسجيل الدخول إلى حسابي",
                "رابط إعادة تعيين كلمة المرور لا يعمل",
                "مشكلة في رمز التحقق",
            ),
            "opening": (
                "مرحباً،\n\nلا أستطيع تسجيل الدخول إلى حسابي منذ الصباح، وتظهر رسالة أن كلمة "
                "المرور خاطئة، ورابط إعادة التعيين منتهي الصلاحية.\n\n{name}",
                "السلام عليكم،\n\nغيّرت رقم جوالي ولم يعد يصلني رمز التحقق، ولا أستطيع الدخول "
                "إلى حسابي ({email}).\n\nأرجو المساعدة،\n{name}",
            ),
            "first_reply": (
                "أهلاً {name}،\n\nنعتذر عن الإزعاج. أعدنا ضبط الدخول للحساب {email}، يرجى استخدام "
                "الرابط الجديد الذي أرسلناه الآن وهو صالح لمدة 24 ساعة.",
            ),
            "resolution": ("أهلاً {name}،\n\nنرى أنك سجلت الدخول بنجاح، لذا سنغلق هذا الطلب الآن.",),
        },
    },
    "delivery": {
        "en": {
            "subject": (
                "Order {order} is late",
                "Where is my order {order}?",
                "Delivery delayed again",
            ),
            "opening": (
                "Hello,\n\nOrder {order} was supposed to arrive on {due} but the tracking page "
                "has not changed for three days.\n\n{name}",
                "Hi,\n\nIt's been a week and my order {order} still hasn't shipped. Can you tell "
                "me what is going on?\n\nThanks,\n{name}",
            ),
            "first_reply": (
                "Hello {name},\n\nI'm sorry about the delay. The courier confirmed that order "
                "{order} is at their Riyadh hub and will be delivered within two days.",
            ),
            "resolution": (
                "Hello {name},\n\nThe courier shows order {order} as delivered. Let us "
                "know if anything is wrong with it.",
            ),
        },
        "ar": {
            "subject": ("تأخر توصيل الطلب {order}", "أين طلبي رقم {order}؟", "الشحنة لم تصل بعد"),
            "opening": (
                "السلام عليكم،\n\nكان من المفترض أن يصل الطلب رقم {order} يوم {due}، لكن صفحة "
                "التتبع لم تتغير منذ ثلاثة أيام.\n\n{name}",
                "مرحباً،\n\nمضى أسبوع ولم يتم شحن طلبي رقم {order} حتى الآن. ما سبب التأخير؟\n\n"
                "شكراً،\n{name}",
            ),
            "first_reply": (
                "أهلاً {name}،\n\nنعتذر عن التأخير. أكدت شركة الشحن أن الطلب رقم {order} موجود في "
                "مستودعها بالرياض وسيتم توصيله خلال يومين.",
            ),
            "resolution": (
                "أهلاً {name}،\n\nتظهر حالة الطلب رقم {order} لدى شركة الشحن أنه تم "
                "التوصيل. نتمنى أن ينال إعجابك.",
            ),
        },
    },
    "subscription": {
        "en": {
            "subject": (
                "Question about the Business plan",
                "Cancel my subscription",
                "Switch to annual billing",
            ),
            "opening": (
                "Hello,\n\nDoes the Business plan include Arabic invoices and more than five "
                "users? We are a team of twelve.\n\n{name}",
                "Hi,\n\nPlease cancel my subscription at the end of the current period.\n\n"
                "Thanks,\n{name}",
            ),
            "first_reply": (
                "Hello {name},\n\nThank you for your message. I have passed your "
                "request to our accounts team, who will confirm the details today.",
            ),
            "resolution": (
                "Hello {name},\n\nAll done: the change is confirmed on your account. "
                "Thank you for being with us.",
            ),
        },
        "ar": {
            "subject": ("استفسار عن باقة الأعمال", "إلغاء الاشتراك", "التحويل إلى الاشتراك السنوي"),
            "opening": (
                "مرحباً،\n\nهل تشمل باقة الأعمال فواتير باللغة العربية وأكثر من خمسة مستخدمين؟ "
                "فريقنا مكون من اثني عشر شخصاً.\n\n{name}",
                "السلام عليكم،\n\nأرجو إلغاء اشتراكي في نهاية الفترة الحالية.\n\nشكراً،\n{name}",
            ),
            "first_reply": (
                "أهلاً {name}،\n\nشكراً لرسالتك. حولنا طلبك إلى فريق الحسابات وسيؤكدون "
                "لك التفاصيل اليوم.",
            ),
            "resolution": ("أهلاً {name}،\n\nتم تنفيذ التغيير على حسابك بنجاح. شكراً لثقتك بنا.",),
        },
    },
    "vip": {
        "en": {
            "subject": (
                "URGENT: card payments failing in all our stores",
                "Quote needed for 500 units",
                "Contract renewal 2026",
            ),
            "opening": (
                "Hi team,\n\nSince this morning card payments fail at checkout in all of our "
                "branches. This is costing us sales every minute; please escalate.\n\n{name}\n"
                "BigCustomer Retail",
                "Hello,\n\nWe would like a quote for 500 units of the Business plan for our new "
                "branches, with invoices in Arabic.\n\nKind regards,\n{name}\nBigCustomer Retail",
            ),
            "first_reply": (
                "Hello {name},\n\nI have escalated this to our on-call team and I am "
                "following it personally. I will update you within the hour.",
            ),
            "resolution": (
                "Hello {name},\n\nEverything is in place on our side now; a short "
                "written summary follows from your account manager.",
            ),
        },
        "ar": {
            "subject": ("عاجل: توقف الدفع بالبطاقات في جميع فروعنا", "طلب عرض سعر لكمية كبيرة"),
            "opening": (
                "السلام عليكم،\n\nمنذ الصباح يتعذر الدفع بالبطاقات في جميع فروعنا، وهذا يكلفنا "
                "مبيعات كل دقيقة. نرجو التصعيد فوراً.\n\n{name}\nBigCustomer Retail",
                "مرحباً،\n\nنرغب في عرض سعر لـ 500 اشتراك في باقة الأعمال لفروعنا الجديدة مع "
                "فواتير باللغة العربية.\n\nمع التحية،\n{name}",
            ),
            "first_reply": (
                "أهلاً {name}،\n\nتم تصعيد الموضوع إلى الفريق المناوب وأتابعه شخصياً، "
                "وسأوافيك بالتحديث خلال ساعة.",
            ),
            "resolution": (
                "أهلاً {name}،\n\nتم إنجاز كل شيء من جهتنا، وسيرسل لكم مدير الحساب ملخصاً مكتوباً.",
            ),
        },
    },
}
TOPIC_WEIGHTS = {"refund": 22, "invoice": 18, "login": 18, "delivery": 24, "subscription": 12}
FOLLOW_UPS = {
    "en": (
        "Thanks for the quick reply. I still don't see any change, can you check again?",
        "Any update on this?",
        "I tried again and it still doesn't work.",
        "Here is the reference you asked for: {order}.",
    ),
    "ar": (
        "شكراً على الرد السريع، لكن لم يتغير شيء حتى الآن. هل يمكنكم التحقق مرة أخرى؟",
        "هل من جديد بخصوص طلبي؟",
        "حاولت مرة أخرى وما زالت المشكلة قائمة.",
        "هذا هو الرقم الذي طلبتموه: {order}.",
    ),
}
SECOND_REPLIES = {
    "en": "Hello {name},\n\nThanks for your patience. I checked again and found the cause; it is "
    "fixed on our side now. Could you try once more?",
    "ar": "أهلاً {name}،\n\nشكراً لصبرك. راجعنا الأمر مرة أخرى ووجدنا السبب وتم إصلاحه من جهتنا. "
    "هل يمكنك المحاولة مرة أخرى؟",
}
THANKS = {
    "en": ("Thank you, all sorted now!", "Perfect, thanks a lot."),
    "ar": ("شكراً جزيلاً، تم حل المشكلة.", "الله يعطيكم العافية، وصلني كل شيء."),
}
REOPENINGS = {
    "en": "Hello again,\n\nSorry to reopen this, but the problem is back since yesterday."
    "\n\n{name}",
    "ar": "مرحباً مجدداً،\n\nنعتذر عن إعادة فتح الموضوع، لكن المشكلة عادت منذ الأمس.\n\n{name}",
}
NEW_REQUEST = {"en": "Another request, order", "ar": "طلب آخر، رقم الطلب"}
STILL_WAITING = {"en": "Still waiting for an answer", "ar": "ما زلت بانتظار الرد"}
EID_APOLOGIES = {
    "en": "Eid Mubarak! Sorry for the slow reply: our team was off for the Eid al-Fitr holiday.",
    "ar": "عيد مبارك! نعتذر عن التأخر في الرد بسبب إجازة عيد الفطر.",
}
QUOTE_HEADERS = {
    "en": "On {date}, {name} <{email}> wrote:",
    "ar": "في {date}، كتب {name} <{email}>:",
}
OUT_OF_OFFICE = (
    "I am out of the office until 29 March with limited access to e-mail. For urgent "
    f"matters please contact procurement@{VIP_DOMAIN}."
)

# --- messages --------------------------------------------------------------------------


@dataclass
class Draft:
    """One message before it is written: what its sender meant, not yet its bytes."""

    folder: str  # INBOX | Sent
    sender: Person
    to: tuple[Person, ...]
    subject: str
    text: str  # what the sender wrote, signature included
    sent: datetime
    received: datetime  # delivery (INBOX) or save (Sent) time: the Maildir file name's time
    message_id: str | None
    language: str
    cc: tuple[Person, ...] = ()
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    quote: str | None = None  # the quoted earlier message, attribution line first
    quirks: frozenset[str] = frozenset()
    extra_headers: tuple[tuple[str, str], ...] = ()
    attachment: tuple[str, bytes] | None = None  # (file name, PDF bytes)
    flags: str = "S"


class Ids:
    """Message-IDs in each client's own style, from one seeded stream."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def hex(self, digits: int) -> str:
        return f"{self.rng.getrandbits(digits * 4):0{digits}x}"

    def new(self, sender: Person, sent: datetime) -> str:
        domain = sender.email.split("@")[1]
        style = sender.mailer.name
        if style == "gmail":
            token = base64.b64encode(self.rng.getrandbits(264).to_bytes(33, "big")).decode()
            return f"CA+{token.replace('/', '-')}@mail.{domain}"
        if style == "outlook":
            region = self.rng.randint(1, 9)
            box = f"DB9PR0{region}MB{self.rng.randint(1000, 9999)}"
            return f"{box}{self.hex(12).upper()}@{box}.eurprd0{region}.prod.outlook.com"
        if style == "iphone":
            raw = self.hex(32).upper()
            return f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}@{domain}"
        stamp = f"{sent:%Y%m%d%H%M%S}"
        return f"{stamp}.{self.hex(8)}@{domain}"


WEB_FORM_MESSAGE_ID = "contact-form@forms.demo.example"  # the form's bug: one ID for all
DANGLING_PARENT_ID = "20251214093012.5521@demo.example"  # last year's reply, not in the data


@dataclass(frozen=True)
class Plan:
    """One conversation as it is meant to unfold; ``play`` turns it into messages."""

    number: int  # the helpdesk's conversation number, shown as [#number] when ``token``
    customer: Person
    topic: str
    start: datetime
    follow_up: bool = False
    resolve: bool = False
    thanks: bool = False
    reopen_after: timedelta | None = None
    token: bool = False
    token_only_follow_up: bool = False  # a fresh message carrying only [#n] in its subject
    quirks: frozenset[str] = frozenset()  # of the first message, or "auto-reply"


def _at(month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


class Scenario(NamedTuple):
    quirk: str  # what is wrong with its first message (see _apply_first_message_quirks)
    topic: str
    start: datetime
    customer: Person


# The hard cases, at fixed times with fixed people, so that tests can name them.
SCENARIOS = (
    Scenario(
        "mislabelled-charset",
        "delivery",
        _at(3, 3, 19, 42),
        Person("ماجد الشهري", "ماجد", "majed.alshehri@example.net", "Asia/Riyadh", "ar", OUTLOOK),
    ),
    Scenario(
        "no-message-id",
        "login",
        _at(2, 27, 13, 5),
        Person(  # Friday afternoon
            "Hassan Idris", "Hassan", "hassan.idris@example.org", "Africa/Cairo", "en", GMAIL
        ),
    ),
    Scenario(
        "no-date",
        "refund",
        _at(3, 21, 8, 30),
        Person(  # during the Eid closure
            "عائشة المالكي", "عائشة", "aisha.malki@sahab.example", "Asia/Riyadh", "ar", GMAIL
        ),
    ),
    Scenario(
        "huge-header",
        "delivery",
        _at(3, 10, 6, 12),
        Person("Mark Evans", "Mark", "mark.evans@corp.example", "Europe/London", "en", OUTLOOK),
    ),
    Scenario(
        "attachment",
        "invoice",
        _at(3, 16, 7, 55),
        Person("وليد الحارثي", "وليد", "waleed@najd-trading.example", "Asia/Riyadh", "ar", OUTLOOK),
    ),
    Scenario(
        "web-form",
        "subscription",
        _at(3, 1, 17, 20),
        Person("Leen Saleh", "Leen", "leen.saleh@example.com", "UTC", "en", WEB_FORM),
    ),
    Scenario(
        "web-form",
        "refund",
        _at(3, 29, 20, 3),
        Person("Omar Farid", "Omar", "omar.farid@example.net", "UTC", "en", WEB_FORM),
    ),
    Scenario(
        "raw-8bit-subject",
        "delivery",
        _at(3, 7, 22, 48),
        Person(  # Saturday night
            "سميرة بوزيد",
            "سميرة",
            "samira.bouzid@atlas-mail.example",
            "Africa/Casablanca",
            "ar",
            MAIL_APP,
        ),
    ),
    Scenario(
        "dangling-reply",
        "refund",
        _at(2, 24, 9, 40),
        Person(
            "Fatima Zahra Amrani",
            "Fatima",
            "fz.amrani@example.org",
            "Africa/Casablanca",
            "en",
            GMAIL,
        ),
    ),
    Scenario("auto-reply", "vip", _at(3, 17, 5, 30), VIP_CUSTOMERS[0]),
)


def plan_conversations(rng: random.Random, customers: Sequence[Person]) -> list[Plan]:
    """Every conversation, numbered from 1 in order of its first message: the numbers a
    fresh store gives them, which the [#n] tokens of supportctl's own replies carry."""
    plans = [_random_plan(rng, customers, index) for index in range(RANDOM_CONVERSATIONS)]
    plans += [
        Plan(
            0,
            scene.customer,
            scene.topic,
            scene.start,
            quirks=frozenset({scene.quirk}),
            follow_up=scene.quirk in {"huge-header", "auto-reply"},
            resolve=True,
        )
        for scene in SCENARIOS
    ]
    plans.sort(key=lambda plan: (plan.start, plan.customer.email))
    return [replace(plan, number=1 + index) for index, plan in enumerate(plans)]


def _random_plan(rng: random.Random, customers: Sequence[Person], index: int) -> Plan:
    # Every customer writes at least once; the rest pick customers at random.
    customer = customers[index] if index < len(customers) else rng.choice(customers)
    vip = customer.email.endswith("@" + VIP_DOMAIN)
    topic = "vip" if vip else rng.choices(list(TOPIC_WEIGHTS), list(TOPIC_WEIGHTS.values()))[0]
    during_eid = index % (RANDOM_CONVERSATIONS // CONVERSATIONS_DURING_EID) == 0
    resolve = rng.random() < 0.45
    token = rng.random() < 0.25
    follow_up = rng.random() < 0.45
    return Plan(
        number=0,
        customer=customer,
        topic=topic,
        start=_start_time(rng, customer.zone, during_eid),
        follow_up=follow_up,
        resolve=resolve,
        thanks=resolve and rng.random() < 0.3,
        reopen_after=timedelta(days=rng.randint(3, 10), minutes=rng.randint(0, 900))
        if resolve and rng.random() < 0.1
        else None,
        token=token,
        token_only_follow_up=token and follow_up and rng.random() < 0.35,
    )


# Customers write at all hours, most in the day and evening (their local time).
_HOUR_WEIGHTS = (3, 2, 1, 1, 1, 1, 2, 4, 7, 10, 10, 9, 8, 8, 9, 9, 9, 8, 8, 9, 10, 9, 7, 5)
_EID_DAYS = sorted(EID_CLOSURE)


def _start_time(rng: random.Random, zone: str, during_eid: bool) -> datetime:
    while True:
        day = rng.choice(_EID_DAYS) if during_eid else FIRST_DAY + timedelta(rng.randrange(DAYS))
        hour = rng.choices(range(24), _HOUR_WEIGHTS)[0]
        wall = datetime(day.year, day.month, day.day, hour, rng.randrange(60), rng.randrange(60))
        start = from_local(zone, wall)
        if start < SNAPSHOT - timedelta(minutes=30):
            return start


@dataclass
class Thread:
    """Where a conversation stands while it is played."""

    plan: Plan
    values: dict[str, str]  # what fills the templates' placeholders
    last: Draft  # the newest message, which a customer answers
    last_inbound: Draft  # the newest customer message, which an agent answers
    agent: Agent | None = None

    @property
    def language(self) -> str:
        return self.plan.customer.language

    def add(self, message: Draft) -> None:
        if message.folder == "Sent":
            self.last_inbound.flags = "".join(sorted({*self.last_inbound.flags, "R"}))
        elif "auto-reply" in message.quirks:
            return  # nobody answers an out-of-office notice
        else:
            self.last_inbound = message
        self.last = message


AGENT_STEPS = frozenset({"first_reply", "second_reply", "resolution"})


def steps(plan: Plan) -> list[str]:
    """What happens after the customer's first message, in order."""
    sequence = ["first_reply"]
    if "auto-reply" in plan.quirks:
        sequence.append("auto_reply")
    if plan.follow_up:
        sequence += ["follow_up", "second_reply"]
    if plan.resolve:
        sequence.append("resolution")
        if plan.thanks:
            sequence.append("thanks")
        elif plan.reopen_after:
            sequence += ["reopen", "second_reply"]
    return sequence


_BACK_FROM_EID = datetime(2026, 3, 24, 21, 0, tzinfo=UTC)  # 25 March 00:00 in Riyadh


class Story:
    """Plays conversations into drafts with one seeded stream of choices."""

    def __init__(self, rng: random.Random, ids: Ids):
        self.rng = rng
        self.ids = ids
        self.subjects_used: dict[str, set[str]] = defaultdict(set)  # by customer address

    def play(self, plan: Plan) -> Iterator[Draft]:
        """The messages of one conversation that were sent before the snapshot."""
        values = self._values(plan)
        texts = TOPICS[plan.topic][plan.customer.language]
        subject = self._new_subject(plan.customer, texts["subject"], values)
        opening_text = self.rng.choice(texts["opening"]).format(**values)
        opening = self.customer_message(plan, subject, opening_text, plan.start, None)
        _apply_first_message_quirks(opening, plan, self.rng)
        yield opening
        thread = Thread(plan, values, last=opening, last_inbound=opening)
        for step in steps(plan):
            if step in AGENT_STEPS:
                message = self._agent_step(thread, step)
            else:
                message = self._customer_step(thread, step)
            if message.sent > SNAPSHOT:
                return
            yield message
            if thread.agent is not None and thread.agent.cc_support and message.folder == "Sent":
                yield self._copy_to_inbox(message)
            thread.add(message)

    def _new_subject(
        self, customer: Person, templates: Sequence[str], values: dict[str, str]
    ) -> str:
        """A subject this customer has not used before: the same subject from the same
        customer joins the earlier conversation (subject threading), which would make
        two planned conversations one and put the [#n] numbers out of step."""
        used = self.subjects_used[customer.email]
        fresh = [s for s in (t.format(**values) for t in templates) if s not in used]
        if fresh:
            subject = self.rng.choice(fresh)
        else:
            subject = f"{NEW_REQUEST[customer.language]} {values['order']}"
        used.add(subject)
        return subject

    def _values(self, plan: Plan) -> dict[str, str]:
        rng = self.rng
        due = plan.start.date() - timedelta(days=rng.randint(1, 5))
        return {
            "name": plan.customer.first_name,
            "email": plan.customer.email,
            "order": str(rng.randint(40000, 49999)),
            "invoice": f"INV-2026-{rng.randint(100, 999):04d}",
            "amount": str(rng.choice((89, 149, 249, 310, 499, 1250, 2300))),
            "due": due.isoformat(),
            "vat": f"3{rng.randint(10**13, 10**14 - 1)}",
        }

    def _agent_step(self, thread: Thread, step: str) -> Draft:
        thread.agent, at = self._responder(thread, resolution=step == "resolution")
        language = thread.language
        if step == "second_reply":
            template = SECOND_REPLIES[language]
        else:
            template = TOPICS[thread.plan.topic][language][step][0]
        text = template.format(**thread.values)
        if thread.last_inbound.sent < _BACK_FROM_EID < at:
            text = f"{EID_APOLOGIES[language]}\n\n{text}"
        return self.agent_reply(thread.plan, thread.agent, thread.last_inbound, text, at)

    def _customer_step(self, thread: Thread, step: str) -> Draft:
        rng = self.rng
        plan, last, language = thread.plan, thread.last, thread.language
        if step == "auto_reply":
            return self.auto_reply(plan.customer, last)
        if step == "thanks":
            at = last.sent + timedelta(minutes=rng.randint(10, 1440))
            return self.customer_reply(plan, last, rng.choice(THANKS[language]), at)
        if step == "reopen":
            assert plan.reopen_after is not None
            text = REOPENINGS[language].format(**thread.values)
            return self.customer_reply(plan, last, text, last.sent + plan.reopen_after)
        text = rng.choice(FOLLOW_UPS[language]).format(**thread.values)
        at = self._customer_delay(plan.customer, last.sent)
        if plan.token_only_follow_up:
            subject = f"[#{plan.number}] {STILL_WAITING[language]}"
            return self.customer_message(plan, subject, text, at, None)
        return self.customer_reply(plan, last, text, at)

    def _customer_delay(self, customer: Person, after: datetime) -> datetime:
        rng = self.rng
        minutes = rng.choice(
            (
                rng.randint(10, 120),
                rng.randint(120, 1200),
                rng.randint(120, 1200),
                rng.randint(1440, 5760),
            )
        )
        at = after + timedelta(minutes=minutes, seconds=rng.randrange(60))
        # Most people sleep between 2 and 6; some write anyway.
        if 2 <= local_time(customer.zone, at).hour < 6 and rng.random() < 0.7:
            at += timedelta(hours=5)
        return at

    def _responder(self, thread: Thread, *, resolution: bool) -> tuple[Agent, datetime]:
        """Who answers and when: the conversation's agent if back within 18 hours, else the
        first routed agent on duty; after some minutes of work (hours to days to resolve)."""
        rng = self.rng
        after = thread.last.sent
        if resolution:
            after += timedelta(minutes=rng.randint(120, 2880))
        candidates = [
            (agent.calendar.next_on_duty(after), index, agent)
            for index, agent in enumerate(routed_agents(thread.plan))
        ]
        start, _, agent = min(candidates)
        current = thread.agent
        if current is not None:
            own_start = current.calendar.next_on_duty(after)
            if own_start - after < timedelta(hours=18):
                start, agent = own_start, current
        urgent = thread.plan.topic == "vip"
        at = start + timedelta(minutes=rng.randint(3, 25) if urgent else rng.randint(4, 100))
        if not agent.calendar.on_duty(at):
            at = start + timedelta(minutes=rng.randint(1, 3))
        return agent, at + timedelta(seconds=rng.randrange(60))

    def customer_message(
        self, plan: Plan, subject: str, text: str, sent: datetime, parent: Draft | None
    ) -> Draft:
        """A message from the plan's customer; a reply when ``parent`` is given."""
        customer = plan.customer
        if customer.mailer.footer:
            text = f"{text}\n\n{customer.mailer.footer[customer.language == 'ar']}"
        vip = customer.email.endswith("@" + VIP_DOMAIN)
        is_web_form = customer.mailer is WEB_FORM
        draft = Draft(
            folder="INBOX",
            sender=customer,
            to=(SHARED_SENDER,),
            cc=(VIP_OPERATIONS,) if vip else (),
            subject=subject,
            text=text,
            sent=sent,
            received=sent + timedelta(seconds=self.rng.randint(2, 40)),
            message_id=WEB_FORM_MESSAGE_ID if is_web_form else self.ids.new(customer, sent),
            language=customer.language,
            flags="FS" if vip else "S",
        )
        if parent is not None and customer.mailer.keeps_references:
            draft.in_reply_to, draft.references = _thread_after(parent)
        if parent is not None and customer.mailer.quotes:
            draft.quote = _quote(parent, customer.language)
        return draft

    def customer_reply(self, plan: Plan, parent: Draft, text: str, sent: datetime) -> Draft:
        mailer = plan.customer.mailer
        ar = plan.customer.language == "ar"
        prefix = mailer.arabic_reply_prefix if ar else mailer.reply_prefix
        subject = _reply_subject(parent.subject, prefix)
        return self.customer_message(plan, subject, text, sent, parent)

    def agent_reply(
        self, plan: Plan, agent: Agent, parent: Draft, text: str, at: datetime
    ) -> Draft:
        """An agent's answer to ``parent``, sent from their own address or the shared one."""
        language = plan.customer.language
        if self.rng.random() < 0.25 and not agent.cc_support:
            sender = SHARED_SENDER_AR if language == "ar" else SHARED_SENDER
        else:
            sender = agent.person
        sender = replace(sender, zone=agent.calendar.zone)
        name = agent.name_ar if language == "ar" else agent.person.name
        subject = parent.subject
        if plan.token and f"[#{plan.number}]" not in subject:
            subject = f"[#{plan.number}] {subject}"
        draft = Draft(
            folder="Sent",
            sender=sender,
            to=(parent.sender,),
            cc=(*parent.cc, SHARED_SENDER) if agent.cc_support else parent.cc,
            subject=_reply_subject(subject, "Re: "),
            text=f"{text}\n\n-- \n{name}\nDemo Support | الدعم الفني\n{SUPPORT}",
            sent=at,
            received=at,
            message_id=self.ids.new(sender, at),
            language=language,
            quote=_quote(parent, language),
        )
        draft.in_reply_to, draft.references = _thread_after(parent)
        return draft

    def _copy_to_inbox(self, reply: Draft) -> Draft:
        """What an agent's Cc to support@ delivers to INBOX: the same message, same ID."""
        delay = timedelta(seconds=self.rng.randint(3, 30))
        return replace(reply, folder="INBOX", received=reply.sent + delay)

    def auto_reply(self, customer: Person, parent: Draft) -> Draft:
        at = parent.sent + timedelta(minutes=1, seconds=self.rng.randint(0, 59))
        draft = Draft(
            folder="INBOX",
            sender=customer,
            to=(parent.sender,),
            subject=f"Automatic reply: {parent.subject}",
            text=OUT_OF_OFFICE,
            sent=at,
            received=at + timedelta(seconds=self.rng.randint(2, 9)),
            message_id=self.ids.new(customer, at),
            language="en",
            quirks=frozenset({"auto-reply"}),
            extra_headers=(("Auto-Submitted", "auto-replied"), ("X-Auto-Response-Suppress", "All")),
        )
        draft.in_reply_to, draft.references = _thread_after(parent)
        return draft


def routed_agents(plan: Plan) -> tuple[Agent, ...]:
    """demo.yaml's routes: refunds to omar or layla, VIP mail to the leads."""
    by_id = {agent.id: agent for agent in TEAM}
    if plan.topic == "refund":
        return by_id["omar"], by_id["layla"]
    if plan.topic == "vip":
        return by_id["omar"], by_id["youssef"]
    return TEAM


def _thread_after(parent: Draft) -> tuple[str | None, tuple[str, ...]]:
    """In-Reply-To and References of a reply to ``parent`` (RFC 5322 §3.6.4)."""
    if parent.message_id is None:
        return None, parent.references
    return parent.message_id, (*parent.references, parent.message_id)


def _reply_subject(subject: str, prefix: str) -> str:
    return subject if subject.startswith(prefix) else prefix + subject


def _quote(parent: Draft, language: str) -> str:
    header = QUOTE_HEADERS[language].format(
        date=wall_clock(parent.sender.zone, parent.sent),
        name=parent.sender.name,
        email=parent.sender.email,
    )
    quoted = "\n".join(f"> {line}" if line else ">" for line in parent.text.splitlines())
    return f"{header}\n{quoted}"


def _apply_first_message_quirks(draft: Draft, plan: Plan, rng: random.Random) -> None:
    """Break the first message of a scenario the way real mail breaks."""
    quirks = plan.quirks - {"auto-reply"}
    draft.quirks = quirks
    if "no-message-id" in quirks:
        draft.message_id = None
    if "dangling-reply" in quirks:
        draft.subject = f"Re: {draft.subject}"
        draft.in_reply_to = DANGLING_PARENT_ID
        draft.references = (DANGLING_PARENT_ID,)
    if "huge-header" in quirks:
        draft.extra_headers = tuple(_mail_loop(draft, rng))
    if "attachment" in quirks:
        draft.attachment = ("فاتورة مارس 2026.pdf", invoice_pdf("INV-2026-0342", "2,300.00"))


def _mail_loop(draft: Draft, rng: random.Random) -> Iterator[tuple[str, str]]:
    """Received lines of a message that bounced between two relays: over 20 KB of header."""
    hop_time = draft.received
    for hop in range(120, 0, -1):
        relay, peer = (hop % 2) + 1, 2 - (hop % 2)
        hop_time -= timedelta(seconds=rng.randint(0, 2))
        yield (
            "Received",
            f"from relay{peer}.corp.example (relay{peer}.corp.example [198.51.100.{peer + 10}])"
            f"\n\tby relay{relay}.corp.example (Postfix) with ESMTP id {rng.getrandbits(40):010X}"
            f"\n\tfor <{SUPPORT}>; {rfc5322_date('Europe/London', hop_time)}",
        )


def invoice_pdf(number: str, total: str) -> bytes:
    """A minimal one-page PDF with a correct cross-reference table."""
    text = f"BT /F1 18 Tf 72 760 Td (Invoice {number}) Tj 0 -30 Td /F1 12 Tf "
    text += f"(Total: {total} SAR incl. VAT) Tj ET"
    stream = text.encode("ascii")
    objects = (
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    )
    pdf = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number_of_object, body in enumerate(objects, 1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number_of_object, body)
    xref_at = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref_at,
    )
    return bytes(pdf)


# --- writing messages (RFC 5322, RFC 2045-2047, RFC 2231) -------------------------------

_MAX_LINE = 78
_Q_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!*+-/")


def encoded_words(text: str, charset: str, method: str) -> list[str]:
    """``text`` as RFC 2047 encoded-words of at most 75 characters, never splitting a
    character's bytes between two words."""
    room = 75 - len(f"=?{charset}?{method}??=")
    words, chunk = [], ""
    for character in text:
        if chunk and len(_encode_word_text(chunk + character, charset, method)) > room:
            words.append(chunk)
            chunk = character
        else:
            chunk += character
    words.append(chunk)
    return [f"=?{charset}?{method}?{_encode_word_text(word, charset, method)}?=" for word in words]


def _encode_word_text(text: str, charset: str, method: str) -> str:
    data = text.encode(charset)
    if method == "B":
        return base64.b64encode(data).decode("ascii")
    return "".join(
        "_" if byte == 0x20 else chr(byte) if byte in _Q_SAFE else f"={byte:02X}" for byte in data
    )


def header_tokens(text: str, charset: str, method: str) -> list[str]:
    """Leading ASCII words stay as they are (``Re: [#1042]``); the rest is encoded."""
    if text.isascii():
        return text.split(" ")
    words = text.split(" ")
    plain = next(index for index, word in enumerate(words) if not word.isascii())
    return words[:plain] + encoded_words(" ".join(words[plain:]), charset, method)


def fold(name: str, tokens: Sequence[str]) -> str:
    """``Name: tokens`` folded at spaces to lines of at most 78 characters where it can."""
    lines = [f"{name}:"]
    for token in tokens:
        if len(lines[-1]) + 1 + len(token) > _MAX_LINE and lines[-1] != f"{name}:":
            lines.append(f" {token}")
        else:
            lines[-1] += f" {token}"
    return "\n".join(lines) + "\n"


def address_tokens(people: Sequence[Person], charset: str, method: str) -> list[str]:
    tokens: list[str] = []
    for person in people:
        if tokens:
            tokens[-1] += ","
        if person.name.isascii():
            tokens += [*person.name.split(" "), f"<{person.email}>"]
        else:
            tokens += [*encoded_words(person.name, charset, method), f"<{person.email}>"]
    return tokens


class Writer:
    """Turns drafts into the bytes of a message file (LF line ends, as Maildir keeps them)."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def render(self, draft: Draft) -> bytes:
        mailer = draft.sender.mailer
        charset = mailer.arabic_charset if draft.language == "ar" else "utf-8"
        method = mailer.header_encoding
        head = "".join(self._trace_headers(draft))
        head += "".join(f"{name}: {value}\n" for name, value in draft.extra_headers)
        if "no-date" not in draft.quirks:
            head += f"Date: {rfc5322_date(draft.sender.zone, draft.sent)}\n"
        head += fold("From", address_tokens((draft.sender,), charset, method))
        head += fold("To", address_tokens(draft.to, charset, method))
        if draft.cc:
            head += fold("Cc", address_tokens(draft.cc, charset, method))
        raw_subject = b""
        if "raw-8bit-subject" in draft.quirks:
            raw_subject = f"Subject: {draft.subject}\n".encode()
        else:
            head += fold("Subject", header_tokens(draft.subject, charset, method))
        if draft.message_id is not None:
            head += f"Message-ID: <{draft.message_id}>\n"
        if draft.in_reply_to is not None:
            head += f"In-Reply-To: <{draft.in_reply_to}>\n"
        if draft.references:
            head += fold("References", [f"<{ref}>" for ref in draft.references])
        if mailer.x_mailer:
            head += f"X-Mailer: {mailer.x_mailer}\n"
        head += "MIME-Version: 1.0\n"
        content = self._content(draft, charset)
        return head.encode("ascii") + raw_subject + content

    def _trace_headers(self, draft: Draft) -> Iterator[str]:
        """What the receiving servers add to inbound mail (none for a saved Sent copy)."""
        if draft.folder != "INBOX":
            return
        stamp = rfc5322_date("Asia/Riyadh", draft.received)
        source = draft.sender.email.split("@")[1]
        yield f"Return-Path: <{draft.sender.email}>\n"
        yield f"Delivered-To: {SUPPORT}\n"
        yield (
            f"Received: from mx.demo.example\n\tby mail.demo.example with LMTP id "
            f"{self.rng.getrandbits(48):012x}\n\tfor <{SUPPORT}>; {stamp}\n"
        )
        yield (
            f"Received: from mail.{source} (mail.{source} [192.0.2.{self.rng.randint(1, 254)}])"
            f"\n\tby mx.demo.example (Postfix) with ESMTPS id {self.rng.getrandbits(40):010X}"
            f"\n\tfor <{SUPPORT}>; {stamp}\n"
        )

    def _content(self, draft: Draft, charset: str) -> bytes:
        """Content-Type and friends, the blank line, and the body."""
        text = draft.text if draft.quote is None else f"{draft.text}\n\n{draft.quote}"
        plain = self._text_part(text + "\n", charset, draft)
        if draft.attachment is not None:
            return self._multipart("mixed", [plain, self._pdf_part(*draft.attachment)])
        if draft.sender.mailer is HELPDESK and draft.language == "ar":
            return self._multipart("alternative", [plain, self._html_part(draft, charset)])
        return plain

    def _text_part(self, text: str, charset: str, draft: Draft) -> bytes:
        if "mislabelled-charset" in draft.quirks:
            # An old client sends windows-1256 bytes but calls them iso-8859-1.
            return self._part("text/plain", "iso-8859-1", "8bit", text.encode("windows-1256"))
        if text.isascii():
            return self._part("text/plain", "us-ascii", "7bit", text.encode("ascii"))
        return self._encoded_part("text/plain", text.encode(charset), charset, draft.sender.mailer)

    def _html_part(self, draft: Draft, charset: str) -> bytes:
        paragraphs = "".join(
            "<p>" + html.escape(block).replace("\n", "<br>") + "</p>"
            for block in draft.text.split("\n\n")
        )
        quote = f"<blockquote>{html.escape(draft.quote or '')}</blockquote>" if draft.quote else ""
        markup = f'<html><body><div dir="rtl" lang="ar">{paragraphs}{quote}</div></body></html>\n'
        return self._encoded_part("text/html", markup.encode(charset), charset, HELPDESK)

    def _encoded_part(self, content_type: str, data: bytes, charset: str, mailer: Mailer) -> bytes:
        if mailer.transfer_encoding == "base64":
            return self._part(content_type, charset, "base64", base64.encodebytes(data))
        return self._part(content_type, charset, "quoted-printable", binascii.b2a_qp(data))

    @staticmethod
    def _part(content_type: str, charset: str, transfer: str, body: bytes) -> bytes:
        head = f'Content-Type: {content_type}; charset="{charset}"\n'
        head += f"Content-Transfer-Encoding: {transfer}\n\n"
        return head.encode("ascii") + body

    def _pdf_part(self, file_name: str, pdf: bytes) -> bytes:
        """Outlook's way: an RFC 2047 ``name`` and an RFC 2231 ``filename*`` continued over
        lines (``filename*0*``, ``filename*1*``...)."""
        quoted = "".join(
            chr(byte) if chr(byte).isalnum() and byte < 0x80 else f"%{byte:02X}"
            for byte in file_name.encode("utf-8")
        )
        pieces = _split_percent_encoded(quoted, 45)
        pieces[0] = "utf-8''" + pieces[0]
        parameters = "".join(f";\n filename*{index}*={piece}" for index, piece in enumerate(pieces))
        name = " ".join(encoded_words(file_name, "utf-8", "B"))
        head = f'Content-Type: application/pdf; name="{name}"\n'
        head += f"Content-Disposition: attachment{parameters}\n"
        head += "Content-Transfer-Encoding: base64\n\n"
        return head.encode("ascii") + base64.encodebytes(pdf)

    def _multipart(self, subtype: str, parts: Sequence[bytes]) -> bytes:
        boundary = f"=_demo_{self.rng.getrandbits(64):016x}"
        body = f'Content-Type: multipart/{subtype}; boundary="{boundary}"\n\n'.encode("ascii")
        body += b"This is a multi-part message in MIME format.\n"
        for part in parts:
            body += f"\n--{boundary}\n".encode("ascii") + part.rstrip(b"\n") + b"\n"
        return body + f"\n--{boundary}--\n".encode("ascii")


def _split_percent_encoded(text: str, width: int) -> list[str]:
    """Pieces of at most ``width`` characters that never cut a ``%XX`` escape."""
    pieces, piece, index = [], "", 0
    while index < len(text):
        unit = text[index : index + 3] if text[index] == "%" else text[index]
        if len(piece) + len(unit) > width:
            pieces.append(piece)
            piece = ""
        piece += unit
        index += len(unit)
    return [*pieces, piece]


# --- the Maildir --------------------------------------------------------------------------


@dataclass(frozen=True)
class MailFile:
    folder: str
    subdir: str  # cur | new
    name: str
    data: bytes
    mtime: int


def maildir_files(drafts: Sequence[Draft], writer: Writer, rng: random.Random) -> list[MailFile]:
    """File names in the ``<time>.M<usec>P<pid>Q<n>.<host>,S=<size>,W=<size with CRLF>``
    form (Dovecot reads S= and W= instead of stat-ing); ``:2,<flags>`` in cur/."""
    files = []
    for sequence, draft in enumerate(sorted(drafts, key=_delivery_order), 1):
        data = writer.render(draft)
        epoch = int(draft.received.timestamp())
        unique = f"M{rng.randrange(10**6):06d}P{rng.randint(1000, 65000)}Q{sequence}"
        crlf_size = len(data) + data.count(b"\n")
        sizes = f"S={len(data)},W={crlf_size}"
        name = f"{epoch}.{unique}.{MAILDIR_HOST},{sizes}"
        unseen = SNAPSHOT - draft.received < UNSEEN_WINDOW
        subdir, name = ("new", name) if unseen else ("cur", f"{name}:2,{draft.flags}")
        files.append(MailFile(draft.folder, subdir, name, data, epoch))
    return files


def _delivery_order(draft: Draft) -> tuple[datetime, str, str]:
    return draft.received, draft.folder, draft.message_id or ""


def write_maildirs(root: Path, files: Sequence[MailFile]) -> None:
    for folder in FOLDERS:
        for subdir in ("cur", "new", "tmp"):
            (root / folder / subdir).mkdir(parents=True, exist_ok=True)
        (root / folder / "tmp" / ".gitkeep").write_bytes(b"")
    for mail in files:
        path = root / mail.folder / mail.subdir / mail.name
        path.write_bytes(mail.data)
        # Dovecot takes INTERNALDATE from the file's mtime; git does not keep it, which is
        # why the file name carries the same time.
        os.utime(path, (mail.mtime, mail.mtime))


def build() -> list[MailFile]:
    """Every file of the demo mailbox, in delivery order."""
    customers = make_customers(random.Random(f"{SEED}:customers"), RANDOM_CUSTOMERS)
    customers += [person for person in VIP_CUSTOMERS if person not in customers]
    plans = plan_conversations(random.Random(f"{SEED}:plans"), customers)
    story = Story(random.Random(f"{SEED}:story"), Ids(random.Random(f"{SEED}:ids")))
    drafts = [draft for plan in plans for draft in story.play(plan)]
    writer = Writer(random.Random(f"{SEED}:mime"))
    return maildir_files(drafts, writer, random.Random(f"{SEED}:names"))


def prepare_output(root: Path, replace_existing: bool) -> None:
    """Refuse to write into a non-empty directory unless asked, and then clear only the
    folders this script writes."""
    if not root.exists() or not any(root.iterdir()):
        return
    if not replace_existing:
        raise SystemExit(f"{root} is not empty; pass --replace to rebuild it")
    unexpected = sorted({path.name for path in root.iterdir()} - set(FOLDERS))
    if unexpected:
        raise SystemExit(f"refusing to clear {root}: it also holds {', '.join(unexpected)}")
    for folder in FOLDERS:
        shutil.rmtree(root / folder, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> None:
    default = Path(__file__).resolve().parent.parent / "config" / "demo-mail"
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=default, help=f"default: {default}")
    parser.add_argument("--replace", action="store_true", help="rebuild a non-empty output")
    args = parser.parse_args(argv)
    prepare_output(args.output, args.replace)
    files = build()
    write_maildirs(args.output, files)
    counts = {folder: sum(mail.folder == folder for mail in files) for folder in FOLDERS}
    size = sum(len(mail.data) for mail in files)
    summary = ", ".join(f"{folder} {count}" for folder, count in counts.items())
    print(f"wrote {len(files)} messages ({summary}), {size / 1e6:.2f} MB, to {args.output}")


if __name__ == "__main__":
    main()
