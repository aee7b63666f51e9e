"""ManageSieveClient against the real Dovecot ManageSieve (Pigeonhole): logins plain and
over STARTTLS, every command, the server's own script check, and the typed errors."""

from __future__ import annotations

import base64
import socket
from typing import Any

import pytest

from supportctl.errors import AuthenticationError, MailboxError
from supportctl.publish.managesieve import (
    ManageSieveClient,
    ScriptEntry,
    ScriptRejectedError,
    SieveCommandError,
    connect_mailbox,
)
from tests.mail_imap.imap_helpers import TIMEOUT_SECONDS, mailbox_for
from tests.servers.dovecot import DovecotServer

# Stored and read back byte for byte: CRLF, quotes, a backslash, Arabic, a leading dot.
USER_SCRIPT = (
    'require ["imap4flags"];\r\n'
    '# "quoted" \\ and Arabic: مغلق للعيد\r\n'
    'if header :contains "subject" "urgent" {\r\n  addflag "\\\\Flagged";\r\n}\r\n'
)


@pytest.fixture
def user_with_active_script(dovecot: DovecotServer, fresh_dovecot_user: str) -> str:
    """A user of its own whose script ``mine`` (USER_SCRIPT) is the active one."""
    dovecot.install_sieve_script(fresh_dovecot_user, "mine", USER_SCRIPT)
    return fresh_dovecot_user


def connect(server: DovecotServer, user: str, **settings: Any) -> ManageSieveClient:
    mailbox = mailbox_for(server, user, sieve_port=server.sieve_port, **settings)
    return connect_mailbox(mailbox, password=server.users[user])


def sieve_login_line(server: DovecotServer, user: str) -> str:
    """Dovecot's ManageSieve login line for ``user``: it says ``TLS`` when the session is."""
    prefix = f"managesieve-login: Info: Login: user=<{user}>"
    lines = [line for line in server.log_text().splitlines() if prefix in line]
    assert len(lines) == 1, lines
    return lines[0]


def test_greeting_lists_the_capabilities(dovecot: DovecotServer) -> None:
    client = ManageSieveClient.connect(dovecot.host, dovecot.sieve_port, timeout=TIMEOUT_SECONDS)
    try:
        extensions = client.capabilities["SIEVE"].split()
        assert {"vacation", "date", "relational", "include"} <= set(extensions)
        assert "PLAIN" in client.capabilities["SASL"].split()
        assert "STARTTLS" in client.capabilities
    finally:
        client.logout()


def test_plain_login_with_security_none(dovecot: DovecotServer, fresh_dovecot_user: str) -> None:
    with connect(dovecot, fresh_dovecot_user) as client:
        assert client.list_scripts() == []
    assert ", TLS," not in sieve_login_line(dovecot, fresh_dovecot_user)


@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_tls_and_starttls_both_mean_starttls_on_the_sieve_port(
    dovecot: DovecotServer, fresh_dovecot_user: str, security: str
) -> None:
    with connect(
        dovecot, fresh_dovecot_user, security=security, ca_file=str(dovecot.ca_file)
    ) as client:
        # Read again after the handshake (RFC 5804 §2.2): STARTTLS is no longer offered.
        assert "STARTTLS" not in client.capabilities
        assert "vacation" in client.capabilities["SIEVE"].split()
        assert client.list_scripts() == []
    assert ", TLS," in sieve_login_line(dovecot, fresh_dovecot_user)


def test_certificate_not_trusted_without_the_ca(
    dovecot: DovecotServer, fresh_dovecot_user: str
) -> None:
    with pytest.raises(MailboxError) as raised:
        connect(dovecot, fresh_dovecot_user, security="starttls")
    assert "TLS certificate not trusted" in str(raised.value)
    assert f"ManageSieve {dovecot.host}:{dovecot.sieve_port}" in str(raised.value)


def test_wrong_password_is_refused_without_naming_it(
    dovecot: DovecotServer, fresh_dovecot_user: str
) -> None:
    password = "not-the-password-7f3a"
    mailbox = mailbox_for(dovecot, fresh_dovecot_user, sieve_port=dovecot.sieve_port)
    with pytest.raises(AuthenticationError) as raised:
        connect_mailbox(mailbox, password=password)
    message = str(raised.value)
    assert f"refused the login for {fresh_dovecot_user}" in message
    assert "Authentication failed" in message  # the server's own words
    encoded = base64.b64encode(f"\0{fresh_dovecot_user}\0{password}".encode()).decode()
    assert password not in message and encoded not in message
    assert raised.value.__cause__ is None


def test_a_closed_port_is_a_mailbox_error(dovecot: DovecotServer) -> None:
    with socket.socket() as sock:
        sock.bind((dovecot.host, 0))
        closed_port = sock.getsockname()[1]
    with pytest.raises(MailboxError) as raised:
        ManageSieveClient.connect(dovecot.host, closed_port, timeout=TIMEOUT_SECONDS)
    assert "cannot connect: Connection refused" in str(raised.value)


def test_scripts_round_trip_through_every_command(
    dovecot: DovecotServer, fresh_dovecot_user: str
) -> None:
    odd_name = 'filters "2026" \\ ش'  # a quoted string with escapes, and UTF-8
    with connect(dovecot, fresh_dovecot_user) as client:
        assert client.put_script(odd_name, USER_SCRIPT) == ()
        client.put_script("other", "keep;\r\n")
        assert sorted(client.list_scripts(), key=lambda entry: entry.name) == [
            ScriptEntry(odd_name, active=False),
            ScriptEntry("other", active=False),
        ]
        client.set_active(odd_name)
        assert ScriptEntry(odd_name, active=True) in client.list_scripts()
        assert client.get_script(odd_name) == USER_SCRIPT
        client.delete_script("other")
        client.set_active("")
        assert client.list_scripts() == [ScriptEntry(odd_name, active=False)]
    stored = dovecot.home_of(fresh_dovecot_user) / "sieve" / f"{odd_name}.sieve"
    assert stored.read_bytes() == USER_SCRIPT.encode()


def test_check_script_reports_the_servers_words(
    dovecot: DovecotServer, fresh_dovecot_user: str
) -> None:
    with connect(dovecot, fresh_dovecot_user) as client:
        with pytest.raises(ScriptRejectedError) as raised:
            client.check_script("keep;\r\nfrobnicate;\r\n")
        # Dovecot sends this one as a literal: {n} CRLF and several lines.
        assert "line 2: error: unknown command 'frobnicate'" in raised.value.server_text
        assert "\n" not in str(raised.value)  # one line for the person reading it
        assert "rejected the script (CHECKSCRIPT): line 2: error" in str(raised.value)
        assert client.list_scripts() == []  # checking stores nothing


def test_check_script_returns_the_servers_warnings(
    dovecot: DovecotServer, fresh_dovecot_user: str
) -> None:
    with connect(dovecot, fresh_dovecot_user) as client:
        warnings = client.check_script('require "include";\r\ninclude :personal "nope";\r\n')
    assert len(warnings) == 1
    assert "included personal script 'nope' does not exist" in warnings[0]


def test_an_extension_the_server_lacks_is_refused_and_activation_kept(
    dovecot: DovecotServer, user_with_active_script: str
) -> None:
    with connect(dovecot, user_with_active_script) as client:
        with pytest.raises(ScriptRejectedError) as raised:
            client.put_script("new", 'require "vacation-seconds";\r\nkeep;\r\n')
        assert "unknown Sieve capability `vacation-seconds'" in str(raised.value)
        assert client.list_scripts() == [ScriptEntry("mine", active=True)]


def test_missing_and_active_scripts_carry_response_codes(
    dovecot: DovecotServer, user_with_active_script: str
) -> None:
    with connect(dovecot, user_with_active_script) as client:
        with pytest.raises(SieveCommandError) as missing:
            client.get_script("absent")
        with pytest.raises(SieveCommandError) as active:
            client.delete_script("mine")
    assert missing.value.code == ("NONEXISTENT",)
    assert "the server refused GETSCRIPT" in str(missing.value)
    assert active.value.code == ("ACTIVE",)


def test_a_large_script_goes_as_a_literal(dovecot: DovecotServer, fresh_dovecot_user: str) -> None:
    comment = "# " + "ض" * 5000 + "\r\n"  # 10 kB of two-octet characters
    with connect(dovecot, fresh_dovecot_user) as client:
        client.put_script("big", comment + "keep;\r\n")
        assert client.get_script("big") == comment + "keep;\r\n"
