"""What every report figure means: defined once here (and in the README's "Reports").

The population of a period: **the conversations created in it** (``created_at`` in
``[start, end)``, local midnights of the reports' zone), after ``--mailbox``,
``--channel`` and ``--tag`` (all of them). Response times, replies and SLA compliance
are figures of that population; ``resolved``, ``reopened`` and the message counts are
things that happened in the period; ``backlog`` is a state at its end. Grouped by agent,
mailbox, channel or tag, a conversation counts under its current assignee, mailbox,
channel and each of its tags.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from supportctl.reports.periods import Period

DEFINITIONS: dict[str, str] = {
    "created": "conversations created in the period (their first message)",
    "resolved": "times a conversation was closed in the period: status changes to closed,"
    " and conversations created closed",
    "reopened": "status changes in the period from closed back to open or pending",
    "backlog": "conversations not closed at the end of the period",
    "messages_in": "customer messages received in the period (a message stored twice in"
    " one conversation counts once)",
    "messages_out": "team replies sent in the period, counted the same way",
    "first_response": "from creation to the team's first reply, wall clock",
    "first_response_business": "the same in business time on the conversation's SLA calendar",
    "resolution": "from creation to the resolution of a conversation closed now, wall clock",
    "resolution_business": "the same in business time on the conversation's SLA calendar",
    "replies": "team replies in a conversation, each message once",
    "met_pct": "SLA clocks met by their due time, as a percentage of those decided (met"
    " or breached); running clocks are not counted",
    "busiest": "customer messages of the period per local weekday and hour",
}
DURATIONS = ("first_response", "first_response_business", "resolution", "resolution_business")
DISTRIBUTION_METRICS = (*DURATIONS, "replies")
SLA_CLOCKS = ("first_response", "resolution")
VOLUME_FIELDS = ("created", "resolved", "reopened", "backlog", "messages_in", "messages_out")
STAT_FIELDS = ("count", "median", "p90", "mean")


@dataclass(frozen=True)
class Stats:
    """A distribution: how many values, their median, 90th percentile and mean
    (``percentile_cont``: interpolated between the nearest ranks); None when empty."""

    count: int = 0
    median: float | None = None
    p90: float | None = None
    mean: float | None = None


@dataclass(frozen=True)
class Compliance:
    """One SLA clock over the conversations with that target."""

    met: int = 0
    breached: int = 0
    running: int = 0

    @property
    def conversations(self) -> int:
        return self.met + self.breached + self.running

    @property
    def met_pct(self) -> float | None:
        decided = self.met + self.breached
        return round(100 * self.met / decided, 1) if decided else None


@dataclass(frozen=True)
class Volume:
    created: int = 0
    resolved: int = 0
    reopened: int = 0
    backlog: int = 0
    messages_in: int = 0
    messages_out: int = 0


@dataclass(frozen=True)
class GroupFigures:
    """Everything a report shows for one group (``group`` None: the whole period, or the
    NULL group such as unassigned conversations)."""

    group: str | None
    volume: Volume = Volume()
    stats: dict[str, Stats] = field(default_factory=dict)
    sla: dict[str, Compliance] = field(default_factory=dict)


@dataclass(frozen=True)
class ReportData:
    """A report's figures: ``by`` names the grouping (``""`` for none); ``busiest`` maps
    (weekday with Monday 0, hour) to messages; ``histograms`` maps a duration metric to
    conversations per bin of ``HISTOGRAM_LIMITS``."""

    period: Period
    timezone: str
    by: str
    groups: list[GroupFigures]
    business_time: bool = True
    week_start: str = "sun"
    busiest: dict[tuple[int, int], int] = field(default_factory=dict)
    histograms: dict[str, list[int]] = field(default_factory=dict)


# Bins of the response-time distribution chart (upper limits, seconds).
HISTOGRAM_LIMITS = (900, 3600, 4 * 3600, 8 * 3600, 86_400, 3 * 86_400)
HISTOGRAM_LABELS = ("<15m", "15m-1h", "1-4h", "4-8h", "8h-1d", "1-3d", ">3d")
