"""``report summary --format html``: one standalone, printable page with inline SVG charts.

No script, font, style sheet or image is fetched: the charts are SVG drawn here, so the
file reads the same offline, in a mail attachment and on paper. Arabic pages are
``dir="rtl"``; charts keep time running left to right, labelled in the page's language.
Charts: volume over time (created and resolved bars, the backlog line), the
first-response time distribution, the busiest-hours heat map and SLA compliance.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from html import escape

from supportctl.publish.language import Words, words_for
from supportctl.render import format_timedelta
from supportctl.reports.metrics import (
    HISTOGRAM_LABELS,
    SLA_CLOCKS,
    Compliance,
    GroupFigures,
    ReportData,
    Stats,
)
from supportctl.reports.periods import WEEK_STARTS

COLOURS = {"created": "#3b6fb6", "resolved": "#3a9a5b", "backlog": "#d9822b", "breached": "#c8453b"}
CHART_WIDTH, CHART_HEIGHT, MARGIN = 760, 230, 40
LABELS = {
    "en": {
        "title": "Support report",
        "period": "Period",
        "zone": "Times in",
        "created": "Created",
        "resolved": "Resolved",
        "reopened": "Reopened",
        "backlog": "Open at the end",
        "messages_in": "Customer messages",
        "messages_out": "Replies sent",
        "first_response": "First response",
        "first_response_business": "First response (business time)",
        "resolution": "Resolution",
        "resolution_business": "Resolution (business time)",
        "replies": "Replies per conversation",
        "metric": "Metric",
        "stats_table": "Response times and replies",
        "count": "Count",
        "median": "Median",
        "p90": "90th percentile",
        "mean": "Mean",
        "volume_chart": "Volume over time",
        "distribution_chart": "First-response time",
        "conversations": "conversations",
        "busiest_chart": "Busiest hours (customer messages)",
        "sla_chart": "SLA compliance",
        "met": "Met",
        "breached": "Breached",
        "running": "Running",
        "met_pct": "met",
        "none": "No data in this period.",
    },
    "ar": {
        "title": "تقرير الدعم",
        "period": "الفترة",
        "zone": "الأوقات بتوقيت",
        "created": "محادثات جديدة",
        "resolved": "تم حلها",
        "reopened": "أعيد فتحها",
        "backlog": "مفتوحة في نهاية الفترة",
        "messages_in": "رسائل العملاء",
        "messages_out": "الردود المرسلة",
        "first_response": "أول رد",
        "first_response_business": "أول رد (بوقت العمل)",
        "resolution": "الحل",
        "resolution_business": "الحل (بوقت العمل)",
        "replies": "الردود لكل محادثة",
        "metric": "المقياس",
        "stats_table": "أزمنة الاستجابة والردود",
        "count": "العدد",
        "median": "الوسيط",
        "p90": "المئين التسعون",
        "mean": "المتوسط",
        "volume_chart": "الحجم عبر الزمن",
        "distribution_chart": "زمن أول رد",
        "conversations": "محادثة",
        "busiest_chart": "أوقات الذروة (رسائل العملاء)",
        "sla_chart": "الالتزام باتفاقية مستوى الخدمة",
        "met": "ضمن الوقت",
        "breached": "تجاوز الوقت",
        "running": "جارية",
        "met_pct": "ضمن الوقت",
        "none": "لا توجد بيانات في هذه الفترة.",
    },
}
STYLE = """
body { font-family: "Noto Sans", "Noto Sans Arabic", "DejaVu Sans", Arial, sans-serif;
  margin: 2rem auto; max-width: 820px; color: #222; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { font-size: 1.15rem; margin: 1.6rem 0 .5rem; }
.meta { color: #555; margin: 0 0 1rem; }
.cards { display: grid; grid-template-columns: repeat(4, 1fr); gap: .6rem; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: .5rem .7rem; }
.card b { display: block; font-size: 1.3rem; }
.card span { color: #555; font-size: .85rem; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { border-bottom: 1px solid #e3e3e3; padding: .3rem .5rem; text-align: start; }
td.n { font-variant-numeric: tabular-nums; }
svg { width: 100%; height: auto; }
svg text { font-size: 11px; fill: #333; }
.legend span { display: inline-block; margin-inline-end: 1rem; font-size: .85rem; }
.legend i { display: inline-block; width: .8rem; height: .8rem; margin-inline-end: .3rem; }
section { break-inside: avoid; }
@page { size: A4; margin: 14mm; }
@media print { body { margin: 0; max-width: none; } .cards { gap: .3rem; } }
"""


def report_page(data: ReportData, series: ReportData, language: str) -> str:
    """The whole page: ``data`` for the period's figures (its first group), ``series``
    the same period by time step for the volume chart."""
    words, labels = words_for(language), LABELS[language]
    total = data.groups[0] if data.groups else GroupFigures(group=None)
    sections = [
        _cards(total, labels),
        _section(labels["volume_chart"], _volume_chart(series, labels)),
        _section(labels["distribution_chart"], _histogram(data, labels)),
        _section(labels["busiest_chart"], _heat_map(data, words, labels)),
        _section(labels["sla_chart"], _sla_chart(total.sla, labels)),
        _section(labels["stats_table"], _stats_table(total.stats, labels)),
    ]
    return (
        f'<!DOCTYPE html>\n<html lang="{words.code}" dir="{words.direction}">\n<head>\n'
        '<meta charset="utf-8">\n<meta name="viewport" content="width=device-width">\n'
        f"<title>{escape(labels['title'])} {escape(data.period.label)}</title>\n"
        f"<style>{STYLE}</style>\n</head>\n<body>\n"
        f"<h1>{escape(labels['title'])}</h1>\n"
        f'<p class="meta">{escape(labels["period"])}: <bdi>{escape(data.period.label)}</bdi>'
        f" · {escape(labels['zone'])} <bdi>{escape(data.timezone)}</bdi></p>\n"
        + "\n".join(sections)
        + "\n</body>\n</html>\n"
    )


def _section(title: str, body: str) -> str:
    return f"<section>\n<h2>{escape(title)}</h2>\n{body}\n</section>"


def _cards(total: GroupFigures, labels: dict[str, str]) -> str:
    volume = total.volume
    figures = [
        (labels["created"], f"{volume.created:,}"),
        (labels["resolved"], f"{volume.resolved:,}"),
        (labels["reopened"], f"{volume.reopened:,}"),
        (labels["backlog"], f"{volume.backlog:,}"),
        (labels["first_response"], _duration(total.stats.get("first_response"))),
        (labels["first_response_business"], _duration(total.stats.get("first_response_business"))),
        (labels["resolution"], _duration(total.stats.get("resolution"))),
        (f"SLA · {labels['first_response']}", _percent(total.sla.get("first_response"))),
        (f"SLA · {labels['resolution']}", _percent(total.sla.get("resolution"))),
        (labels["messages_in"], f"{volume.messages_in:,}"),
        (labels["messages_out"], f"{volume.messages_out:,}"),
        (f"{labels['replies']} ({labels['mean']})", _number(_mean(total, "replies"))),
    ]
    cards = "".join(
        f'<div class="card"><b><bdi>{escape(value)}</bdi></b><span>{escape(name)}</span></div>'
        for name, value in figures
    )
    return f'<div class="cards">{cards}</div>'


def _volume_chart(series: ReportData, labels: dict[str, str]) -> str:
    groups = series.groups
    if not groups:
        return f"<p>{escape(labels['none'])}</p>"
    top = max(max(g.volume.created, g.volume.resolved, g.volume.backlog) for g in groups) or 1
    step = (CHART_WIDTH - 2 * MARGIN) / len(groups)
    bar = max(step * 0.4, 0.5)
    parts = [_axis(top, labels["conversations"])]
    line = []
    every = max(1, len(groups) // 12)
    for index, group in enumerate(groups):
        x = MARGIN + index * step
        for offset, name in ((0.1, "created"), (0.5, "resolved")):
            value = getattr(group.volume, name)
            parts.append(_bar(x + step * offset, value, top, bar, COLOURS[name], value))
        line.append(f"{x + step / 2:.1f},{_y(group.volume.backlog, top):.1f}")
        if index % every == 0:
            parts.append(
                f'<text x="{x:.1f}" y="{CHART_HEIGHT - 22}">{escape(group.group or "")}</text>'
            )
    parts.append(
        f'<polyline points="{" ".join(line)}" fill="none" stroke="{COLOURS["backlog"]}"'
        ' stroke-width="2"/>'
    )
    return _svg(parts) + _legend(labels, ("created", "resolved", "backlog"))


def _histogram(data: ReportData, labels: dict[str, str]) -> str:
    bins = data.histograms.get("first_response", [])
    if not any(bins):
        return f"<p>{escape(labels['none'])}</p>"
    top = max(bins)
    step = (CHART_WIDTH - 2 * MARGIN) / len(bins)
    parts = [_axis(top, labels["conversations"])]
    for index, (count, name) in enumerate(zip(bins, HISTOGRAM_LABELS, strict=True)):
        x = MARGIN + index * step
        parts.append(_bar(x + step * 0.15, count, top, step * 0.7, COLOURS["created"], count))
        parts.append(f'<text x="{x + step * 0.3:.1f}" y="{CHART_HEIGHT - 22}">{name}</text>')
    return _svg(parts)


def _heat_map(data: ReportData, words: Words, labels: dict[str, str]) -> str:
    top = max(data.busiest.values(), default=0)
    if not top:
        return f"<p>{escape(labels['none'])}</p>"
    first = WEEK_STARTS[data.week_start]
    cell_width, cell_height, left = (CHART_WIDTH - 90) / 24, 22, 80
    parts = []
    for row, day in enumerate((first + step) % 7 for step in range(7)):
        y = 20 + row * cell_height
        parts.append(f'<text x="4" y="{y + 15}">{escape(words.weekdays[day])}</text>')
        for hour in range(24):
            count = data.busiest.get((day, hour), 0)
            parts.append(
                f'<rect x="{left + hour * cell_width:.1f}" y="{y}" width="{cell_width - 1:.1f}"'
                f' height="{cell_height - 1}" fill="{COLOURS["created"]}"'
                f' fill-opacity="{0.05 + 0.95 * count / top:.2f}">'
                f"<title>{escape(words.weekdays[day])} {hour:02d}:00 · {count}</title></rect>"
            )
    for hour in range(0, 24, 3):
        parts.append(f'<text x="{left + hour * cell_width:.1f}" y="14">{hour:02d}</text>')
    return _svg(parts, height=20 + 7 * cell_height + 8)


def _sla_chart(sla: dict[str, Compliance], labels: dict[str, str]) -> str:
    parts = []
    width = CHART_WIDTH - 280  # bars from x = 200, the share met to their right
    for row, clock in enumerate(SLA_CLOCKS):
        compliance = sla.get(clock, Compliance())
        y = 10 + row * 46
        x = 200.0
        parts.append(f'<text x="4" y="{y + 18}">{escape(labels[clock])}</text>')
        total = compliance.conversations or 1
        for name, colour in (("met", "resolved"), ("breached", "breached"), ("running", "backlog")):
            share = width * getattr(compliance, name) / total
            parts.append(
                f'<rect x="{x:.1f}" y="{y}" width="{share:.1f}" height="26"'
                f' fill="{COLOURS[colour]}"><title>{escape(labels[name])}:'
                f" {getattr(compliance, name)}</title></rect>"
            )
            x += share
        parts.append(
            f'<text x="{200 + width + 10}" y="{y + 18}">{escape(_percent(compliance))}</text>'
        )
    legend = _legend(
        labels, ("met", "breached", "running"), colours=("resolved", "breached", "backlog")
    )
    return _svg(parts, height=100) + legend


def _stats_table(stats: dict[str, Stats], labels: dict[str, str]) -> str:
    head = "".join(
        f"<th>{escape(labels[name])}</th>" for name in ("metric", "count", "median", "p90", "mean")
    )
    rows = []
    for metric, figures in stats.items():
        show = _number if metric == "replies" else _seconds
        cells = [f"{figures.count:,}", show(figures.median), show(figures.p90), show(figures.mean)]
        rows.append(
            f"<tr><td>{escape(labels[metric])}</td>"
            + "".join(f'<td class="n"><bdi>{escape(cell)}</bdi></td>' for cell in cells)
            + "</tr>"
        )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _svg(parts: Sequence[str], height: int = CHART_HEIGHT) -> str:
    return (
        f'<svg viewBox="0 0 {CHART_WIDTH} {height}" direction="ltr" role="img"'
        f' xmlns="http://www.w3.org/2000/svg">{"".join(parts)}</svg>'
    )


def _axis(top: int, unit: str) -> str:
    base = _y(0, top)
    return (
        f'<line x1="{MARGIN}" y1="{base:.1f}" x2="{CHART_WIDTH - MARGIN}" y2="{base:.1f}"'
        ' stroke="#999"/>'
        f'<text x="{MARGIN}" y="12">{top:,} {escape(unit)}</text>'
        f'<line x1="{MARGIN}" y1="{_y(top, top):.1f}" x2="{CHART_WIDTH - MARGIN}"'
        f' y2="{_y(top, top):.1f}" stroke="#eee"/>'
    )


def _bar(x: float, value: int, top: int, width: float, colour: str, title: int) -> str:
    y = _y(value, top)
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{_y(0, top) - y:.1f}"'
        f' fill="{colour}"><title>{title:,}</title></rect>'
    )


def _y(value: float, top: float) -> float:
    plot = CHART_HEIGHT - 2 * MARGIN
    return CHART_HEIGHT - MARGIN - plot * value / top


def _legend(
    labels: dict[str, str], names: Sequence[str], colours: Sequence[str] | None = None
) -> str:
    items = "".join(
        f'<span><i style="background:{COLOURS[colour]}"></i>{escape(labels[name])}</span>'
        for name, colour in zip(names, colours or names, strict=True)
    )
    return f'<p class="legend">{items}</p>'


def _mean(total: GroupFigures, metric: str) -> float | None:
    return total.stats.get(metric, Stats()).mean


def _duration(stats: Stats | None) -> str:
    return "–" if stats is None else _seconds(stats.median)


def _seconds(value: float | None) -> str:
    return "–" if value is None else format_timedelta(timedelta(seconds=round(value)))


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}".rstrip("0").rstrip(".")


def _percent(compliance: Compliance | None) -> str:
    if compliance is None or compliance.met_pct is None:
        return "–"
    return f"{compliance.met_pct:g}%"
