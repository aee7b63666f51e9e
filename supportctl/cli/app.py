"""The one ``App`` a command receives: options, streams, clock, lazily loaded config and store."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from supportctl.errors import UsageError

if TYPE_CHECKING:
    from supportctl.config.model import Config
    from supportctl.render import Output

NOW_ENV = "SUPPORTCTL_NOW"  # fixes "now" for reproducible runs and tests


class App:
    def __init__(
        self,
        *,
        config_option: str | None,
        output_format: str,
        verbosity: int,
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
        environ: Mapping[str, str] | None = None,
        clock: Callable[[], datetime] | None = None,
    ):
        self.config_option = config_option
        self.output_format = output_format
        self.verbosity = verbosity
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr
        self.environ = environ if environ is not None else os.environ
        self._clock = clock
        self._closers: list[Callable[[], None]] = []

    # -- inputs -----------------------------------------------------------------

    @cached_property
    def config_path(self) -> Path:
        from supportctl.config import find_config

        return find_config(self.config_option, self.environ)

    @cached_property
    def config(self) -> Config:
        from supportctl.config import load_config

        config = load_config(self.config_path, self.environ)
        self.debug(f"config: {self.config_path}")
        return config

    def require_mailboxes(self, names: tuple[str, ...]) -> None:
        """Refuse a ``--mailbox`` the config does not define, naming the ones it does."""
        from supportctl.errors import NotFoundError

        known = {mailbox.name for mailbox in self.config.mailboxes}
        for name in names:
            if name not in known:
                raise NotFoundError(
                    f"no mailbox named {name!r}", hint=f"known: {', '.join(sorted(known))}"
                )

    @cached_property
    def store(self) -> Any:
        from supportctl.store import open_store

        store = open_store(self.config.store)
        self._closers.append(store.close)
        return store

    def now(self) -> datetime:
        """The current instant (UTC); ``$SUPPORTCTL_NOW`` fixes it."""
        if self._clock is not None:
            return self._clock()
        fixed = self.environ.get(NOW_ENV)
        if fixed:
            try:
                value = datetime.fromisoformat(fixed.replace("Z", "+00:00"))
            except ValueError as exc:
                raise UsageError(f"${NOW_ENV}={fixed!r} is not an ISO 8601 time") from exc
            return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
        return datetime.now(UTC)

    def viewer_timezone(self, explicit: str | None = None) -> str:
        """The zone tables show times in: ``--tz``, else the config's, else UTC."""
        if explicit:
            return explicit
        try:
            return self.config.timezone
        except Exception:  # a command that needs no config still renders
            return "UTC"

    # -- outputs ----------------------------------------------------------------

    def render(self, output: Output, *, tz: str | None = None) -> None:
        from supportctl.render import render

        render(output, self.output_format, self.stdout, tz=tz or self.viewer_timezone())

    def info(self, message: str) -> None:
        if self.verbosity >= 0:
            self.stderr.write(message + "\n")

    def warn(self, message: str) -> None:
        if self.verbosity >= 0:
            self.stderr.write(f"supportctl: warning: {message}\n")

    def debug(self, message: str) -> None:
        if self.verbosity > 0:
            self.stderr.write(f"supportctl: {message}\n")

    def close(self) -> None:
        while self._closers:
            self._closers.pop()()
