"""Reads survive a dropped connection: through the fixture's DroppingProxy, which cuts
the connection after a set number of bytes from the real Dovecot."""

from __future__ import annotations

import os
import re
import signal
import time

import pytest

from supportctl.errors import MailboxError
from supportctl.mail.imap import RETRY_DELAYS, ImapSource
from supportctl.mail.source import FetchedMessage
from tests.mail_imap.imap_helpers import NO_WAIT, mailbox_for, message_of
from tests.servers.dovecot import DovecotServer
from tests.servers.proxy import DroppingProxy

LOG_WAIT_SECONDS = 5.0
BODY_SIZE = 1500  # four messages make a batch of about 7 kB on the wire


def through_proxy(
    server: DovecotServer, user: str, proxy: DroppingProxy, sleep: list[float]
) -> ImapSource:
    """A source connected through ``proxy`` whose back-off waits are recorded in ``sleep``."""
    mailbox = mailbox_for(server, user, host=proxy.host, port=proxy.port)
    return ImapSource.connect(mailbox, password=server.users[user], sleep=sleep.append)


def summary(batches: list[list[FetchedMessage]]) -> list[list[tuple[int, bytes]]]:
    return [[(message.uid, message.header) for message in batch] for batch in batches]


@pytest.mark.parametrize("reset", [False, True], ids=["closed", "reset"])
def test_a_connection_cut_mid_batch_is_retried_and_the_batch_comes_back_whole(
    dovecot: DovecotServer, fresh_dovecot_user: str, dropping_proxy: DroppingProxy, reset: bool
) -> None:
    dovecot.append(fresh_dovecot_user, "INBOX", [message_of(n, BODY_SIZE) for n in range(1, 11)])
    with ImapSource.connect(
        mailbox_for(dovecot, fresh_dovecot_user), password=dovecot.users[fresh_dovecot_user]
    ) as direct:
        expected = list(direct.fetch_new("INBOX", after_uid=0, batch_size=4))
    waits: list[float] = []
    with through_proxy(dovecot, fresh_dovecot_user, dropping_proxy, waits) as source:
        batches = source.fetch_new("INBOX", after_uid=0, batch_size=4)
        received = [next(batches)]
        dropping_proxy.drop_after(3000, reset=reset)  # inside the second batch's answer
        received.extend(batches)
    assert received == expected
    assert [[m.uid for m in batch] for batch in received] == [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10]]
    assert (dropping_proxy.connections, dropping_proxy.drops) == (2, 1)
    assert waits == [RETRY_DELAYS[0]]


def test_a_read_cut_during_status_is_retried(
    dovecot: DovecotServer, fresh_dovecot_user: str, dropping_proxy: DroppingProxy
) -> None:
    dovecot.append(fresh_dovecot_user, "INBOX", [message_of(1)])
    waits: list[float] = []
    with through_proxy(dovecot, fresh_dovecot_user, dropping_proxy, waits) as source:
        dropping_proxy.drop_after(0)
        assert source.folder_status("INBOX").messages == 1
        dropping_proxy.drop_after(0)
        assert source.uids("INBOX") == {1}
    assert (dropping_proxy.connections, dropping_proxy.drops, waits) == (3, 2, [0.5, 0.5])


def test_a_connection_that_keeps_dropping_gives_up_after_the_bounded_attempts(
    dovecot: DovecotServer, fresh_dovecot_user: str, dropping_proxy: DroppingProxy
) -> None:
    dovecot.append(fresh_dovecot_user, "INBOX", [message_of(n) for n in range(1, 4)])
    waits: list[float] = []

    def wait_then_cut_the_next_connection(seconds: float) -> None:
        waits.append(seconds)
        dropping_proxy.drop_after(0)  # the reconnection is cut before its greeting

    mailbox = mailbox_for(
        dovecot, fresh_dovecot_user, host=dropping_proxy.host, port=dropping_proxy.port
    )
    source = ImapSource.connect(
        mailbox,
        password=dovecot.users[fresh_dovecot_user],
        sleep=wait_then_cut_the_next_connection,
    )
    dropping_proxy.drop_after(0)
    with pytest.raises(MailboxError) as raised:
        list(source.fetch_new("INBOX", after_uid=0, batch_size=2))
    source.close()
    assert waits == [0.5, 1.0, 2.0]
    assert (dropping_proxy.connections, dropping_proxy.drops) == (4, 4)
    assert raised.value.message == (
        f"mailbox support: connection to 127.0.0.1:{dropping_proxy.port} lost 4 times reading "
        f"folder INBOX: connection closed (socket error: EOF)"
    )


def test_a_new_uidvalidity_after_a_reconnection_stops_the_fetch(
    dovecot: DovecotServer, fresh_dovecot_user: str, dropping_proxy: DroppingProxy
) -> None:
    """The UIDs found before the cut would name other messages after it."""
    dovecot.append(fresh_dovecot_user, "INBOX", [message_of(n) for n in range(1, 5)])
    waits: list[float] = []
    with through_proxy(dovecot, fresh_dovecot_user, dropping_proxy, waits) as source:
        before = source.folder_status("INBOX").uidvalidity
        batches = source.fetch_new("INBOX", after_uid=0, batch_size=2)
        assert [m.uid for m in next(batches)] == [1, 2]
        after = dovecot.reset_uidvalidity(fresh_dovecot_user, "INBOX")
        dropping_proxy.drop_after(0)
        with pytest.raises(MailboxError) as raised:
            next(batches)
    assert raised.value.message == (
        f"mailbox support: folder INBOX changed its UIDVALIDITY from {before} to {after} "
        f"during the fetch"
    )


def session_process(server: DovecotServer, user: str, login_number: int) -> int:
    """The pid of the imap process serving ``user``'s n-th login, from Dovecot's log
    (its log process may write the line a moment after the login completes)."""
    deadline = time.monotonic() + LOG_WAIT_SECONDS
    while True:
        pids = re.findall(rf"Login: user=<{user}>.*?mpid=(\d+)", server.log_text())
        if len(pids) >= login_number or time.monotonic() > deadline:
            return int(pids[login_number - 1])
        time.sleep(0.01)


def test_a_read_that_times_out_is_retried_on_a_new_connection(
    dovecot: DovecotServer, fresh_dovecot_user: str
) -> None:
    """The session's imap process is frozen (SIGSTOP): the read waits ``timeout`` seconds,
    then a new connection, served by a new process, answers."""
    dovecot.append(fresh_dovecot_user, "INBOX", [message_of(n) for n in range(1, 4)])
    waits: list[float] = []
    mailbox = mailbox_for(dovecot, fresh_dovecot_user, timeout=1)
    password = dovecot.users[fresh_dovecot_user]
    with ImapSource.connect(
        mailbox, password=password, retry_delays=NO_WAIT, sleep=waits.append
    ) as source:
        frozen = session_process(dovecot, fresh_dovecot_user, login_number=2)
        os.kill(frozen, signal.SIGSTOP)
        try:
            assert source.uids("INBOX") == {1, 2, 3}
        finally:
            os.kill(frozen, signal.SIGCONT)
    assert waits == [0.0]
