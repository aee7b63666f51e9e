"""The test servers themselves work: logins, TLS, seeding, UIDVALIDITY, cuts, Sieve."""

from __future__ import annotations

import email
import os
import re
import socket
import ssl
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientAbortError, LoginError

from tests.servers import plugin
from tests.servers.dovecot import RESERVED_USERS, DovecotServer, expand_uid_set
from tests.servers.proxy import DroppingProxy

TIMEOUT = 10.0
FOLDER = "Support.أرشيف"  # a nested folder ("." separates levels) with a non-ASCII name


def small_message(number: int) -> bytes:
    return (
        f"From: customer{number}@example.com\n"
        f"To: support@example.com\n"
        f"Subject: message {number}\n"
        f"Message-ID: <{number}@example.com>\n"
        f"\n"
        f"Body of message {number}.\n"
    ).encode()


def plain_client(server: DovecotServer) -> IMAPClient:
    return IMAPClient(server.host, port=server.imap_port, ssl=False, timeout=TIMEOUT)


def context_trusting(server: DovecotServer) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(server.ca_file))


def subjects(client: IMAPClient, uids: list[int]) -> dict[int, bytes]:
    response = client.fetch(uids, ["BODY.PEEK[HEADER.FIELDS (SUBJECT)]"])
    return {uid: data[b"BODY[HEADER.FIELDS (SUBJECT)]"].strip() for uid, data in response.items()}


# -- logins and TLS -------------------------------------------------------------------


def test_login_on_the_plain_port_advertises_condstore(dovecot: DovecotServer) -> None:
    client = plain_client(dovecot)
    client.login("support", "secret")
    assert {b"CONDSTORE", b"QRESYNC", b"MULTIAPPEND", b"UIDPLUS"} <= set(client.capabilities())
    client.logout()


def test_starttls_verifies_against_the_ca(dovecot: DovecotServer) -> None:
    client = plain_client(dovecot)
    assert b"STARTTLS" in client.capabilities()
    client.starttls(context_trusting(dovecot))
    client.login("sales", "secret2")
    peer = client.socket().getpeercert()
    assert ("DNS", "localhost") in peer["subjectAltName"]
    assert ("IP Address", "127.0.0.1") in peer["subjectAltName"]
    client.logout()


def test_imaps_verifies_against_the_ca(dovecot: DovecotServer) -> None:
    client = IMAPClient(
        dovecot.host,
        port=dovecot.imaps_port,
        ssl=True,
        ssl_context=context_trusting(dovecot),
        timeout=TIMEOUT,
    )
    client.login("support", "secret")
    assert client.socket().version() in ("TLSv1.2", "TLSv1.3")
    client.logout()


def test_imaps_fails_verification_without_the_ca(dovecot: DovecotServer) -> None:
    with pytest.raises(ssl.SSLCertVerificationError):
        IMAPClient(
            dovecot.host,
            port=dovecot.imaps_port,
            ssl=True,
            ssl_context=ssl.create_default_context(),
            timeout=TIMEOUT,
        )


def test_starttls_fails_verification_without_the_ca(dovecot: DovecotServer) -> None:
    client = plain_client(dovecot)
    with pytest.raises(ssl.SSLCertVerificationError):
        client.starttls(ssl.create_default_context())


def test_wrong_password_raises_login_error(dovecot: DovecotServer) -> None:
    client = plain_client(dovecot)
    with pytest.raises(LoginError):
        client.login("support", "not-the-password")
    client.shutdown()


def test_fresh_user_logs_in_to_an_empty_mailbox(
    dovecot: DovecotServer, fresh_dovecot_user: str
) -> None:
    assert fresh_dovecot_user not in ("support", "sales")
    assert dovecot.status(fresh_dovecot_user, "INBOX")["MESSAGES"] == 0
    client = plain_client(dovecot)
    client.login(fresh_dovecot_user, dovecot.users[fresh_dovecot_user])
    assert [name for _, _, name in client.list_folders()] == ["INBOX"]
    client.logout()


def test_a_user_added_while_running_can_log_in(dovecot: DovecotServer) -> None:
    dovecot.add_user("late-joiner", "pw-late")
    with dovecot.imap_client("late-joiner") as client:
        assert client.folder_exists("INBOX")


def test_fresh_users_keep_coming_after_the_reserve_runs_out(dovecot: DovecotServer) -> None:
    names = [dovecot.new_user() for _ in range(RESERVED_USERS + 1)]
    assert len(set(names)) == RESERVED_USERS + 1
    with dovecot.imap_client(names[-1]) as client:
        assert client.folder_exists("INBOX")


# -- seeding --------------------------------------------------------------------------


def test_append_1000_messages_quickly(dovecot: DovecotServer, fresh_dovecot_user: str) -> None:
    started = time.monotonic()
    uids = dovecot.append(fresh_dovecot_user, "INBOX", [small_message(n) for n in range(1000)])
    elapsed = time.monotonic() - started
    assert uids == list(range(1, 1001))
    assert dovecot.status(fresh_dovecot_user, "INBOX")["MESSAGES"] == 1000
    assert elapsed < 10, f"1,000 appends took {elapsed:.1f} s"


@pytest.mark.parametrize("seed", ["append", "seed_maildir"])
def test_seeding_keeps_content_flags_and_internaldate(
    dovecot: DovecotServer, fresh_dovecot_user: str, seed: str
) -> None:
    raw = b"From someone@example.com Mon Jan  5 10:00:00 2026\nSubject: hello\n\nline 1\nline 2\n"
    received = datetime(2026, 1, 5, 10, 0, 0, tzinfo=UTC)
    seeding = getattr(dovecot, seed)
    uids = seeding(fresh_dovecot_user, FOLDER, [raw], ("\\Seen", "\\Flagged"), received)
    with dovecot.imap_client(fresh_dovecot_user) as client:
        client.select_folder(FOLDER, readonly=True)
        [(uid, data)] = client.fetch(uids, ["BODY.PEEK[]", "FLAGS", "INTERNALDATE"]).items()
    assert uid == 1
    assert data[b"BODY[]"] == b"Subject: hello\r\n\r\nline 1\r\nline 2\r\n"
    assert set(data[b"FLAGS"]) - {b"\\Recent"} == {b"\\Seen", b"\\Flagged"}
    assert data[b"INTERNALDATE"].astimezone(UTC) == received


@pytest.mark.slow  # seconds to tens of seconds, depending on how fast the disk creates files
def test_seed_maildir_puts_20000_messages_in_order(
    dovecot: DovecotServer, fresh_dovecot_user: str
) -> None:
    messages = [small_message(n) for n in range(20_000)]
    started = time.monotonic()
    uids = dovecot.seed_maildir(fresh_dovecot_user, "INBOX", messages)
    elapsed = time.monotonic() - started
    assert uids == list(range(1, 20_001))
    assert len(list((dovecot.maildir_of(fresh_dovecot_user) / "cur").iterdir())) == 20_000
    with dovecot.imap_client(fresh_dovecot_user) as client:
        assert client.select_folder("INBOX", readonly=True)[b"EXISTS"] == 20_000
        assert subjects(client, [1, 12_345, 20_000]) == {
            1: b"Subject: message 0",
            12_345: b"Subject: message 12344",
            20_000: b"Subject: message 19999",
        }
    assert elapsed < 60, f"seeding 20,000 messages took {elapsed:.1f} s"


def test_folders_and_flags_and_expunge(dovecot: DovecotServer, fresh_dovecot_user: str) -> None:
    dovecot.create_folder(fresh_dovecot_user, "Sent")
    dovecot.create_folder(fresh_dovecot_user, "Sent")  # creating twice is harmless
    uids = dovecot.append(fresh_dovecot_user, "Sent", [small_message(n) for n in range(4)])
    dovecot.set_flags(fresh_dovecot_user, "Sent", uids[:2], ["\\Answered"])
    dovecot.delete_messages(fresh_dovecot_user, "Sent", [uids[1], uids[3]])
    with dovecot.imap_client(fresh_dovecot_user) as client:
        client.select_folder("Sent", readonly=True)
        response = client.fetch(client.search("ALL"), ["FLAGS"])
    flags = {uid: set(data[b"FLAGS"]) - {b"\\Recent"} for uid, data in response.items()}
    assert flags == {1: {b"\\Answered"}, 3: set()}


# -- STATUS and UIDVALIDITY -----------------------------------------------------------


def test_status_answers_uidnext_uidvalidity_highestmodseq(
    dovecot: DovecotServer, fresh_dovecot_user: str
) -> None:
    dovecot.append(fresh_dovecot_user, "INBOX", [small_message(n) for n in range(3)])
    client = plain_client(dovecot)
    client.login(fresh_dovecot_user, dovecot.users[fresh_dovecot_user])
    items = [b"MESSAGES", b"UIDNEXT", b"UIDVALIDITY", b"HIGHESTMODSEQ"]
    before = client.folder_status("INBOX", items)
    dovecot.set_flags(fresh_dovecot_user, "INBOX", [2], ["\\Seen"])
    after = client.folder_status("INBOX", items)
    client.logout()
    assert before[b"MESSAGES"] == 3
    assert before[b"UIDNEXT"] == 4
    assert before[b"UIDVALIDITY"] > 0
    assert after[b"UIDVALIDITY"] == before[b"UIDVALIDITY"]
    assert after[b"HIGHESTMODSEQ"] > before[b"HIGHESTMODSEQ"]


def test_reset_uidvalidity_changes_it_for_good(
    dovecot: DovecotServer, fresh_dovecot_user: str
) -> None:
    dovecot.append(fresh_dovecot_user, "INBOX", [small_message(n) for n in range(3)])
    before = dovecot.status(fresh_dovecot_user, "INBOX")["UIDVALIDITY"]
    reported = dovecot.reset_uidvalidity(fresh_dovecot_user, "INBOX")
    dovecot.append(fresh_dovecot_user, "INBOX", [small_message(3)])
    with dovecot.imap_client(fresh_dovecot_user) as client:
        selected = client.select_folder("INBOX")
    assert reported != before
    assert selected[b"UIDVALIDITY"] == reported
    assert selected[b"EXISTS"] == 4


# -- cutting connections --------------------------------------------------------------


@pytest.mark.parametrize("over_tls", [False, True])
def test_kill_imap_processes_cuts_a_session(dovecot: DovecotServer, over_tls: bool) -> None:
    client = (
        IMAPClient(
            dovecot.host, dovecot.imaps_port, ssl_context=context_trusting(dovecot), timeout=TIMEOUT
        )
        if over_tls
        else plain_client(dovecot)
    )
    client.login("support", "secret")
    client.select_folder("INBOX")
    assert dovecot.kill_imap_processes() >= 1
    with pytest.raises((IMAPClientAbortError, OSError)):
        client.noop()
    client.shutdown()
    assert dovecot.status("support", "INBOX")["UIDVALIDITY"] > 0  # the server lives on


def read_until_closed(sock: socket.socket) -> bytes:
    received = b""
    while chunk := sock.recv(4096):
        received += chunk
    return received


def test_proxy_cuts_after_exactly_n_server_bytes(
    dovecot: DovecotServer, dropping_proxy: DroppingProxy
) -> None:
    dropping_proxy.drop_after(10)
    with socket.create_connection((dropping_proxy.host, dropping_proxy.port), TIMEOUT) as sock:
        assert read_until_closed(sock) == b"* OK [CAPA"
    with socket.create_connection((dropping_proxy.host, dropping_proxy.port), TIMEOUT) as sock:
        assert sock.recv(4096).startswith(b"* OK [CAPABILITY")  # one cut per drop_after()
    assert (dropping_proxy.connections, dropping_proxy.drops) == (2, 1)


def test_proxy_can_cut_with_a_reset(dovecot: DovecotServer, dropping_proxy: DroppingProxy) -> None:
    dropping_proxy.drop_after(0, reset=True)
    with (
        socket.create_connection((dropping_proxy.host, dropping_proxy.port), TIMEOUT) as sock,
        pytest.raises(ConnectionResetError),
    ):
        read_until_closed(sock)


def test_proxy_cut_mid_fetch_then_clean_resume(
    dovecot: DovecotServer, fresh_dovecot_user: str, dropping_proxy: DroppingProxy
) -> None:
    dovecot.append(fresh_dovecot_user, "INBOX", [small_message(n) for n in range(200)])
    password = dovecot.users[fresh_dovecot_user]

    def through_proxy() -> IMAPClient:
        client = IMAPClient(dropping_proxy.host, dropping_proxy.port, ssl=False, timeout=TIMEOUT)
        client.login(fresh_dovecot_user, password)
        client.select_folder("INBOX", readonly=True)
        return client

    client = through_proxy()
    dropping_proxy.drop_after(5000)  # the 200 bodies come to about 20 kB
    with pytest.raises((IMAPClientAbortError, OSError)):
        client.fetch(list(range(1, 201)), ["BODY.PEEK[]"])
    client.shutdown()
    resumed = through_proxy()
    assert len(resumed.fetch(list(range(1, 201)), ["BODY.PEEK[]"])) == 200
    resumed.logout()
    assert (dropping_proxy.connections, dropping_proxy.drops) == (2, 1)


def test_proxy_refuses_targets_off_this_machine() -> None:
    with pytest.raises(ValueError, match="loopback"):
        DroppingProxy("192.0.2.1", 143)


# -- ManageSieve and Sieve ------------------------------------------------------------


def test_managesieve_port_greets_as_pigeonhole(dovecot: DovecotServer) -> None:
    with socket.create_connection((dovecot.host, dovecot.sieve_port), TIMEOUT) as sock:
        greeting = sock.makefile("rb")
        lines = []
        while not (line := greeting.readline()).startswith(b"OK"):
            lines.append(line)
    # Debian's build says "Dovecot (Debian) Pigeonhole".
    assert any(
        re.fullmatch(rb'"IMPLEMENTATION" "Dovecot( \(\w+\))? Pigeonhole"\r\n', line)
        for line in lines
    )
    assert any(line.startswith(b'"SIEVE"') and b"vacation" in line for line in lines)


VACATION = """require ["vacation"];
vacation :days 1 :subject "We are closed" "Back on Sunday at 09:00.";
"""


def test_deliver_runs_the_vacation_script(dovecot: DovecotServer, fresh_dovecot_user: str) -> None:
    customer = f"customer-of-{fresh_dovecot_user}@example.com"
    dovecot.install_sieve_script(fresh_dovecot_user, "vacation", VACATION)
    incoming = EmailMessage()
    incoming["From"] = customer
    incoming["To"] = dovecot.address_of(fresh_dovecot_user)
    incoming["Subject"] = "Where is my refund?"
    incoming["Message-ID"] = f"<refund@{fresh_dovecot_user}.example.com>"
    incoming.set_content("Hello?\n")

    dovecot.deliver(fresh_dovecot_user, incoming.as_bytes(), customer)

    replies = [
        message
        for message in map(email.message_from_bytes, dovecot.sent_mail())
        if message["To"] == f"<{customer}>"
    ]
    assert len(replies) == 1
    reply = replies[0]
    assert reply["Auto-Submitted"] == "auto-replied (vacation)"
    assert reply["Subject"] == "We are closed"
    assert reply["In-Reply-To"] == incoming["Message-ID"]
    assert reply.get_payload(decode=True).strip() == b"Back on Sunday at 09:00."
    assert dovecot.status(fresh_dovecot_user, "INBOX")["MESSAGES"] == 1


# -- life cycle and helpers -----------------------------------------------------------


def test_a_server_starts_serves_and_cleans_up() -> None:
    server = DovecotServer(users={"solo": "pw"})
    with server:
        root, port, master_pid = server.root, server.imap_port, server.master_pid
        assert len(str(root / "run" / "auth-userdb")) < 108
        client = plain_client(server)
        client.login("solo", "pw")
        client.logout()
    assert not root.exists()
    with pytest.raises(ProcessLookupError):
        os.kill(master_pid, 0)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((server.host, port), TIMEOUT)


@pytest.mark.parametrize(
    ("uid_set", "uids"),
    [(b"7", [7]), (b"1:3", [1, 2, 3]), (b"1:2,5,9:10", [1, 2, 5, 9, 10])],
)
def test_expand_uid_set(uid_set: bytes, uids: list[int]) -> None:
    assert expand_uid_set(uid_set) == uids


# -- the fixture's verdict when Dovecot is missing ------------------------------------


@pytest.fixture
def failing_install_script(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script = tmp_path / "ensure-dovecot.sh"
    script.write_text("echo 'ensure-dovecot: need root' >&2\nexit 1\n")
    monkeypatch.setattr(plugin, "ENSURE_SCRIPT", script)
    monkeypatch.setattr(plugin, "find_dovecot", lambda: None)


@pytest.mark.usefixtures("failing_install_script")
def test_missing_dovecot_is_explained() -> None:
    reason = plugin.why_dovecot_is_unavailable()
    assert reason == (
        "Dovecot is not installed and ensure-dovecot.sh could not install it: "
        "ensure-dovecot: need root"
    )


@pytest.mark.parametrize(
    ("ci", "outcome"),
    [
        ("true", pytest.fail.Exception),
        (None, pytest.skip.Exception),
        ("false", pytest.skip.Exception),
    ],
)
def test_missing_dovecot_skips_but_fails_under_ci(
    monkeypatch: pytest.MonkeyPatch, ci: str | None, outcome: type[BaseException]
) -> None:
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="no dovecot here"):
        plugin.skip_or_fail("no dovecot here")
