"""The sieve target: a vacation auto-reply uploaded to the mailbox's server over ManageSieve.

``publish_sieve`` writes a Sieve script (RFC 5228) whose ``vacation`` action (RFC 5230)
answers customers while the team is closed, and makes it the active script. How it
behaves, and why:

- **Bounded by date.** Each closure window is a test on the server's clock,
  ``currentdate`` (``date`` extension, RFC 5260) compared with ``"ge"``/``"le"``
  (``relational``, RFC 5231), so a script uploaded weeks early stays silent until the
  first day and falls silent again after the last. ``during="always"`` leaves the test
  out.
- **Local dates, DST included.** ``currentdate :zone`` takes a fixed UTC offset, not a
  zone name. Each bound carries the offset that puts midnight exactly where the local day
  begins: the start bound the offset at the first day's start, the end bound the offset
  at the start of the day after the last. A window across a DST change thus opens and
  closes at local midnight; when a day begins in a DST gap (clocks jumping at midnight),
  it begins at the transition, as ``BusinessCalendar.wall_to_us`` says.
- **Ours only.** The script's first line carries ``MARK``. A script of the same name
  without it is the user's: it is never replaced or deleted (MailboxError).
- **The user's rules keep running.** ManageSieve activates one script at a time. If
  another script is active when ours is installed, ours includes it (``include
  :personal :optional``, RFC 6609) after the vacation action, and names it in a header
  comment (``USER_SCRIPT``). Vacation comes first so that a user rule ending in ``stop``
  cannot silence the auto-reply; ``:optional`` keeps ours working if the user deletes
  theirs. A script of their own that also uses ``vacation`` makes the two collide at
  delivery (RFC 5230 allows one vacation action per message). If the active script is
  another supportctl target's, publishing refuses: two would include each other.
- **Removal restores.** With ``during="closures"`` and no windows, our script is
  removed: the script it names is activated again (if it still exists; otherwise none
  is), then ours is deleted. Until then a past window merely stays silent.
- **The server checks first.** A new script goes through CHECKSCRIPT (RFC 5804 §2.12)
  before PUTSCRIPT; a refusal raises ScriptRejectedError with the server's words and
  nothing is uploaded or activated.
- **No churn.** The script is uploaded only when its text differs from the stored one,
  and activated only when it is not active already; otherwise the action is
  ``unchanged``.
- **Dry run connects read-only.** What would be uploaded depends on the server (which
  script to include, whether anything changed), so a dry run logs in and uses only
  LISTSCRIPTS, GETSCRIPT and CHECKSCRIPT, which change nothing; the outcome's action is
  ``would upload``, ``would activate``, ``would remove`` or ``unchanged``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from supportctl.config.model import Mailbox
from supportctl.errors import MailboxError, UsageError
from supportctl.publish.managesieve import ManageSieveClient, connect_mailbox
from supportctl.timekit.calendar import BusinessCalendar, from_epoch_us

MARK = "# supportctl:managed"
MARK_LINE = f"{MARK} vacation auto-reply, written by `supportctl publish`; edits are overwritten."
USER_SCRIPT = "# supportctl:user-script "  # + the included script's name as a JSON string
DURING = ("closures", "always")
# One reply per sender per day (RFC 5230 §4.1): a customer who writes again the next day
# is told again that the team is away.
VACATION_DAYS = 1
CRLF = "\r\n"  # RFC 5228 §8.1: the grammar ends Sieve lines in CRLF
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_ONE_DAY = timedelta(days=1)
_ONE_MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class SieveOutcome:
    """What ``publish_sieve`` did (or, in a dry run, would do).

    ``action``: uploaded, activated, removed, unchanged, would upload, would activate or
    would remove. ``script``: the text now on the server (or that would be); "" when
    there is none. ``user_script``: the user's own script that ours includes, or that
    was re-activated when ours was removed; None if none. ``server_messages``: the
    server's warnings about the script.
    """

    action: str
    script_name: str
    script: str
    user_script: str | None = None
    server_messages: tuple[str, ...] = ()


@dataclass(frozen=True)
class _ServerState:
    """The user's scripts as LISTSCRIPTS and GETSCRIPT found them."""

    names: frozenset[str]
    active: str | None
    ours: str | None  # our script's text, if it exists
    user_script: str | None  # the script ours must include (and later restore)

    @classmethod
    def read(cls, client: ManageSieveClient, script_name: str) -> _ServerState:
        entries = client.list_scripts()
        names = frozenset(entry.name for entry in entries)
        active = next((entry.name for entry in entries if entry.active), None)
        ours = client.get_script(script_name) if script_name in names else None
        if ours is not None and not is_supportctl_script(ours):
            raise MailboxError(
                f"the server's script {script_name!r} was not written by supportctl",
                hint="set another script_name on the sieve target; supportctl never "
                "replaces a script it does not own",
            )
        if active is None:
            user_script = None
        elif active == script_name:
            remembered = included_user_script(ours or "")
            user_script = remembered if remembered in names else None
        else:
            _refuse_other_target(active, client.get_script(active))
            user_script = active
        return cls(names, active, ours, user_script)


def publish_sieve(
    mailbox: Mailbox,
    *,
    password: str,
    script_name: str,
    body: str,
    subject: str,
    windows: Sequence[tuple[date, date]],
    timezone: str,
    during: str,
    dry_run: bool,
) -> SieveOutcome:
    """Install (or update, or remove) the vacation auto-reply on ``mailbox``'s server.

    ``windows`` are inclusive local-date ranges in ``timezone`` when the auto-reply
    applies (closures, holidays). ``during`` is the sieve target's config key:
    ``"closures"`` answers within ``windows`` only, and removes our script when there
    are none; ``"always"`` answers always and ignores ``windows``. The reply is ``body``
    under ``subject``, sent at most once a day per sender, to mail addressed to the
    mailbox's ``addresses``. See the module docstring for the rules.

    >>> publish_sieve(mailbox, password="...", script_name="supportctl", body="...",
    ...               subject="Closed for Eid", windows=[(date(2026, 3, 19), date(2026, 3, 24))],
    ...               timezone="Asia/Riyadh", during="closures", dry_run=False).action
    'uploaded'

    Raises ScriptRejectedError (the server's words, nothing changed) when the server
    refuses the script, AuthenticationError for refused credentials, MailboxError when
    the server cannot be reached or the script name belongs to a script of the user's.
    """
    if during not in DURING:
        raise UsageError(f"unknown during {during!r}: use one of {', '.join(DURING)}")
    with connect_mailbox(mailbox, password=password) as client:
        state = _ServerState.read(client, script_name)
        if during == "closures" and not windows:
            return _remove(client, state, script_name, dry_run=dry_run)
        script = vacation_script(
            body=body,
            subject=subject,
            addresses=mailbox.addresses,
            windows=windows,
            timezone=timezone,
            during=during,
            user_script=state.user_script,
        )
        return _install(client, state, script_name, script, dry_run=dry_run)


def _install(
    client: ManageSieveClient, state: _ServerState, name: str, script: str, *, dry_run: bool
) -> SieveOutcome:
    changed = state.ours != script
    activate = state.active != name
    if not changed and not activate:
        return SieveOutcome("unchanged", name, script, state.user_script)
    # CHECKSCRIPT stores nothing, so a refused script leaves the server as it was.
    warnings = client.check_script(script) if changed else ()
    done, planned = ("uploaded", "would upload") if changed else ("activated", "would activate")
    if dry_run:
        return SieveOutcome(planned, name, script, state.user_script, warnings)
    if changed:
        client.put_script(name, script)
    if activate:
        client.set_active(name)
    return SieveOutcome(done, name, script, state.user_script, warnings)


def _remove(
    client: ManageSieveClient, state: _ServerState, name: str, *, dry_run: bool
) -> SieveOutcome:
    if state.ours is None:
        return SieveOutcome("unchanged", name, "")
    # Only when ours is active is there a script of the user's to give the place back to.
    restored = state.user_script if state.active == name else None
    if dry_run:
        return SieveOutcome("would remove", name, "", restored)
    if state.active == name:
        client.set_active(restored or "")  # the server refuses to delete the active script
    client.delete_script(name)
    return SieveOutcome("removed", name, "", restored)


def _refuse_other_target(name: str, script: str) -> None:
    if is_supportctl_script(script):
        raise MailboxError(
            f"the active script {name!r} is another supportctl sieve target's",
            hint="publish one sieve target per mailbox (each would include the other)",
        )


# -- the script ---------------------------------------------------------------------------


def vacation_script(
    *,
    body: str,
    subject: str,
    addresses: Sequence[str],
    windows: Sequence[tuple[date, date]],
    timezone: str,
    during: str,
    user_script: str | None,
) -> str:
    """The Sieve script (CRLF line ends) answering with ``body`` during ``windows``.

    >>> print(vacation_script(body="Closed.", subject="Eid", addresses=["support@example.com"],
    ...     windows=[(date(2026, 3, 19), date(2026, 3, 24))], timezone="Asia/Riyadh",
    ...     during="closures", user_script="filters"))
    # supportctl:managed vacation auto-reply, written by `supportctl publish`; edits are ...
    # supportctl:user-script "filters"
    require ["date", "include", "relational", "vacation"];
    if anyof(allof(currentdate :zone "+0300" :value "ge" "date" "2026-03-19",
                   currentdate :zone "+0300" :value "le" "date" "2026-03-24")) {
      vacation :days 1 :subject "Eid" :addresses ["support@example.com"] "Closed.";
    }
    include :personal :optional "filters";
    """
    extensions = {"vacation"}
    lines = [MARK_LINE]
    if user_script is not None:
        extensions.add("include")
        lines.append(USER_SCRIPT + json.dumps(user_script))
    vacation = _vacation_command(body, subject, addresses)
    if during == "always":
        rule = vacation
    else:
        extensions.update({"date", "relational"})
        rule = f"if {_windows_test(windows, timezone)} {{{CRLF}  {vacation}{CRLF}}}"
    lines += [f"require {_string_list(sorted(extensions))};", rule]
    if user_script is not None:
        lines.append(f"include :personal :optional {sieve_string(user_script)};")
    return CRLF.join(lines) + CRLF


def is_supportctl_script(script: str) -> bool:
    """Whether ``script`` carries supportctl's mark on its first line."""
    first_line = script.split("\n", 1)[0].rstrip("\r")
    return first_line == MARK or first_line.startswith(MARK + " ")


def included_user_script(script: str) -> str | None:
    """The user's script named in our script's header, or None."""
    for line in script.splitlines():
        if line.startswith(USER_SCRIPT):
            try:
                name = json.loads(line.removeprefix(USER_SCRIPT))
            except json.JSONDecodeError:
                return None  # hand-edited beyond reading: restore nothing rather than guess
            return name if isinstance(name, str) else None
    return None


def sieve_string(value: str) -> str:
    """``value`` as a Sieve string (RFC 5228 §2.4.2): quoted, with ``"`` and ``\\``
    escaped; or, when it holds line breaks, a multi-line ``text:`` ... ``.`` whose lines
    starting with a dot are dot-stuffed. Line breaks become CRLF."""
    if _LINE_BREAK.search(value) is None:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    lines = _LINE_BREAK.split(value)
    if lines[-1] == "":
        lines.pop()  # a final line break ends the last line, it does not start another
    stuffed = ("." + line if line.startswith(".") else line for line in lines)
    return "text:" + CRLF + "".join(line + CRLF for line in stuffed) + "." + CRLF


def _string_list(values: Sequence[str]) -> str:
    return "[" + ", ".join(sieve_string(value) for value in values) + "]"


def _vacation_command(body: str, subject: str, addresses: Sequence[str]) -> str:
    # A subject is one header line: line breaks in it become spaces.
    arguments = [f":days {VACATION_DAYS}", f":subject {sieve_string(' '.join(subject.split()))}"]
    if addresses:
        arguments.append(f":addresses {_string_list(addresses)}")
    return f"vacation {' '.join(arguments)} {sieve_string(body)};"


def _windows_test(windows: Sequence[tuple[date, date]], timezone: str) -> str:
    """``anyof(allof(<on or after start>, <on or before end>), ...)``, one per window."""
    if not windows:
        raise UsageError("a date-bounded vacation script needs at least one window")
    zone = BusinessCalendar(timezone, timezone, {})  # only its wall-clock conversion is used
    tests = []
    for start, end in sorted(set(windows)):
        if end < start:
            raise UsageError(f"window {start} to {end} ends before it starts")
        tests.append(
            f'allof(currentdate :zone "{_offset_at_midnight(zone, start)}" :value "ge" '
            f'"date" "{start.isoformat()}",{CRLF}'
            f'               currentdate :zone "{_offset_at_midnight(zone, end + _ONE_DAY)}" '
            f':value "le" "date" "{end.isoformat()}")'
        )
    return "anyof(" + f",{CRLF}         ".join(tests) + ")"


def _offset_at_midnight(zone: BusinessCalendar, day: date) -> str:
    """The fixed UTC offset (``+HHMM``, as ``currentdate :zone`` takes it) at which
    midnight of ``day`` is the instant ``day`` begins in ``zone``'s local time."""
    midnight = datetime.combine(day, time())
    begins = from_epoch_us(zone.wall_to_us(midnight)).replace(tzinfo=None)
    minutes = (midnight - begins) // _ONE_MINUTE
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}{minutes:02d}"
