"""Checks of meaning that a schema cannot express: references between sections,
time-zone names, regular expressions, hour ranges, dates in order, duplicate names,
and a plain-text password. Runs on data that already passed the schema check, so every
value has the right type; each check looks at one concern and yields problems."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from typing import Any

from supportctl.config.problems import WARNING, JsonPath, Problem
from supportctl.config.source import Document
from supportctl.mail.kept_headers import why_not_kept
from supportctl.timekit import spec

# An overnight range longer than this is more likely a reversed day range.
_SUSPICIOUS_OVERNIGHT_MINUTES = 12 * 60
_REGEX_KEYS = ("subject", "body")
_MAX_LISTED = 12  # longer lists of valid names are not worth a line


def check_meaning(document: Document, *, schema_valid: bool) -> list[Problem]:
    """Every meaning problem of the document, in no particular order.

    The checks assume schema-valid types. When the schema check already failed, a
    check group that trips over a wrongly typed value is skipped (the schema error
    explains it) so that the other groups still report.
    """
    checker = _MeaningChecker(document)
    problems: list[Problem] = []
    for group in checker.groups():
        try:
            problems.extend(group())
        except (TypeError, KeyError, AttributeError, ValueError):
            if schema_valid:
                raise
    return problems


def parse_date_or_datetime(text: str) -> date | datetime:
    """``2026-03-19`` → date; ``2026-03-19T18:00`` → naive or aware datetime."""
    if len(text) == 10:
        return date.fromisoformat(text)
    return datetime.fromisoformat(text.replace(" ", "T").replace("Z", "+00:00"))


class _MeaningChecker:
    def __init__(self, document: Document):
        self.document = document
        self.data: dict[str, Any] = document.data
        self.calendars: dict[str, Any] = _mapping(self.data.get("calendars"))
        self.team = _mappings(self.data.get("team"))
        self.mailboxes = _mappings(self.data.get("mailboxes"))
        self.agent_ids = {str(agent.get("id")) for agent in self.team}
        self.roles = {
            str(role) for agent in self.team for role in _list(agent.get("roles")) if role
        }
        self.mailbox_names = {str(mailbox.get("name")) for mailbox in self.mailboxes}

    def error(self, path: JsonPath, message: str, *, key: bool = False) -> Problem:
        return self.document.problem(path, message, key=key)

    def warning(self, path: JsonPath, message: str) -> Problem:
        return self.document.problem(path, message, severity=WARNING)

    def groups(self) -> list[Callable[[], Iterator[Problem]]]:
        return [
            self.timezones,
            self.mailbox_checks,
            self.calendar_checks,
            self.team_checks,
            self.sla_checks,
            self.rule_checks,
            self.publish_checks,
            self.duration_checks,
        ]

    # -- references -------------------------------------------------------------

    def reference(
        self, path: JsonPath, name: str, known: Iterable[str], what: str
    ) -> Iterator[Problem]:
        known = sorted(known)
        if name in known:
            return
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        if close:
            hint = f" (did you mean '{close[0]}'?)"
        elif len(known) > _MAX_LISTED:
            hint = ""
        elif known:
            hint = f" (known: {', '.join(known)})"
        else:
            hint = f" (there is no {what} in the config)"
        yield self.error(path, f"unknown {what} '{name}'{hint}")

    def people(self, path: JsonPath, names: str | list[str]) -> Iterator[Problem]:
        """Agent ids or ``@role`` references."""
        for index, name in enumerate(_as_list(names)):
            item_path = path if isinstance(names, str) else (*path, index)
            if name.startswith("@"):
                yield from self.reference(item_path, name[1:], self.roles, "role")
            else:
                yield from self.reference(item_path, name, self.agent_ids, "agent")

    def duplicates(self, section: str, items: list[dict[str, Any]], key: str) -> Iterator[Problem]:
        seen: dict[str, int] = {}
        for index, item in enumerate(items):
            name = item.get(key)
            if name is None:
                continue
            if name in seen:
                yield self.error(
                    (section, index, key),
                    f"duplicate {key} '{name}' (also {section}[{seen[name]}])",
                )
            seen.setdefault(name, index)

    # -- sections ---------------------------------------------------------------

    def timezones(self) -> Iterator[Problem]:
        places: list[JsonPath] = [("timezone",), ("reports", "timezone")]
        places += [("calendars", name, "timezone") for name in self.calendars]
        for path in places:
            value = _get(self.data, path)
            if value is not None:
                yield from self.timezone(path, value)

    def timezone(self, path: JsonPath, name: str) -> Iterator[Problem]:
        import pytz

        # Not ``name in pytz.all_timezones_set``: building that set checks ~600 zone
        # files (tens of ms on every config load); opening the one zone is enough. With
        # $PYTZ_SKIPEXISTSCHECK (set by the command line), a listed zone whose file is
        # missing fails as OSError when opened.
        try:
            if pytz.timezone(name).zone == name:
                return
        except (pytz.UnknownTimeZoneError, ValueError, OSError):
            pass
        close = difflib.get_close_matches(name, pytz.all_timezones, n=1, cutoff=0.7)
        hint = f" (did you mean '{close[0]}'?)" if close else " (use an IANA name like Asia/Riyadh)"
        yield self.error(path, f"unknown time zone '{name}'{hint}")

    def mailbox_checks(self) -> Iterator[Problem]:
        yield from self.duplicates("mailboxes", self.mailboxes, "name")
        for index, mailbox in enumerate(self.mailboxes):
            yield from self.mailbox(("mailboxes", index), mailbox)

    def mailbox(self, path: JsonPath, mailbox: dict[str, Any]) -> Iterator[Problem]:
        sources = [key for key in ("host", "maildir", "mbox") if key in mailbox]
        if len(sources) != 1:
            found = ", ".join(sources) or "none"
            yield self.error(
                path, f"give exactly one of host (IMAP), maildir or mbox (found: {found})"
            )
        secrets = [
            key for key in ("password", "password_command", "password_file") if key in mailbox
        ]
        if len(secrets) > 1:
            yield self.error(
                (*path, secrets[1]), f"give only one of {', '.join(secrets)}", key=True
            )
        if "host" in mailbox:
            if "username" not in mailbox:
                yield self.error(path, "an IMAP mailbox needs 'username'")
            if not secrets:
                yield self.error(
                    path, "an IMAP mailbox needs password, password_command or password_file"
                )
        if (
            mailbox.get("security") == "none"
            and secrets
            and not mailbox.get("allow_plaintext_password")
        ):
            yield self.error(
                (*path, "security"),
                "security: none would send the password in clear text; use tls or starttls, "
                "or set allow_plaintext_password: true for a loopback test server",
            )
        if mailbox.get("sent_folder") in mailbox.get("folders", ()):
            yield self.warning((*path, "sent_folder"), "the sent folder is also listed in folders")

    def calendar_checks(self) -> Iterator[Problem]:
        for name, calendar in self.calendars.items():
            path: JsonPath = ("calendars", name)
            if "hours" in calendar:
                yield from self.hours((*path, "hours"), calendar["hours"])
            for index, closure in enumerate(calendar.get("closures", ())):
                yield from self.date_range((*path, "closures", index), closure)
            for index, special in enumerate(calendar.get("special_hours", ())):
                special_path = (*path, "special_hours", index)
                yield from self.date_range(special_path, special)
                yield from self.hours((*special_path, "hours"), special["hours"])
            holidays = calendar.get("holidays")
            if holidays:
                yield from self.holiday_source((*path, "holidays"), holidays)
            if calendar.get("hours") == {} and not self.calendar_used_by_sla(name):
                yield self.warning((*path, "hours"), "this calendar is never open")

    def hours(self, path: JsonPath, hours: dict[str, str]) -> Iterator[Problem]:
        for key, value in hours.items():
            try:
                spec.parse_day_key(key)
            except spec.SpecError as exc:
                yield self.error((*path, key), str(exc), key=True)
                continue
            try:
                ranges = spec.parse_hour_ranges(value)
            except spec.SpecError as exc:
                yield self.error((*path, key), str(exc))
                continue
            for hour_range in ranges:
                if hour_range.overnight and (
                    hour_range.end - hour_range.start > _SUSPICIOUS_OVERNIGHT_MINUTES
                ):
                    reversed_range = spec.HourRange(
                        hour_range.end - spec.MINUTES_PER_DAY, hour_range.start
                    )
                    yield self.warning(
                        (*path, key),
                        f"{hour_range} runs overnight for "
                        f"{(hour_range.end - hour_range.start) / 60:g}h; "
                        f"did you mean {reversed_range}?",
                    )
        try:
            spec.parse_weekly_hours(hours)
        except spec.SpecError as exc:
            if "given twice" in str(exc) or "run into" in str(exc):
                yield self.error(path, str(exc))

    def date_range(self, path: JsonPath, item: dict[str, Any]) -> Iterator[Problem]:
        try:
            start, end = parse_date_or_datetime(item["from"]), parse_date_or_datetime(item["to"])
        except ValueError as exc:
            yield self.error(path, f"invalid date: {exc}")
            return
        if type(start) is not type(end):
            yield self.error(path, "'from' and 'to' must both be dates or both be times")
        elif isinstance(start, datetime) and (start.tzinfo is None) != (end.tzinfo is None):
            yield self.error(path, "'from' and 'to' must both have a UTC offset or neither")
        elif end < start:
            yield self.error(
                (*path, "to"), f"ends ({item['to']}) before it starts ({item['from']})"
            )

    def holiday_source(self, path: JsonPath, source: dict[str, Any]) -> Iterator[Problem]:
        from supportctl.config.holiday_codes import country_codes, subdivisions

        country = source["country"].upper()
        if country not in country_codes():
            yield from self.reference((*path, "country"), country, country_codes(), "country code")
            return
        for index, override in enumerate(source.get("overrides", ())):
            yield from self.date_range((*path, "overrides", index), override)
        if "subdivision" in source:
            yield from self.reference(
                (*path, "subdivision"),
                source["subdivision"],
                subdivisions(country),
                f"{country} subdivision",
            )

    def calendar_used_by_sla(self, name: str) -> bool:
        return any(policy.get("calendar") == name for policy in self.data.get("sla") or ())

    def team_checks(self) -> Iterator[Problem]:
        yield from self.duplicates("team", self.team, "id")
        emails: dict[str, int] = {}
        for index, agent in enumerate(self.team):
            path: JsonPath = ("team", index)
            if "calendar" in agent:
                yield from self.reference(
                    (*path, "calendar"), agent["calendar"], self.calendars, "calendar"
                )
            for leave_index, leave in enumerate(agent.get("leave", ())):
                yield from self.date_range((*path, "leave", leave_index), leave)
            if "meeting_hours" in agent:
                yield from self.hours((*path, "meeting_hours"), agent["meeting_hours"])
            email = agent.get("email", "").lower()
            if email and email in emails:
                yield self.warning((*path, "email"), f"team[{emails[email]}] has the same email")
            emails.setdefault(email, index)

    def sla_checks(self) -> Iterator[Problem]:
        policies = self.data.get("sla") or []
        yield from self.duplicates("sla", policies, "name")
        default_at: int | None = None
        for index, policy in enumerate(policies):
            path: JsonPath = ("sla", index)
            if default_at is not None:
                yield self.warning(
                    path, f"never used: sla[{default_at}] has no match and takes everything"
                )
            if not policy.get("match"):
                default_at = index if default_at is None else default_at
            if "first_response" not in policy and "resolution" not in policy:
                yield self.warning(path, "sets neither first_response nor resolution")
            calendar = policy.get("calendar")
            if calendar is not None:
                yield from self.reference((*path, "calendar"), calendar, self.calendars, "calendar")
                if self.calendars.get(calendar, {}).get("hours") == {}:
                    yield self.error(
                        (*path, "calendar"),
                        f"calendar '{calendar}' has no open hours: this SLA can never be met",
                    )
            yield from self.condition((*path, "match"), policy.get("match") or {})

    def condition(self, path: JsonPath, when: dict[str, Any]) -> Iterator[Problem]:
        for key in _REGEX_KEYS:
            if key in when:
                yield from self.regex((*path, key), when[key])
        for name, pattern in (when.get("header") or {}).items():
            yield from self.regex((*path, "header", name), pattern)
            why = why_not_kept(name.lower())
            if why is not None:
                yield self.warning(
                    (*path, "header", name),
                    f"sync never keeps the header {name} ({why}): this never matches",
                )
        for index, mailbox in enumerate(_as_list(when.get("mailbox", []))):
            item_path = (
                (*path, "mailbox")
                if isinstance(when["mailbox"], str)
                else (*path, "mailbox", index)
            )
            yield from self.reference(item_path, mailbox, self.mailbox_names, "mailbox")

    def regex(self, path: JsonPath, pattern: str) -> Iterator[Problem]:
        try:
            re.compile(pattern)
        except re.error as exc:
            yield self.error(path, f"invalid regular expression: {exc}")

    def rule_checks(self) -> Iterator[Problem]:
        rules = self.data.get("rules") or {}
        tag_rules = rules.get("tags") or []
        yield from self.duplicates_in(("rules", "tags"), tag_rules)
        for index, rule in enumerate(tag_rules):
            yield from self.condition(("rules", "tags", index, "when"), rule["when"])
        assign = rules.get("assign") or {}
        base: JsonPath = ("rules", "assign")
        for key in ("agents", "fallback"):
            if key in assign:
                yield from self.people((*base, key), assign[key])
        routes = assign.get("routes") or []
        yield from self.duplicates_in((*base, "routes"), routes)
        for index, route in enumerate(routes):
            yield from self.condition((*base, "routes", index, "when"), route["when"])
            yield from self.people((*base, "routes", index, "to"), route["to"])
        escalation = assign.get("escalation") or {}
        yield from self.people(
            (*base, "escalation", "to"), escalation.get("to", "@lead") if escalation else []
        )

    def duplicates_in(self, path: JsonPath, items: list[dict[str, Any]]) -> Iterator[Problem]:
        seen: set[str] = set()
        for index, item in enumerate(items):
            name = item.get("name")
            if name in seen:
                yield self.error((*path, index, "name"), f"duplicate name '{name}'")
            if name:
                seen.add(name)

    def publish_checks(self) -> Iterator[Problem]:
        policies = {policy["name"] for policy in self.data.get("sla") or ()}
        channels = {mailbox.get("channel", "email") for mailbox in self.mailboxes}
        imap_mailboxes = {m["name"] for m in self.mailboxes if "host" in m}
        for index, target in enumerate(self.data.get("publish") or ()):
            path: JsonPath = ("publish", index)
            kind = target["target"]
            if kind == "file" and "path" not in target:
                yield self.error(path, "a file target needs 'path'")
            if kind == "sieve":
                if "mailbox" not in target:
                    yield self.error(path, "a sieve target needs 'mailbox'")
                else:
                    yield from self.reference(
                        (*path, "mailbox"), target["mailbox"], imap_mailboxes, "IMAP mailbox"
                    )
            for channel_index, channel in enumerate(target.get("channels", ())):
                yield from self.reference(
                    (*path, "channels", channel_index),
                    channel,
                    policies | channels,
                    "SLA policy or channel",
                )

    def duration_checks(self) -> Iterator[Problem]:
        for path, value in _walk(self.data, ()):
            if path and path[-1] in _DURATION_KEYS and isinstance(value, str):
                try:
                    spec.parse_duration(value)
                except spec.SpecError as exc:
                    yield self.error(path, str(exc))


_DURATION_KEYS = frozenset(
    {
        "thread_window",
        "first_response",
        "resolution",
        "older_than",
        "before_breach",
        "round_to",
        "duration",
        "step",
        "edge_margin",
    }
)


def _walk(value: Any, path: JsonPath) -> Iterator[tuple[JsonPath, Any]]:
    yield path, value
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _walk(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _walk(child, (*path, index))


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _get(data: Any, path: JsonPath) -> Any:
    for part in path:
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _mappings(value: Any) -> list[dict[str, Any]]:
    return [item for item in _list(value) if isinstance(item, dict)]
