"""ImapSource.connect: plain, STARTTLS and IMAPS logins against the real Dovecot, and the
typed errors for refused logins, untrusted certificates and unreachable servers."""

from __future__ import annotations

import socket
import traceback
from collections.abc import Iterator

import pytest

from supportctl.errors import AuthenticationError, MailboxError
from supportctl.mail.imap import ImapSource
from tests.mail_imap.imap_helpers import connect, mailbox_for
from tests.servers.dovecot import DovecotServer


def login_line(server: DovecotServer, user: str) -> str:
    """Dovecot's log line for ``user``'s login: it ends in ``TLS`` when the session is."""
    lines = [line for line in server.log_text().splitlines() if f"Login: user=<{user}>" in line]
    assert len(lines) == 1, lines
    return lines[0]


def test_plain_login_with_security_none(dovecot: DovecotServer, fresh_dovecot_user: str) -> None:
    with connect(dovecot, fresh_dovecot_user) as source:
        assert source.folder_status("INBOX").messages == 0
    assert ", TLS" not in login_line(dovecot, fresh_dovecot_user)


def test_starttls_login_verified_with_ca_file(
    dovecot: DovecotServer, fresh_dovecot_user: str
) -> None:
    with connect(
        dovecot, fresh_dovecot_user, security="starttls", ca_file=str(dovecot.ca_file)
    ) as source:
        assert source.folder_status("INBOX").messages == 0
    assert ", TLS" in login_line(dovecot, fresh_dovecot_user)


def test_imaps_login_verified_with_ca_file(dovecot: DovecotServer, fresh_dovecot_user: str) -> None:
    with connect(
        dovecot,
        fresh_dovecot_user,
        security="tls",
        port=dovecot.imaps_port,
        ca_file=str(dovecot.ca_file),
    ) as source:
        assert source.folder_status("INBOX").messages == 0
    assert ", TLS" in login_line(dovecot, fresh_dovecot_user)


@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_certificate_not_trusted_without_the_ca(
    dovecot: DovecotServer, fresh_dovecot_user: str, security: str
) -> None:
    port = dovecot.imaps_port if security == "tls" else dovecot.imap_port
    with pytest.raises(MailboxError) as raised:
        connect(dovecot, fresh_dovecot_user, security=security, port=port)
    assert type(raised.value) is MailboxError
    assert raised.value.message.startswith(
        f"mailbox support: cannot connect to 127.0.0.1:{port}: TLS certificate not trusted ("
    )
    assert raised.value.hint == "set ca_file to the CA that signed the server's certificate"
    assert f"Login: user=<{fresh_dovecot_user}>" not in dovecot.log_text()


def test_verify_false_accepts_an_untrusted_certificate(
    dovecot: DovecotServer, fresh_dovecot_user: str
) -> None:
    with connect(
        dovecot, fresh_dovecot_user, security="tls", port=dovecot.imaps_port, verify=False
    ) as source:
        assert source.folder_status("INBOX").messages == 0
    assert ", TLS" in login_line(dovecot, fresh_dovecot_user)


def test_implicit_tls_against_the_plain_port_is_a_tls_failure(
    dovecot: DovecotServer, fresh_dovecot_user: str
) -> None:
    with pytest.raises(MailboxError, match=r"TLS failed \(WRONG_VERSION_NUMBER\)"):
        connect(dovecot, fresh_dovecot_user, security="tls", ca_file=str(dovecot.ca_file))


def test_wrong_password_is_refused_without_naming_it(
    dovecot: DovecotServer, fresh_dovecot_user: str
) -> None:
    wrong = "not-the-password-4711"
    mailbox = mailbox_for(dovecot, fresh_dovecot_user)
    with pytest.raises(AuthenticationError) as raised:
        ImapSource.connect(mailbox, password=wrong)
    error = raised.value
    assert error.message == (
        f"mailbox support: the server refused the login for {fresh_dovecot_user}"
    )
    everything_shown = str(error) + "".join(traceback.format_exception(error))
    assert wrong not in everything_shown
    assert dovecot.users[fresh_dovecot_user] not in everything_shown


def test_nothing_listening_is_a_mailbox_error(
    dovecot: DovecotServer, fresh_dovecot_user: str
) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        port = holder.getsockname()[1]
        with pytest.raises(MailboxError) as raised:
            connect(dovecot, fresh_dovecot_user, port=port)
    assert raised.value.message == (
        f"mailbox support: cannot connect to 127.0.0.1:{port}: Connection refused"
    )


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts connections and never says a word."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        yield listener.getsockname()[1]


def test_a_server_that_never_greets_times_out(
    dovecot: DovecotServer, fresh_dovecot_user: str, silent_server: int
) -> None:
    with pytest.raises(MailboxError) as raised:
        connect(dovecot, fresh_dovecot_user, port=silent_server, timeout=1)
    assert raised.value.message == (
        f"mailbox support: cannot connect to 127.0.0.1:{silent_server}: no answer within 1 s"
    )


def test_unreadable_ca_file_is_named(dovecot: DovecotServer, fresh_dovecot_user: str) -> None:
    with pytest.raises(MailboxError) as raised:
        connect(dovecot, fresh_dovecot_user, security="tls", ca_file="/nonexistent/ca.pem")
    assert raised.value.message == (
        "mailbox support: cannot use ca_file /nonexistent/ca.pem: No such file or directory"
    )


def test_close_after_the_server_cut_the_session_does_not_raise(
    dovecot: DovecotServer, fresh_dovecot_user: str
) -> None:
    source = connect(dovecot, fresh_dovecot_user)
    source.folder_status("INBOX")
    assert dovecot.kill_imap_processes() >= 1
    source.close()
    source.close()
