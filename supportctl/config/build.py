"""Turn a validated, interpolated document into frozen config objects with every
default filled in and every relative path made absolute against the config's folder."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import supportctl.config.model as m
from supportctl.config.semantics import parse_date_or_datetime
from supportctl.paths import default_store_url
from supportctl.timekit.spec import Duration, parse_duration, parse_weekly_hours

_DEFAULT_PORTS = {"tls": 993, "starttls": 143, "none": 143}
_MAILBOX_PATHS = ("maildir", "mbox", "ca_file", "password_file")


def build_config(data: dict[str, Any], path: Path, environ: Mapping[str, str]) -> m.Config:
    base = path.absolute().parent
    timezone = data.get("timezone", "UTC")
    language = data.get("language", "en")
    calendars = {
        name: _calendar(name, raw, timezone) for name, raw in (data.get("calendars") or {}).items()
    }
    rules = data.get("rules") or {}
    reports = data.get("reports") or {}
    return m.Config(
        path=str(path.absolute()),
        version=data["version"],
        timezone=timezone,
        store=_store_url(data.get("store"), base, environ),
        language=language,
        mailboxes=tuple(_mailbox(raw, base) for raw in data.get("mailboxes") or ()),
        calendars=calendars,
        team=tuple(_agent(raw) for raw in data.get("team") or ()),
        sla=tuple(_sla_policy(raw) for raw in data.get("sla") or ()),
        rules=m.Rules(
            tags=tuple(_tag_rule(index, raw) for index, raw in enumerate(rules.get("tags") or ())),
            assign=_assign(rules.get("assign") or {}),
        ),
        publish=tuple(_publish_target(raw, base, language) for raw in data.get("publish") or ()),
        meetings=_meetings(data.get("meetings") or {}),
        reports=m.Reports(
            timezone=reports.get("timezone", timezone),
            week_start=reports.get("week_start", "sun"),
            business_time=reports.get("business_time", True),
        ),
    )


def _store_url(value: str | None, base: Path, environ: Mapping[str, str]) -> str:
    """``sqlite:///abs/path`` is absolute (as in ``file:///``); ``sqlite:rel.db`` and a bare
    path are relative to the config's folder; PostgreSQL URLs pass through."""
    if value is None:
        return default_store_url(environ)
    if value.startswith(("postgresql://", "postgres://")):
        return value
    if value.startswith("sqlite:///"):
        file_path = Path("/" + value.removeprefix("sqlite:///"))
    else:
        file_path = base / Path(value.removeprefix("sqlite:")).expanduser()
    return f"sqlite://{file_path.resolve()}"


def _duration(value: str | None, default: Duration | None = None) -> Duration | None:
    return parse_duration(value) if value is not None else default


def _tuple(value: str | list[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _mailbox(raw: dict[str, Any], base: Path) -> m.Mailbox:
    values = dict(raw)
    for key in _MAILBOX_PATHS:
        if key in values:
            values[key] = str((base / Path(values[key]).expanduser()).resolve())
    security = values.get("security", "tls")
    if "host" in values:
        values.setdefault("port", _DEFAULT_PORTS[security])
    for key in ("folders", "addresses"):
        if key in values:
            values[key] = tuple(values[key])
    values["addresses"] = tuple(address.lower() for address in values.get("addresses", ()))
    values["thread_window"] = _duration(values.get("thread_window"), m.Mailbox.thread_window)
    return m.Mailbox(**values)


def _calendar(name: str, raw: dict[str, Any], default_timezone: str) -> m.Calendar:
    holidays = raw.get("holidays")
    return m.Calendar(
        name=name,
        timezone=raw.get("timezone", default_timezone),
        hours=parse_weekly_hours(raw["hours"]) if "hours" in raw else _ALWAYS_OPEN,
        holidays=_holiday_source(holidays) if holidays else None,
        closures=tuple(
            m.Closure(
                name=c["name"], name_ar=c.get("name_ar"), start=_when(c["from"]), end=_when(c["to"])
            )
            for c in raw.get("closures", ())
        ),
        special_hours=tuple(
            m.SpecialHours(
                name=s["name"],
                name_ar=s.get("name_ar"),
                start=date.fromisoformat(s["from"]),
                end=date.fromisoformat(s["to"]),
                hours=parse_weekly_hours(s["hours"]),
            )
            for s in raw.get("special_hours", ())
        ),
    )


_ALWAYS_OPEN = parse_weekly_hours({"mon-sun": "00:00-24:00"})


def _when(text: str) -> date | datetime:
    return parse_date_or_datetime(text)


def _holiday_source(raw: dict[str, Any]) -> m.HolidaySource:
    return m.HolidaySource(
        country=raw["country"].upper(),
        subdivision=raw.get("subdivision"),
        categories=tuple(raw.get("categories", ())),
        overrides=tuple(
            m.HolidayOverride(
                match=o["match"],
                start=date.fromisoformat(o["from"]),
                end=date.fromisoformat(o["to"]),
                name=o.get("name"),
                name_ar=o.get("name_ar"),
            )
            for o in raw.get("overrides", ())
        ),
    )


def _agent(raw: dict[str, Any]) -> m.Agent:
    return m.Agent(
        id=raw["id"],
        name=raw["name"],
        email=raw["email"].lower() if "email" in raw else None,
        calendar=raw.get("calendar"),
        max_open=raw.get("max_open"),
        roles=tuple(raw.get("roles", ())),
        leave=tuple(
            m.Leave(
                start=date.fromisoformat(x["from"]),
                end=date.fromisoformat(x["to"]),
                note=x.get("note"),
            )
            for x in raw.get("leave", ())
        ),
        meeting_hours=parse_weekly_hours(raw["meeting_hours"]) if "meeting_hours" in raw else None,
    )


def _condition(raw: dict[str, Any]) -> m.Condition:
    return m.Condition(
        subject=raw.get("subject"),
        body=raw.get("body"),
        from_address=tuple(a.lower() for a in _tuple(raw.get("from"))),
        from_domain=tuple(d.lower() for d in _tuple(raw.get("from_domain"))),
        to=tuple(a.lower() for a in _tuple(raw.get("to"))),
        mailbox=_tuple(raw.get("mailbox")),
        channel=_tuple(raw.get("channel")),
        header=tuple(
            (name.lower(), pattern) for name, pattern in (raw.get("header") or {}).items()
        ),
        language=raw.get("language"),
        tag=_tuple(raw.get("tag")),
        priority=_tuple(raw.get("priority")),
        older_than=_duration(raw.get("older_than")),
    )


def _sla_policy(raw: dict[str, Any]) -> m.SlaPolicy:
    return m.SlaPolicy(
        name=raw["name"],
        match=_condition(raw.get("match") or {}),
        first_response=_duration(raw.get("first_response")),
        resolution=_duration(raw.get("resolution")),
        calendar=raw.get("calendar"),
    )


def _tag_rule(index: int, raw: dict[str, Any]) -> m.TagRule:
    return m.TagRule(
        name=raw.get("name", f"tag-{raw['tag']}-{index}"),
        tag=raw["tag"],
        when=_condition(raw["when"]),
    )


def _assign(raw: dict[str, Any]) -> m.AssignRules:
    escalation = raw.get("escalation")
    return m.AssignRules(
        strategy=raw.get("strategy", "manual"),
        only_on_duty=raw.get("only_on_duty", True),
        agents=tuple(raw.get("agents", ())),
        fallback=_tuple(raw.get("fallback")),
        reassign_when_away=raw.get("reassign_when_away", True),
        routes=tuple(
            m.Route(
                name=r.get("name", f"route-{index}"), when=_condition(r["when"]), to=_tuple(r["to"])
            )
            for index, r in enumerate(raw.get("routes", ()))
        ),
        escalation=m.Escalation(
            before_breach=parse_duration(escalation["before_breach"]),
            to=_tuple(escalation.get("to", "@lead")),
        )
        if escalation
        else None,
    )


def _publish_target(raw: dict[str, Any], base: Path, language: str) -> m.PublishTarget:
    values = dict(raw)
    for key in ("path", "template"):
        if key in values:
            values[key] = str((base / Path(values[key]).expanduser()).resolve())
    values.setdefault("language", language)
    values["channels"] = tuple(values.get("channels", ()))
    values["round_to"] = _duration(values.get("round_to"), m.PublishTarget.round_to)
    return m.PublishTarget(**values)


def _meetings(raw: dict[str, Any]) -> m.Meetings:
    defaults = m.Meetings()
    return m.Meetings(
        duration=_duration(raw.get("duration"), defaults.duration),
        step=_duration(raw.get("step"), defaults.step),
        days=raw.get("days", defaults.days),
        edge_margin=_duration(raw.get("edge_margin"), defaults.edge_margin),
    )
