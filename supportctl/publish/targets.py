"""Where published expectations go: stdout, a file, or a Sieve auto-reply.

``publish(config, targets, now, dry_run=...)`` runs each target and returns one
``TargetOutcome`` per target; a target that fails is recorded and the others go on
(``PublishReport.exit_status``: 3 when some failed, 1 when all did).

A target is a config ``PublishTarget``; the command line makes one for a one-off page
(``publish --format html``). Each is known by a name derived from what it writes to:
the file name of a file target (``response-times.html``), ``sieve:MAILBOX``, or
``stdout``. Several targets may share a name; selecting it runs them all.

- **stdout**: the page, for the caller to print.
- **file**: written atomically (a temporary file in the same directory, then
  ``os.replace``), the directory created if missing, an existing file's permissions
  kept. Rewritten only when the content changed (``formats.same_content``: json and
  ics ignore their generation stamps), so a cron job does not churn: ``written`` or
  ``unchanged``.
- **sieve**: ``supportctl.publish.sieve.publish_sieve``. The auto-reply is written for
  the next closure window only (merged whole-day holidays and closures of the target's
  channels within its horizon), as of the window's first day: while a team is closed,
  its reopening and reply-by times stay the same, so the text is true for the whole
  window. A later run moves on to the next window once that one has passed.

With ``dry_run`` nothing is written or uploaded: file targets report ``would write`` or
``unchanged`` and return the content; the sieve target reports what it would do
(reading the server) and returns the script.
"""

from __future__ import annotations

import dataclasses
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from supportctl.config.model import Config, Mailbox, PublishTarget
from supportctl.errors import (
    ConfigError,
    ExitStatus,
    NotFoundError,
    SupportctlError,
    UsageError,
)
from supportctl.publish.expectations import Expectations, expectations, select_policies
from supportctl.publish.formats import render_expectations, same_content
from supportctl.publish.language import words_for

SIEVE_FORMATS = ("text", "markdown")


class PublishTargetError(SupportctlError):
    """A target could not be written (a file system error)."""


@dataclass(frozen=True)
class TargetOutcome:
    """What one target did. ``content`` is text for stdout: a stdout target's page, or
    what a dry run would write or upload."""

    target: str
    kind: str  # stdout | file | sieve
    destination: str  # "-", a file path, or a mailbox name
    action: str  # printed, written, unchanged, would write, uploaded, ..., failed
    error: str | None = None
    content: str | None = None

    @property
    def failed(self) -> bool:
        return self.error is not None


@dataclass(frozen=True)
class PublishReport:
    outcomes: tuple[TargetOutcome, ...]

    @property
    def exit_status(self) -> ExitStatus:
        failed = sum(outcome.failed for outcome in self.outcomes)
        if not failed:
            return ExitStatus.OK
        return ExitStatus.PARTIAL if failed < len(self.outcomes) else ExitStatus.FAILED


def target_name(target: PublishTarget) -> str:
    """``response-times.html`` for a file target, ``sieve:support``, or ``stdout``."""
    if target.target == "file" and target.path:
        return Path(target.path).name
    if target.target == "sieve":
        return f"sieve:{target.mailbox}"
    return target.target


def select_targets(config: Config, names: Sequence[str]) -> list[PublishTarget]:
    """The configured targets called ``names`` (every one when empty), in config order."""
    if not names:
        return list(config.publish)
    known = sorted({target_name(target) for target in config.publish})
    for name in names:
        if name not in known:
            raise NotFoundError(
                f"no publish target named {name!r}",
                hint=f"known: {', '.join(known)}" if known else "the config has no publish list",
            )
    return [target for target in config.publish if target_name(target) in names]


def choose_targets(
    config: Config,
    *,
    names: Sequence[str] = (),
    all_targets: bool = False,
    page_format: str | None = None,
    output: str | None = None,
    channels: Sequence[str] = (),
    language: str | None = None,
    horizon: int | None = None,
) -> list[PublishTarget]:
    """The targets a ``publish`` command line asks for.

    ``page_format`` or ``output`` ask for one page (to stdout, or the file ``output``);
    otherwise the configured targets ``names`` (all of them with ``all_targets`` or no
    names); a config without targets gets one text page on stdout. ``channels``,
    ``language`` and ``horizon`` override each target's own when given.
    """
    one_page = page_format is not None or output is not None
    if one_page and (names or all_targets):
        raise UsageError(
            "--format/--output render one page; --target/--all run configured targets",
            hint="use one or the other",
        )
    if names and all_targets:
        raise UsageError("--target and --all exclude each other")
    select_policies(config, channels)  # an unknown channel is the command line's fault
    if one_page or not config.publish:
        kind = "file" if output else "stdout"
        chosen = [PublishTarget(kind, page_format or "text", config.language, path=output)]
    else:
        chosen = select_targets(config, names)
    return [
        dataclasses.replace(
            target,
            channels=tuple(channels) or target.channels,
            language=language or target.language,
            horizon=horizon or target.horizon,
        )
        for target in chosen
    ]


def publish(
    config: Config, targets: Sequence[PublishTarget], now: datetime, *, dry_run: bool
) -> PublishReport:
    """Run each of ``targets`` at ``now``; a failing target does not stop the others."""
    outcomes = []
    for target in targets:
        try:
            outcome = run_target(config, target, now, dry_run=dry_run)
        except SupportctlError as exc:
            outcome = TargetOutcome(
                target_name(target), target.target, _destination(target), "failed", str(exc)
            )
        outcomes.append(outcome)
    return PublishReport(tuple(outcomes))


def run_target(
    config: Config, target: PublishTarget, now: datetime, *, dry_run: bool
) -> TargetOutcome:
    """Publish one target; raises ``SupportctlError`` when it fails."""
    if target.target == "sieve":
        return _run_sieve(config, target, now, dry_run=dry_run)
    content = render_expectations(
        _expectations(config, target, now), target.format, _template(target)
    )
    outcome = TargetOutcome(target_name(target), target.target, _destination(target), "printed")
    if target.target == "stdout":
        return dataclasses.replace(outcome, content=content)
    if not target.path:
        raise ConfigError(f"publish target {outcome.target}: a file target needs 'path'")
    action = write_file(Path(target.path), content, target.format, dry_run=dry_run)
    shown = content if action == "would write" else None
    return dataclasses.replace(outcome, action=action, content=shown)


def write_file(path: Path, content: str, fmt: str, *, dry_run: bool) -> str:
    """Write ``content`` to ``path`` atomically unless it says the same already.

    Returns ``written``, ``unchanged`` or (dry run) ``would write``.
    """
    try:
        old: str | None = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):  # missing, or not text: (re)write it
        old = None
    if old is not None and same_content(fmt, old, content):
        return "unchanged"
    if dry_run:
        return "would write"
    try:
        _replace_atomically(path, content.encode("utf-8"))
    except OSError as exc:
        raise PublishTargetError(f"cannot write {path}: {exc.strerror or exc}") from exc
    return "written"


def next_window(report: Expectations) -> tuple[date, date] | None:
    """The first run of whole days covered by holidays or closures (any channel's, merged
    when they overlap or touch); the report lists only those not over yet."""
    spans = sorted(
        (period.start, period.end)
        for channel in report.channels
        for period in channel.periods
        if not isinstance(period.start, datetime) and not isinstance(period.end, datetime)
    )
    if not spans:
        return None
    first, last = spans[0]
    for start, end in spans[1:]:
        if (start - last).days > 1:
            break
        last = max(last, end)
    return first, last


def _run_sieve(
    config: Config, target: PublishTarget, now: datetime, *, dry_run: bool
) -> TargetOutcome:
    from supportctl.config.secrets import mailbox_password
    from supportctl.publish.sieve import publish_sieve

    if target.format not in SIEVE_FORMATS:
        raise ConfigError(
            f"a sieve target sends plain text, not {target.format}",
            hint=f"use format {' or '.join(SIEVE_FORMATS)}",
        )
    mailbox = _mailbox(config, target)
    report, window = _sieve_reply(config, target, now)
    password = mailbox_password(mailbox)
    outcome = publish_sieve(
        mailbox,
        password=password,
        script_name=target.script_name,
        body=render_expectations(report, target.format, _template(target)),
        subject=words_for(report.language).sieve_subject,
        windows=[window] if window else [],
        timezone=report.channels[0].timezone,
        during=target.during,
        dry_run=dry_run,
    )
    return TargetOutcome(
        target_name(target),
        "sieve",
        mailbox.name,
        outcome.action,
        content=outcome.script if dry_run else None,
    )


def _sieve_reply(
    config: Config, target: PublishTarget, now: datetime
) -> tuple[Expectations, tuple[date, date] | None]:
    """What the auto-reply says, and the window it answers in (None: always, or no
    window ahead). The reply goes out during the window, so it says what will be true
    from the window's first day on, not what is true now."""
    current = _expectations(config, target, now)
    window = next_window(current) if target.during == "closures" else None
    if window is None:
        return current, None
    starts = _local_midnight(window[0], current.channels[0].timezone)
    return (_expectations(config, target, starts) if starts > now else current), window


def _expectations(config: Config, target: PublishTarget, now: datetime) -> Expectations:
    return expectations(
        config,
        now,
        channels=target.channels,
        language=target.language,
        horizon=target.horizon,
        round_to=target.round_to,
    )


def _template(target: PublishTarget) -> Path | None:
    return Path(target.template) if target.template else None


def _mailbox(config: Config, target: PublishTarget) -> Mailbox:
    try:
        return config.mailbox(target.mailbox or "")
    except KeyError:
        raise NotFoundError(
            f"publish target {target_name(target)}: no mailbox named {target.mailbox!r}"
        ) from None


def _destination(target: PublishTarget) -> str:
    if target.target == "file":
        return target.path or ""
    if target.target == "sieve":
        return target.mailbox or ""
    return "-"


def _local_midnight(day: date, timezone: str) -> datetime:
    import pytz

    zone = pytz.timezone(timezone)
    return zone.normalize(zone.localize(datetime.combine(day, time())))


def _replace_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it over ``path``."""
    import tempfile  # here, not at the top: it costs ~15 ms of start-up

    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    descriptor, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
