"""The bundled demo: config/demo.yaml is valid and needs no environment, and
config/demo-mail is exactly what scripts/make_demo_mail.py builds, holding the
conversations and the hard cases a sync has to survive."""

from __future__ import annotations

import email
import email.policy
import re
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from email.message import EmailMessage
from functools import cached_property
from pathlib import Path

import pytest

from supportctl.config import load_config, validate_file

REPO = Path(__file__).resolve().parent.parent
DEMO_CONFIG = REPO / "config" / "demo.yaml"
DEMO_MAIL = REPO / "config" / "demo-mail"
GENERATOR = REPO / "scripts" / "make_demo_mail.py"

TEAM_IDS = ("omar", "layla", "alice", "youssef", "sara")
OUR_ADDRESSES = frozenset({"support@demo.example", *(f"{i}@demo.example" for i in TEAM_IDS)})
DANGLING_PARENT_ID = "20251214093012.5521@demo.example"  # last year's mail, not in the demo
WEB_FORM_MESSAGE_ID = "contact-form@forms.demo.example"
RIYADH = timezone(timedelta(hours=3), "+03")  # Riyadh has no DST: a fixed offset is exact
# The team is closed from the end of the last night shift before Eid (Thu 19 March 06:00
# in Riyadh) until Wednesday 25 March.
CLOSURE_STARTS = datetime(2026, 3, 19, 3, 0, tzinfo=UTC)
CLOSURE_ENDS = datetime(2026, 3, 24, 21, 0, tzinfo=UTC)

_MAILDIR_NAME = re.compile(
    r"(?P<time>\d{10})\.M\d{6}P\d+Q(?P<sequence>\d+)\.demo-mx,S=(?P<size>\d+),W=(?P<vsize>\d+)"
    r"(?P<info>:2,[A-Z]*)?"
)
_REPLY_PREFIX = re.compile(r"^(?:(?:re|رد)\s*:\s*)+", re.IGNORECASE)
_TOKEN = re.compile(r"\[#(\d+)\]")
_ARABIC_LETTER = re.compile("[\u0621-\u064a]")


@dataclass(frozen=True)
class DemoMessage:
    folder: str  # INBOX | Sent
    subdir: str  # cur | new
    name: str
    raw: bytes

    @cached_property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    @property
    def sequence(self) -> int:
        """The delivery order the file name records."""
        name = _MAILDIR_NAME.fullmatch(self.name)
        assert name is not None, self.name
        return int(name["sequence"])

    @property
    def header_block(self) -> bytes:
        return self.raw[: self.raw.index(b"\n\n") + 1]

    @property
    def from_address(self) -> str:
        return self.message["From"].addresses[0].addr_spec.lower()

    @property
    def outbound(self) -> bool:
        return self.from_address in OUR_ADDRESSES

    @property
    def message_id(self) -> str | None:
        value = self.message["Message-ID"]
        return None if value is None else str(value).strip().strip("<>")

    @property
    def in_reply_to(self) -> str | None:
        value = self.message["In-Reply-To"]
        return None if value is None else str(value).strip().strip("<>")

    @property
    def references(self) -> list[str]:
        return [ref.strip("<>") for ref in str(self.message["References"] or "").split()]

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def sent(self) -> datetime:
        return self.message["Date"].datetime

    @property
    def own_text(self) -> str:
        """The first text part without its quoted tail."""
        part = self.message.get_body(preferencelist=("plain",))
        assert part is not None
        return re.split(r"\n(?:On |في ).*\n>", part.get_content())[0]


def written_during_closure(messages: list[DemoMessage]) -> list[DemoMessage]:
    """Customer mail dated while the team was away for Eid."""
    return [
        m
        for m in messages
        if not m.outbound
        and m.message["Date"] is not None
        and CLOSURE_STARTS <= m.sent < CLOSURE_ENDS
    ]


def first_messages(
    messages: list[DemoMessage], by_id: dict[str, list[DemoMessage]]
) -> list[DemoMessage]:
    """The message that opens each conversation, in delivery order, by supportctl's
    threading rules: customer mail that answers nothing in the data, carries no [#n]
    token, and repeats no subject this customer has already opened a conversation with."""
    openings: list[DemoMessage] = []
    opened: set[tuple[str, str]] = set()
    for m in sorted(messages, key=lambda m: m.sequence):
        if m.outbound or m.message["Auto-Submitted"] is not None or _TOKEN.search(m.subject):
            continue
        if any(parent in by_id for parent in {m.in_reply_to, *m.references} - {None}):
            continue
        key = (m.from_address, _REPLY_PREFIX.sub("", m.subject))
        if key not in opened:
            opened.add(key)
            openings.append(m)
    return openings


def ticket_number(message: DemoMessage) -> int:
    found = _TOKEN.search(message.subject)
    assert found is not None
    return int(found[1])


def read_maildirs(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` by its relative path."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def messages() -> list[DemoMessage]:
    return [
        DemoMessage(folder, subdir, path.name, path.read_bytes())
        for folder in ("INBOX", "Sent")
        for subdir in ("cur", "new")
        for path in sorted((DEMO_MAIL / folder / subdir).iterdir())
    ]


@pytest.fixture(scope="module")
def by_id(messages: list[DemoMessage]) -> dict[str, list[DemoMessage]]:
    found: dict[str, list[DemoMessage]] = defaultdict(list)
    for message in messages:
        if message.message_id is not None:
            found[message.message_id].append(message)
    return found


# --- config/demo.yaml ---------------------------------------------------------------------


def test_demo_config_validates_without_a_single_problem() -> None:
    report = validate_file(DEMO_CONFIG)

    assert report.problems == ()
    assert report.variables == frozenset()


def test_demo_config_loads_with_no_environment_and_points_at_the_demo_maildir() -> None:
    config = load_config(DEMO_CONFIG, environ={})

    mailbox = config.mailbox("demo")
    assert config.mailboxes == (mailbox,)
    assert (mailbox.host, mailbox.maildir, mailbox.channel) == (None, str(DEMO_MAIL), "email")
    assert (mailbox.folders, mailbox.sent_folder) == (("INBOX",), "Sent")
    assert set(mailbox.addresses) == OUR_ADDRESSES
    assert config.store == f"sqlite://{REPO / 'config' / 'demo.db'}"
    assert config.timezone == "Asia/Riyadh"
    assert tuple(agent.id for agent in config.team) == TEAM_IDS
    assert {agent.email for agent in config.team} == OUR_ADDRESSES - {"support@demo.example"}
    assert set(config.calendars) == {"riyadh", "cairo", "casablanca", "night"}
    assert {rule.tag for rule in config.rules.tags} == {"refund", "invoice", "vip", "arabic"}
    assert [policy.name for policy in config.sla] == ["vip", "email"]
    for calendar in config.calendars.values():
        assert [(c.name, c.start.isoformat(), c.end.isoformat()) for c in calendar.closures] == [
            ("Eid al-Fitr break", "2026-03-19", "2026-03-24")
        ]


# --- the generator ------------------------------------------------------------------------


def test_regenerating_gives_byte_identical_files(tmp_path: Path) -> None:
    output = tmp_path / "demo-mail"

    subprocess.run(
        [sys.executable, str(GENERATOR), "--output", str(output)],
        check=True,
        capture_output=True,
    )

    regenerated, committed = read_maildirs(output), read_maildirs(DEMO_MAIL)
    assert sorted(regenerated) == sorted(committed)
    assert [path for path in committed if committed[path] != regenerated[path]] == []


def test_generator_will_not_clear_a_folder_it_did_not_write(tmp_path: Path) -> None:
    keep = tmp_path / "notes.txt"
    keep.write_text("mine")

    result = subprocess.run(
        [sys.executable, str(GENERATOR), "--output", str(tmp_path), "--replace"],
        capture_output=True,
        text=True,
    )

    assert result.returncode == 1
    assert result.stderr == f"refusing to clear {tmp_path}: it also holds notes.txt\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["notes.txt"]


# --- layout and counts ----------------------------------------------------------------------


def test_each_folder_is_a_maildir_with_cur_new_and_tmp() -> None:
    assert sorted(path.name for path in DEMO_MAIL.iterdir()) == ["INBOX", "Sent"]
    for folder in ("INBOX", "Sent"):
        assert sorted(path.name for path in (DEMO_MAIL / folder).iterdir()) == [
            "cur",
            "new",
            "tmp",
        ]
        # git keeps no empty directory: tmp/ holds a placeholder and nothing else.
        assert [path.name for path in (DEMO_MAIL / folder / "tmp").iterdir()] == [".gitkeep"]


def test_file_names_are_valid_maildir_names_with_true_sizes(
    messages: list[DemoMessage],
) -> None:
    sequences = []
    for message in messages:
        name = _MAILDIR_NAME.fullmatch(message.name)
        assert name is not None, message.name
        assert int(name["size"]) == len(message.raw)
        assert int(name["vsize"]) == len(message.raw) + message.raw.count(b"\n")
        assert b"\r" not in message.raw
        if message.subdir == "new":
            assert name["info"] is None
        else:
            flags = name["info"][3:]
            assert "S" in flags and flags == "".join(sorted(set(flags))), message.name
        sequences.append(int(name["sequence"]))
    assert sorted(sequences) == list(range(1, len(messages) + 1))


def test_counts_and_size(messages: list[DemoMessage]) -> None:
    counts: dict[str, int] = defaultdict(int)
    for message in messages:
        counts[f"{message.folder}/{message.subdir}"] += 1

    assert dict(counts) == {"INBOX/cur": 259, "INBOX/new": 6, "Sent/cur": 273, "Sent/new": 8}
    assert len(messages) == 546 >= 400
    assert sum(len(message.raw) for message in messages) == 944_778 < 3_000_000
    assert len({m.from_address for m in messages if not m.outbound}) == 87


def test_every_message_parses_with_the_email_package(messages: list[DemoMessage]) -> None:
    for message in messages:
        parsed = message.message
        for _name, value in parsed.items():
            str(value)
        for part in parsed.walk():
            if not part.is_multipart():
                assert isinstance(part, EmailMessage)
                part.get_content()
        assert parsed.defects == [], message.name


# --- what the conversations hold -----------------------------------------------------------


def test_sent_holds_only_our_mail_and_inbox_ours_only_as_copies(
    messages: list[DemoMessage], by_id: dict[str, list[DemoMessage]]
) -> None:
    assert all(message.outbound for message in messages if message.folder == "Sent")
    copies = [m for m in messages if m.folder == "INBOX" and m.outbound]
    assert len(copies) == 35
    for copy in copies:
        assert copy.from_address == "youssef@demo.example"
        assert "support@demo.example" in str(copy.message["Cc"])
        assert [m.folder for m in by_id[copy.message_id or ""]] == ["INBOX", "Sent"]


def test_subjects_are_arabic_and_english_in_every_encoding(messages: list[DemoMessage]) -> None:
    arabic = [m for m in messages if _ARABIC_LETTER.search(m.subject)]
    headers = b"".join(message.header_block for message in messages)

    assert len(arabic) == 344
    assert len(messages) - len(arabic) == 202
    for encoded_word in (b"=?utf-8?B?", b"=?utf-8?Q?", b"=?windows-1256?B?"):
        assert encoded_word in headers
    assert any(m.subject.startswith("رد: ") for m in messages)


def test_customers_write_on_the_weekend_and_during_the_eid_closure(
    messages: list[DemoMessage],
) -> None:
    inbound = [m for m in messages if not m.outbound and m.message["Date"] is not None]
    friday_or_saturday = [m for m in inbound if m.sent.astimezone(RIYADH).weekday() in {4, 5}]

    assert len(friday_or_saturday) == 70
    assert len(written_during_closure(messages)) == 34


def test_mail_written_during_the_closure_is_answered_after_it_with_eid_greetings(
    messages: list[DemoMessage],
) -> None:
    outbound = [m for m in messages if m.outbound]
    first_answers = [
        min((m for m in outbound if m.in_reply_to == question.message_id), key=lambda m: m.sent)
        for question in written_during_closure(messages)
    ]

    assert [m.name for m in outbound if CLOSURE_STARTS <= m.sent < CLOSURE_ENDS] == []
    assert all("Eid Mubarak" in m.own_text or "عيد مبارك" in m.own_text for m in first_answers)
    earliest = min(m.sent for m in first_answers).astimezone(RIYADH)
    assert earliest.isoformat() == "2026-03-25T09:08:57+03:00"  # Wednesday, the first day back


def test_agents_reply_inside_their_calendar_hours(messages: list[DemoMessage]) -> None:
    from supportctl.timekit.calendar import BusinessCalendar

    config = load_config(DEMO_CONFIG, environ={})
    calendars = {
        agent.email: BusinessCalendar.from_config(config.calendars[agent.calendar or ""])
        for agent in config.team
    }
    own_address_replies = [
        m for m in messages if m.folder == "Sent" and m.from_address in calendars
    ]

    assert len(own_address_replies) == 227
    closed = [m.name for m in own_address_replies if not calendars[m.from_address].is_open(m.sent)]
    assert closed == []


def test_every_reply_refers_to_a_message_in_the_data(
    messages: list[DemoMessage], by_id: dict[str, list[DemoMessage]]
) -> None:
    missing = {
        parent
        for message in messages
        for parent in {message.in_reply_to, *message.references} - {None}
        if parent not in by_id
    }
    outbound_replies = [m for m in messages if m.outbound and m.in_reply_to is not None]

    assert missing == {DANGLING_PARENT_ID}
    assert len(outbound_replies) == 313
    assert all(not by_id[m.in_reply_to or ""][0].outbound for m in outbound_replies)


def test_some_follow_ups_thread_only_by_subject(messages: list[DemoMessage]) -> None:
    earlier_subjects = {_REPLY_PREFIX.sub("", m.subject) for m in messages if m.outbound}
    subject_only = [
        m
        for m in messages
        if not m.outbound
        and _REPLY_PREFIX.match(m.subject)
        and m.in_reply_to is None
        and not m.references
    ]

    assert len(subject_only) == 6
    assert all(_REPLY_PREFIX.sub("", m.subject) in earlier_subjects for m in subject_only)
    assert {m.message["X-Mailer"] for m in subject_only} == {"MailApp 3.2"}


def test_ticket_tokens_are_the_numbers_a_fresh_store_gives_in_arrival_order(
    messages: list[DemoMessage], by_id: dict[str, list[DemoMessage]]
) -> None:
    openings = first_messages(messages, by_id)
    number_of = {m.message_id: number for number, m in enumerate(openings, 1)}
    tokened_replies = [
        m
        for m in messages
        if m.outbound and m.in_reply_to in number_of and _TOKEN.search(m.subject)
    ]
    token_only = sorted(
        (m for m in messages if not m.outbound and _TOKEN.match(m.subject) and not m.references),
        key=ticket_number,
    )

    assert len(openings) == 150  # as planned: 140 ordinary conversations and 10 hard cases
    assert len(tokened_replies) == 48
    for reply in tokened_replies:
        assert ticket_number(reply) == number_of[reply.in_reply_to], reply.subject
    assert [m.subject for m in token_only] == [
        "[#58] Still waiting for an answer",
        "[#60] Still waiting for an answer",
        "[#83] Still waiting for an answer",
        "[#107] Still waiting for an answer",
        "[#109] ما زلت بانتظار الرد",
        "[#110] Still waiting for an answer",
    ]
    for follow_up in token_only:
        assert openings[ticket_number(follow_up) - 1].from_address == follow_up.from_address


def test_some_conversations_are_reopened_days_later(
    messages: list[DemoMessage], by_id: dict[str, list[DemoMessage]]
) -> None:
    reopenings = [
        m
        for m in messages
        if not m.outbound and ("Sorry to reopen" in m.own_text or "إعادة فتح" in m.own_text)
    ]

    assert len(reopenings) == 5
    for reopening in reopenings:
        parent = by_id[reopening.in_reply_to or ""][0]
        assert parent.outbound
        assert (reopening.sent - parent.sent).days >= 3


def test_vip_customers_from_bigcustomer_com_copy_their_operations_team(
    messages: list[DemoMessage],
) -> None:
    vip = [
        m
        for m in messages
        if m.from_address.endswith("@bigcustomer.com") and m.message["Auto-Submitted"] is None
    ]

    assert len(vip) == 19
    assert all("it-ops@bigcustomer.com" in str(m.message["Cc"]) for m in vip)


# --- the hard cases ----------------------------------------------------------------------


def test_a_windows_1256_body_is_labelled_iso_8859_1(messages: list[DemoMessage]) -> None:
    mislabelled = [
        (message, part)
        for message in messages
        for part in message.message.walk()
        if part.get_content_charset() == "iso-8859-1"
    ]

    assert len(mislabelled) == 1
    message, part = mislabelled[0]
    assert message.from_address == "majed.alshehri@example.net"
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    assert payload.decode("windows-1256").startswith("السلام عليكم،\n\nكان من المفترض أن يصل الطلب")


def test_one_message_has_no_message_id_and_its_replies_no_in_reply_to(
    messages: list[DemoMessage],
) -> None:
    without_id = [m for m in messages if m.message["Message-ID"] is None]

    assert [(m.from_address, m.subject) for m in without_id] == [
        ("hassan.idris@example.org", "Password reset link not working")
    ]
    replies = [
        m for m in messages if m.outbound and "hassan.idris@example.org" in str(m.message["To"])
    ]
    assert len(replies) == 3
    assert all(m.in_reply_to is None and not m.references for m in replies)


def test_one_message_has_no_date_and_only_its_file_name_dates_it(
    messages: list[DemoMessage],
) -> None:
    undated = [m for m in messages if m.message["Date"] is None]

    assert [m.from_address for m in undated] == ["aisha.malki@sahab.example"]
    delivered = datetime.fromtimestamp(int(undated[0].name.split(".")[0]), UTC)
    assert delivered == datetime(2026, 3, 21, 8, 30, 34, tzinfo=UTC)  # Saturday of Eid


def test_one_message_has_a_header_over_20_kb(messages: list[DemoMessage]) -> None:
    huge = [m for m in messages if len(m.header_block) > 20_000]

    assert [(m.from_address, len(m.header_block)) for m in huge] == [
        ("mark.evans@corp.example", 23_919)
    ]
    assert len(huge[0].message.get_all("Received") or []) == 122


def test_an_out_of_office_reply_answers_an_agent(
    messages: list[DemoMessage], by_id: dict[str, list[DemoMessage]]
) -> None:
    automatic = [m for m in messages if m.message["Auto-Submitted"] is not None]

    assert [(m.from_address, str(m.message["Auto-Submitted"])) for m in automatic] == [
        ("rachel.stone@bigcustomer.com", "auto-replied")
    ]
    assert by_id[automatic[0].in_reply_to or ""][0].outbound


def test_one_message_attaches_a_pdf_with_an_rfc_2231_arabic_name(
    messages: list[DemoMessage],
) -> None:
    attachments = [
        (message, part)
        for message in messages
        for part in message.message.walk()
        if part.get_content_disposition() == "attachment"
    ]

    assert len(attachments) == 1
    message, part = attachments[0]
    assert message.from_address == "waleed@najd-trading.example"
    assert part.get_filename() == "فاتورة مارس 2026.pdf"
    assert b"\n filename*0*=utf-8''%D9%81%D8%A7" in message.raw
    assert b"\n filename*1*=" in message.raw
    pdf = part.get_content()
    assert pdf.startswith(b"%PDF-1.4\n") and pdf.endswith(b"%%EOF\n")


def test_one_message_id_is_used_by_two_senders(
    by_id: dict[str, list[DemoMessage]],
) -> None:
    shared = {
        message_id: sorted({m.from_address for m in found})
        for message_id, found in by_id.items()
        if len({m.from_address for m in found}) > 1
    }

    assert shared == {WEB_FORM_MESSAGE_ID: ["leen.saleh@example.com", "omar.farid@example.net"]}


def test_one_subject_is_raw_utf_8_without_encoded_words(messages: list[DemoMessage]) -> None:
    raw = [m for m in messages if not m.header_block.isascii()]

    assert [(m.from_address, m.subject) for m in raw] == [
        ("samira.bouzid@atlas-mail.example", "أين طلبي رقم 48100؟")
    ]
