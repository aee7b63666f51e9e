"""``conversations show`` and ``customer show`` as people read them (the table format):
a block of labelled fields, then a titled grid for each list. Scripts get the same data
whole from json, jsonl and yaml.

Usage::

    print(conversation_text(conversation_detail(store, 133, now), "Asia/Riyadh"))
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from supportctl.render import Sections, Table, render, table_value
from supportctl.triage.views import (
    CUSTOMER_CONVERSATION_COLUMNS,
    ConversationDetail,
    CustomerReport,
)

NOBODY = "nobody"
MESSAGE_COLUMNS = ("at", "direction", "from", "snippet")
EVENT_COLUMNS = ("at", "actor", "kind", "from", "to", "reason")
PARTICIPANT_COLUMNS = ("role", "address", "name")
TARGET_COLUMNS = ("target", "due", "state")


def conversation_text(detail: ConversationDetail, tz: str) -> str:
    """The conversation's header and SLA, then its participants, messages and events;
    instants in ``tz``."""
    header, sla = detail.conversation, detail.sla
    title = f"#{header['id']}  {header['subject'] or '(no subject)'}"
    fields = [
        ("status", header["status"]),
        ("priority", header["priority"]),
        ("assignee", header["assignee"] or NOBODY),
        ("tags", header["tags"] or "none"),
        ("customer", _person(header["customer"], header["customer_name"])),
        ("mailbox", f"{header['mailbox']} ({header['channel']})"),
        ("language", header["language"]),
        ("created", header["created_at"]),
        ("last message", header["updated_at"]),
        ("first response", header["first_response_at"]),
        ("resolved", header["resolved_at"]),
        ("messages", _message_count(header["message_count"], header["reopened_count"])),
        ("SLA policy", sla["policy"] or "none"),
    ]
    targets = [
        {"target": name.replace("_", " "), "due": sla[f"{name}_due"], "state": sla[name]}
        for name in ("first_response", "resolution")
    ]
    messages = [
        {**message, "direction": message["direction"] + (" (gone)" if message["gone"] else "")}
        for message in detail.messages
    ]
    sections = {
        "SLA": Table(TARGET_COLUMNS, targets),
        "participants": Table(PARTICIPANT_COLUMNS, detail.participants),
        "messages": Table(MESSAGE_COLUMNS, messages),
        "events": Table(EVENT_COLUMNS, detail.events),
    }
    return _page(title, fields, sections, tz)


def customer_text(report: CustomerReport, tz: str) -> str:
    """The customer's counts and response figures, then every conversation; instants
    in ``tz``."""
    fields = [
        ("conversations", report.conversations),
        ("by status", _counts(report.by_status)),
        ("by channel", _counts(report.by_channel)),
        ("by mailbox", _counts(report.by_mailbox)),
        ("messages", f"{report.messages['inbound']} in, {report.messages['outbound']} out"),
        ("first response", _figures(report.first_response)),
        ("resolution", _figures(report.resolution)),
        (
            "SLA breaches",
            f"first response {report.sla_breaches['first_response']},"
            f" resolution {report.sla_breaches['resolution']}",
        ),
    ]
    title = _person(report.customer, report.name)
    history = Table(CUSTOMER_CONVERSATION_COLUMNS, report.history)
    return _page(title, fields, {"conversations": history}, tz)


def _page(title: str, fields: list[tuple[str, Any]], sections: Mapping[str, Table], tz: str) -> str:
    width = max(len(label) for label, _ in fields)
    lines = [title, ""]
    lines += [f"  {label:<{width}}  {table_value(value, tz) or '-'}" for label, value in fields]
    stream = io.StringIO()
    stream.write("\n".join(lines) + "\n\n")
    render(Sections(sections), "table", stream, tz=tz)
    return stream.getvalue()


def _person(address: str, name: str | None) -> str:
    return f"{name} <{address}>" if name else address


def _message_count(messages: int, reopened: int) -> str:
    times = "once" if reopened == 1 else f"{reopened} times"
    return f"{messages}, reopened {times}" if reopened else str(messages)


def _counts(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{name} {count}" for name, count in counts.items()) or "none"


def _figures(figures: Mapping[str, Any]) -> str:
    """``3: median 2h, mean 3h 10m, longest 6h`` (wall-clock), or ``none yet``."""
    if not figures["count"]:
        return "none yet"
    spread = ", ".join(f"{name} {figures[name]}" for name in ("median", "mean", "longest"))
    return f"{figures['count']}: {spread}"
