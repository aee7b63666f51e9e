"""Typed errors and the one exit-status enum.

The core raises these; only ``supportctl.cli`` turns them into a message on stderr and
an exit code.
"""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    """Every exit code supportctl uses (documented in ``--help`` and README)."""

    OK = 0
    FAILED = 1
    USAGE = 2  # usage error or invalid config
    PARTIAL = 3  # some items (mailboxes, targets) failed, others succeeded
    LOCKED = 75  # EX_TEMPFAIL: another run holds the lock; cron retries next time
    INTERRUPTED = 130
    BROKEN_PIPE = 141  # 128 + SIGPIPE: the reader went away (`| head`), as the shell reports it


class SupportctlError(Exception):
    """Base of every expected error: one line a person can act on.

    ``where`` names the place (``config.yaml:14:5``), ``hint`` what to do about it.
    """

    exit_status: ExitStatus = ExitStatus.FAILED

    def __init__(self, message: str, *, where: str | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.where = where
        self.hint = hint

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        return f"{text} ({self.hint})" if self.hint else text


class UsageError(SupportctlError):
    """The command line asks for something that cannot be done."""

    exit_status = ExitStatus.USAGE


class ConfigError(SupportctlError):
    """The config file cannot be read or is invalid."""

    exit_status = ExitStatus.USAGE


class SecretError(ConfigError):
    """A secret (``${VAR}``, ``password_command``, ``password_file``) cannot be resolved."""


class StoreError(SupportctlError):
    """The store cannot be opened, migrated or queried."""


class LockedError(SupportctlError):
    """Another run holds the lock."""

    exit_status = ExitStatus.LOCKED


class NotFoundError(SupportctlError):
    """A named thing (conversation, agent, mailbox, calendar) does not exist."""

    exit_status = ExitStatus.USAGE


class MailboxError(SupportctlError):
    """A mailbox cannot be reached, logged in to, or read."""


class AuthenticationError(MailboxError):
    """The server refused the mailbox's credentials."""
