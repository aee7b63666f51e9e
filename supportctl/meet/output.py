"""The planner's reports as rows and documents: tables for every shared format, an
iCalendar file for ``--format ics`` and a standalone HTML grid for ``--format html``.

Rows carry instants in the viewer's zone (machine formats show the offset) and one
column per participant, named by the participant, holding their local time of the slot
and its mark: ``Sun 16:15-17:00 late``.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from supportctl.errors import SupportctlError
from supportctl.ics import Event, calendar, stable_uid
from supportctl.meet.participants import Participant
from supportctl.meet.planner import Cell, OverlapReport, PlanReport, SeriesReport, Slot
from supportctl.meet.search import Fit
from supportctl.render import ByFormat, Sections, Table
from supportctl.timekit.spec import DAY_NAMES

FREE_STATUSES = ("work", "soft")


def plan_output(report: PlanReport, *, title: str, stamp: datetime) -> ByFormat:
    """The ranked slots, or when none fits the near misses and who to leave out."""
    if report.slots:
        return ByFormat(
            _slot_table(report.participants, report.timezone, report.slots),
            {"ics": lambda: slots_ics(report.participants, report.slots, title, stamp)},
        )
    return ByFormat(_explanation(report), {"ics": _nothing_to_write})


def series_output(report: SeriesReport, *, title: str, stamp: datetime) -> ByFormat:
    """One row per week, then each participant's inconvenience over the series."""
    slots = [week.slot for week in report.weeks if week.slot is not None]
    weeks = Table(
        columns=("week", "start", "end", "score", *_names(report.participants), "note"),
        rows=[
            {"week": week.number, "note": "nothing fits this week"}
            if week.slot is None
            else {"week": week.number, **_slot_row(report.participants, report.timezone, week.slot)}
            for week in report.weeks
        ],
        headers=_headers(report.participants),
    )
    totals = Table(
        columns=("participant", "inconvenience", "early", "late", "soft"),
        rows=[{"participant": burden.name, **vars(burden)} for burden in report.totals],
    )
    return ByFormat(
        Sections({"weeks": weeks, "inconvenience": totals}),
        {"ics": lambda: slots_ics(report.participants, slots, title, stamp)},
    )


def overlap_output(report: OverlapReport) -> ByFormat:
    """The day's hours in every participant's zone, as rows or an HTML grid."""
    table = Table(
        columns=("time", *_names(report.participants), "everyone"),
        rows=[
            {
                "time": _viewer(hour.start, report.timezone),
                **{
                    p.name: _cell_text(cell.local, cell.status, report.day)
                    for p, cell in zip(report.participants, hour.cells, strict=True)
                },
                "everyone": _everyone(hour.cells),
            }
            for hour in report.hours
        ],
        headers=_headers(report.participants),
    )
    return ByFormat(table, {"html": lambda: overlap_html(report)})


def slots_ics(
    participants: Sequence[Participant], slots: Sequence[Slot], title: str, stamp: datetime
) -> str:
    """One VEVENT per slot, in UTC; the UID depends on who meets and when, so importing
    a later plan again updates the same events."""
    names = sorted(p.name for p in participants)
    events = [
        Event(
            uid=stable_uid(*names, slot.start.isoformat(), slot.end.isoformat()),
            start=slot.start,
            end=slot.end,
            summary=title,
            description="\n".join(
                f"{p.name} ({p.timezone}): {_fit_text(p, slot, fit)}"
                for p, fit in zip(participants, slot.fits, strict=True)
            )
            + f"\nscore {slot.score}",
        )
        for slot in slots
    ]
    return calendar(events, stamp=stamp, name=title)


def overlap_html(report: OverlapReport) -> str:
    """A standalone, printable HTML page: the grid with each cell's status in words and
    colour (colour alone would leave out some readers)."""
    e = html.escape
    head = "".join(
        f'<th scope="col">{e(p.name)}<br><small>{e(p.timezone)}</small></th>'
        for p in report.participants
    )
    body = "".join(
        f'<tr><th scope="row">{_viewer(hour.start, report.timezone):%H:%M}</th>'
        + "".join(
            f'<td class="{cell.status}">{e(_cell_text(cell.local, cell.status, report.day))}</td>'
            for cell in hour.cells
        )
        + f'<td class="everyone">{e(_everyone(hour.cells))}</td></tr>\n'
        for hour in report.hours
    )
    title = f"Working hours on {report.day.isoformat()} ({report.timezone})"
    return _HTML.format(title=e(title), zone=e(report.timezone), head=head, body=body)


_HTML = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; }}
table {{ border-collapse: collapse; }}
th, td {{ border: 1px solid #888; padding: .2em .6em; text-align: center; }}
.work {{ background: #bfe5b5; }}
.soft {{ background: #fbe7a1; }}
.part {{ background: #e4f1de; }}
.off {{ background: #f2f2f2; color: #444; }}
.holiday, .closure, .leave {{ background: #f4c7c3; }}
.everyone {{ font-weight: bold; }}
@media print {{ body {{ margin: 0; }} td {{ print-color-adjust: exact; }} }}
</style>
</head>
<body>
<h1>{title}</h1>
<table>
<caption>Each row is one hour in {zone}; each cell the participant's local time and
status: work, soft (meeting hours), part (some of the hour), off, holiday, closure or
leave; a weekday where their date differs from this one.</caption>
<thead><tr><th scope="col">{zone}</th>{head}<th scope="col">everyone</th></tr></thead>
<tbody>
{body}</tbody>
</table>
</body>
</html>
"""


def _nothing_to_write() -> str:
    raise SupportctlError(
        "no slot fits everyone, so there is no calendar to write",
        hint="run without --format ics to see the near misses",
    )


def _explanation(report: PlanReport) -> Sections:
    count = len(report.participants)
    near = Table(
        columns=("start", "end", "free", "blocked", "score"),
        rows=[
            {
                "start": _viewer(miss.slot.start, report.timezone),
                "end": _viewer(miss.slot.end, report.timezone),
                "free": f"{count - len(miss.blocked)}/{count}",
                "blocked": "; ".join(f"{name}: {why}" for name, why in miss.blocked),
                "score": miss.slot.score,
            }
            for miss in report.near_misses
        ],
    )
    without = Table(
        columns=("left_out", "fitting", "start", "end", "score"),
        rows=[
            {
                "left_out": left.name,
                "fitting": left.fitting,
                "start": _viewer(left.slot.start, report.timezone),
                "end": _viewer(left.slot.end, report.timezone),
                "score": left.slot.score,
            }
            for left in report.left_out
        ],
    )
    return Sections({"near_misses": near, "without": without})


def _slot_table(participants: Sequence[Participant], timezone: str, slots: Sequence[Slot]) -> Table:
    return Table(
        columns=("rank", "start", "end", "score", *_names(participants)),
        rows=[
            {"rank": rank, **_slot_row(participants, timezone, slot)}
            for rank, slot in enumerate(slots, 1)
        ],
        headers=_headers(participants),
    )


def _slot_row(participants: Sequence[Participant], timezone: str, slot: Slot) -> dict[str, Any]:
    return {
        "start": _viewer(slot.start, timezone),
        "end": _viewer(slot.end, timezone),
        "score": slot.score,
        **{p.name: _fit_text(p, slot, fit) for p, fit in zip(participants, slot.fits, strict=True)},
    }


def _fit_text(participant: Participant, slot: Slot, fit: Fit | None) -> str:
    """``Sun 16:15-17:00 late``: the slot on the participant's clock, and its mark."""
    start = _viewer(slot.start, participant.timezone)
    end = _viewer(slot.end, participant.timezone)
    end_day = f"{_weekday(end)} " if end.date() != start.date() else ""
    text = f"{_weekday(start)} {start:%H:%M}-{end_day}{end:%H:%M}"
    mark = "blocked" if fit is None else fit.mark
    return f"{text} {mark}" if mark else text


def _cell_text(local: datetime, status: str, day: date) -> str:
    """``09:30 work``; the weekday too when the participant's date is not the viewer's
    (``Sun 20:00 off``)."""
    weekday = f"{_weekday(local)} " if local.date() != day else ""
    return f"{weekday}{local:%H:%M} {status}"


def _everyone(cells: Sequence[Cell]) -> str:
    free = sum(1 for cell in cells if cell.status in FREE_STATUSES)
    return "yes" if free == len(cells) else f"{free}/{len(cells)}"


def _names(participants: Sequence[Participant]) -> tuple[str, ...]:
    return tuple(p.name for p in participants)


def _headers(participants: Sequence[Participant]) -> dict[str, str]:
    return {p.name: f"{p.name} ({p.timezone})" for p in participants}


def _viewer(instant: datetime, timezone: str) -> datetime:
    import pytz

    zone = pytz.timezone(timezone)
    return zone.normalize(instant.astimezone(zone))


def _weekday(moment: datetime) -> str:
    return DAY_NAMES[moment.weekday()].title()
