"""A throw-away Dovecot IMAP + ManageSieve server for the integration tests.

Everything lives in one short directory under /tmp: Dovecot keeps Unix sockets under
``base_dir`` and a socket path may not exceed 108 bytes, which a deep pytest
``tmp_path`` does. The server listens on free loopback ports only (plain IMAP with
STARTTLS, IMAPS, ManageSieve), authenticates from a passwd-file it re-reads on every
login (so users can be added while it runs), stores mail as Maildir, and hands the
vacation replies of Sieve scripts to a stand-in sendmail that keeps them as files.

As root (CI) the login processes drop to ``dovenull`` in a chroot and mail belongs to
``nobody``; as a normal user every process and file belongs to that user.
"""

from __future__ import annotations

import contextlib
import grp
import itertools
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError
from imapclient.imap_utf7 import encode as imap_utf7_encode

HOST = "127.0.0.1"
MAIL_DOMAIN = "localhost"
CA_FILE_NAME = "ca.pem"
DEFAULT_USERS = {"support": "secret", "sales": "secret2"}
# Debian puts dovecot in /usr/sbin, which a normal user's PATH often lacks.
SBIN_DIRS = ("/usr/sbin", "/sbin")
LIBEXEC_DIRS = ("/usr/lib/dovecot", "/usr/libexec/dovecot")
START_ATTEMPTS = 3
START_TIMEOUT_SECONDS = 10.0
# A clean stop takes about 1 s; one racing a login process's start-up handshake takes 6 s.
STOP_GRACE_SECONDS = 2.0
IMAP_TIMEOUT_SECONDS = 30.0
TOOL_TIMEOUT_SECONDS = 30.0
# Accounts written into the passwd-file ahead of need, handed out by new_user().
RESERVED_USERS = 100
# Maildir's "usecs" field orders the seeded files, so one call stays below a million.
MAX_SEEDED_PER_CALL = 1_000_000
MAILDIR_FLAG_LETTERS = {
    "\\Draft": "D",
    "\\Flagged": "F",
    "\\Answered": "R",
    "\\Seen": "S",
    "\\Deleted": "T",
}
APPENDUID = re.compile(rb"\[APPENDUID \d+ ([0-9:,]+)\]")
LINE_END = re.compile(rb"\r?\n")


def find_dovecot() -> str | None:
    """Path of the ``dovecot`` binary, also looking in sbin directories; None if absent."""
    search_path = os.pathsep.join([os.environ.get("PATH", ""), *SBIN_DIRS])
    return shutil.which("dovecot", path=search_path)


def as_imap_message(raw: bytes) -> bytes:
    """The message as IMAP wants it: no leading mbox ``From `` line, CRLF line ends."""
    if raw.startswith(b"From "):
        raw = raw.partition(b"\n")[2]
    return LINE_END.sub(b"\r\n", raw)


def expand_uid_set(uid_set: bytes) -> list[int]:
    """``b"1:3,7"`` -> ``[1, 2, 3, 7]`` (an RFC 3501 sequence set without ``*``)."""
    uids: list[int] = []
    for part in uid_set.split(b","):
        first, _, last = part.partition(b":")
        uids.extend(range(int(first), int(last or first) + 1))
    return uids


def maildir_info(flags: Iterable[str]) -> str:
    """The ``:2,<letters>`` end of a Maildir file name for IMAP system ``flags``."""
    try:
        letters = sorted(MAILDIR_FLAG_LETTERS[flag] for flag in flags)
    except KeyError as error:
        raise ValueError(f"Maildir file names hold system flags only: {error.args[0]}") from None
    return ":2," + "".join(letters)


@dataclass(frozen=True)
class Identity:
    """Whom the server's processes and mail files belong to."""

    as_root: bool
    user_name: str
    group_name: str
    mail_uid: int
    mail_gid: int

    @classmethod
    def of_this_process(cls) -> Identity:
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            return cls(True, "root", "root", nobody.pw_uid, nobody.pw_gid)
        me = pwd.getpwuid(os.geteuid())
        return cls(False, me.pw_name, grp.getgrgid(os.getegid()).gr_name, me.pw_uid, me.pw_gid)

    def give_to_mail_user(self, path: str | Path) -> None:
        """Root writes seed files and scripts; the mail processes (``nobody``) must own them."""
        if self.as_root:
            os.lchown(path, self.mail_uid, self.mail_gid)


@dataclass(frozen=True)
class Ports:
    imap: int
    imaps: int
    sieve: int

    @classmethod
    def free_on_loopback(cls) -> Ports:
        # Hold all three sockets at once so the kernel hands out three different ports.
        with contextlib.ExitStack() as stack:
            sockets = [stack.enter_context(socket.socket()) for _ in range(3)]
            for sock in sockets:
                sock.bind((HOST, 0))
            imap, imaps, sieve = (sock.getsockname()[1] for sock in sockets)
        return cls(imap, imaps, sieve)


# Login chroots and separate service users need root; a normal user runs them all.
UNPRIVILEGED_SETTINGS = """
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
first_valid_uid = 0
"""


def render_config(root: Path, ports: Ports, identity: Identity) -> str:
    """dovecot.conf for one throw-away instance rooted at ``root``."""
    unprivileged = (
        ""
        if identity.as_root
        else UNPRIVILEGED_SETTINGS.format(user=identity.user_name, group=identity.group_name)
    )
    no_chroot = "" if identity.as_root else "  chroot =\n"
    return f"""# Throw-away test server written by tests/servers/dovecot.py; deleted on stop.
protocols = imap sieve
listen = {HOST}
base_dir = {root}/run
state_dir = {root}/state
instance_name = {root.name}
log_path = {root}/dovecot.log
hostname = {MAIL_DOMAIN}
postmaster_address = postmaster@{MAIL_DOMAIN}
sendmail_path = {root}/bin/sendmail

ssl = yes
ssl_cert = <{root}/tls/server.pem
ssl_key = <{root}/tls/server.key

auth_mechanisms = plain login
disable_plaintext_auth = no
# Tests log in with wrong passwords on purpose: no delay after a failure, and (see the
# anvil service) no per-address penalty that would slow every later login by up to 15 s.
auth_failure_delay = 0
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = {root}/passwd
}}

mail_location = maildir:~/Maildir
mail_fsync = never
{unprivileged}
protocol imap {{
  # Parallel tests log in as the same user from the same address.
  mail_max_userip_connections = 1000
}}
protocol lda {{
  mail_plugins = sieve
}}
plugin {{
  sieve = file:~/sieve;active=~/.dovecot.sieve
}}

service anvil {{
{no_chroot}  # The auth process cannot open a socket of mode 0, which switches the penalty off.
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
{no_chroot}  inet_listener imap {{
    port = {ports.imap}
  }}
  inet_listener imaps {{
    port = {ports.imaps}
    ssl = yes
  }}
}}
service managesieve-login {{
{no_chroot}  inet_listener sieve {{
    port = {ports.sieve}
  }}
}}
"""


SENDMAIL_SCRIPT = """#!/bin/sh
# Stands in for sendmail: keeps each outgoing message as a file for the tests.
name="{outbox}/$(date +%s%N).$$"
cat > "$name.tmp" && mv "$name.tmp" "$name.eml"
"""


def make_certificates(tls_dir: Path) -> None:
    """A CA (CA_FILE_NAME) and a server certificate for localhost / 127.0.0.1 in ``tls_dir``.

    EC keys: both take about 15 ms to make here, two RSA-2048 keys about 400 ms.
    """
    ca_key, ca_cert = tls_dir / "ca.key", tls_dir / CA_FILE_NAME
    server_key, server_csr = tls_dir / "server.key", tls_dir / "server.csr"
    extensions = tls_dir / "server.ext"
    extensions.write_text(
        "basicConstraints = critical, CA:FALSE\n"
        "keyUsage = critical, digitalSignature\n"
        "extendedKeyUsage = serverAuth\n"
        "subjectAltName = DNS:localhost, IP:127.0.0.1\n"
        "subjectKeyIdentifier = hash\n"
        "authorityKeyIdentifier = keyid\n"
    )
    new_ec_key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    _run_openssl(
        "req", "-x509", *new_ec_key, "-keyout", ca_key, "-out", ca_cert, "-days", "2",
        "-subj", "/CN=supportctl test CA",
        "-addext", "basicConstraints = critical, CA:TRUE",
        "-addext", "keyUsage = critical, keyCertSign, cRLSign",
    )  # fmt: skip
    _run_openssl(
        "req", "-new", *new_ec_key, "-keyout", server_key, "-out", server_csr,
        "-subj", "/CN=localhost",
    )  # fmt: skip
    _run_openssl(
        "x509", "-req", "-in", server_csr, "-CA", ca_cert, "-CAkey", ca_key,
        "-CAcreateserial", "-days", "2", "-extfile", extensions,
        "-out", tls_dir / "server.pem",
    )  # fmt: skip


def _run_openssl(*args: str | Path) -> None:
    _run_tool(["openssl", *map(str, args)])


def _run_tool(command: list[str], stdin: bytes = b"") -> None:
    """Run a command-line tool; a failure raises with what the tool said."""
    result = subprocess.run(command, input=stdin, capture_output=True, timeout=TOOL_TIMEOUT_SECONDS)
    if result.returncode != 0:
        stderr = result.stderr.decode(errors="replace").strip()
        raise RuntimeError(f"{Path(command[0]).name} exited {result.returncode}: {stderr}")


def _libexec_program(name: str) -> str:
    for directory in LIBEXEC_DIRS:
        candidate = Path(directory, name)
        if candidate.is_file():
            return str(candidate)
    raise FileNotFoundError(f"{name} not found in {', '.join(LIBEXEC_DIRS)}")


def _children_named(parent_pid: int, name: str) -> list[int]:
    """Pids of the direct children of ``parent_pid`` whose command name is ``name``."""
    pids = []
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            stat = stat_file.read_text()
        except OSError:  # the process ended while we looked
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        if ppid == parent_pid and comm == name:
            pids.append(int(stat_file.parent.name))
    return pids


class DovecotServer:
    """One Dovecot instance on loopback; use as a context manager or start()/stop().

    >>> with DovecotServer() as server:
    ...     server.append("support", "INBOX", [b"Subject: hi\\n\\nhello\\n"])
    [1]
    """

    def __init__(self, users: dict[str, str] | None = None) -> None:
        self.host = HOST
        self.users: dict[str, str] = dict(DEFAULT_USERS if users is None else users)
        self.identity = Identity.of_this_process()
        self._root: Path | None = None
        self._ports: Ports | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._reserve: dict[str, str] = {}
        self._users_lock = threading.Lock()
        self._user_numbers = itertools.count(1)
        self._seed_numbers = itertools.count(1)

    # -- life cycle ---------------------------------------------------------------

    def start(self) -> DovecotServer:
        binary = find_dovecot()
        if binary is None:
            raise FileNotFoundError("dovecot is not installed (run scripts/ensure-dovecot.sh)")
        self._root = Path(tempfile.mkdtemp(prefix="dc", dir="/tmp"))
        try:
            self._prepare_files()
            self._launch(binary)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """SIGTERM the master (it stops its children), reap it, delete the directory."""
        if self._process is not None:
            self._terminate(self._process)
            self._process = None
        if self._root is not None:
            shutil.rmtree(self._root)
            self._root = None

    def __enter__(self) -> DovecotServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def root(self) -> Path:
        """The instance's directory: config, sockets, homes, TLS files, log."""
        if self._root is None:
            raise RuntimeError("the server is not started")
        return self._root

    @property
    def ports(self) -> Ports:
        if self._ports is None:
            raise RuntimeError("the server is not started")
        return self._ports

    @property
    def imap_port(self) -> int:
        """Plain IMAP, STARTTLS offered."""
        return self.ports.imap

    @property
    def imaps_port(self) -> int:
        return self.ports.imaps

    @property
    def sieve_port(self) -> int:
        """ManageSieve (RFC 5804)."""
        return self.ports.sieve

    @property
    def ca_file(self) -> Path:
        """PEM of the CA that signed the server's certificate, for verifying clients."""
        return self.root / "tls" / CA_FILE_NAME

    @property
    def config_file(self) -> Path:
        return self.root / "dovecot.conf"

    @property
    def master_pid(self) -> int:
        if self._process is None:
            raise RuntimeError("the server is not running")
        return self._process.pid

    def log_text(self) -> str:
        """Everything the server logged so far (for failure messages)."""
        log = self.root / "dovecot.log"
        return log.read_text(errors="replace") if log.exists() else ""

    def _prepare_files(self) -> None:
        # Mail processes run as the mail user and must traverse the root to reach homes.
        self.root.chmod(0o711)
        for name in ("state", "home", "tls", "bin"):
            (self.root / name).mkdir()
        make_certificates(self.root / "tls")
        outbox = self.root / "outbox"
        outbox.mkdir()
        self.identity.give_to_mail_user(outbox)
        sendmail = self.root / "bin" / "sendmail"
        sendmail.write_text(SENDMAIL_SCRIPT.format(outbox=outbox))
        sendmail.chmod(0o755)
        for name in self.users:
            self._make_home(name)
        self._reserve_users()

    def _launch(self, binary: str) -> None:
        stderr_file = self.root / "master.stderr"
        # If the test run is killed outright, the master gets SIGTERM instead of living on.
        setpriv = shutil.which("setpriv")
        die_with_us = [setpriv, "--pdeathsig", "TERM", "--"] if setpriv else []
        for attempt in range(1, START_ATTEMPTS + 1):
            self._ports = Ports.free_on_loopback()
            self.config_file.write_text(render_config(self.root, self._ports, self.identity))
            with stderr_file.open("wb") as stderr:
                self._process = subprocess.Popen(
                    [*die_with_us, binary, "-F", "-c", str(self.config_file)],
                    stdin=subprocess.DEVNULL,
                    stdout=stderr,
                    stderr=stderr,
                    start_new_session=True,
                )
            if self._wait_until_ready(self._process):
                return
            self._terminate(self._process)
            self._process = None
            problems = stderr_file.read_text(errors="replace") + self.log_text()
            # Another process may have taken a port between picking and binding it.
            if "Address already in use" not in problems or attempt == START_ATTEMPTS:
                raise RuntimeError(f"dovecot did not start:\n{problems}")

    def _wait_until_ready(self, process: subprocess.Popen[bytes]) -> bool:
        """True once every port accepts and both plain ports greet; False if dovecot died.

        A port accepts as soon as the master binds it; the greeting proves that the login
        service and its auth connection are up too.
        """
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        pending = [self.imap_port, self.sieve_port, self.imaps_port]
        greeting_ports = {self.imap_port, self.sieve_port}
        while pending:
            if process.poll() is not None:
                return False
            if time.monotonic() > deadline:
                raise TimeoutError(f"dovecot ports not ready:\n{self.log_text()}")
            try:
                with socket.create_connection((self.host, pending[0]), timeout=1.0) as sock:
                    ready = pending[0] not in greeting_ports or sock.recv(256) != b""
            except OSError:
                ready = False
            if ready:
                pending.pop(0)
            else:
                time.sleep(0.01)
        return True

    @staticmethod
    def _terminate(process: subprocess.Popen[bytes]) -> None:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)  # its own session, started by us
                process.wait()

    # -- users --------------------------------------------------------------------

    def home_of(self, user: str) -> Path:
        return self.root / "home" / user

    def maildir_of(self, user: str) -> Path:
        return self.home_of(user) / "Maildir"

    @staticmethod
    def address_of(user: str) -> str:
        return f"{user}@{MAIL_DOMAIN}"

    def add_user(self, name: str, password: str) -> None:
        """Add a user while the server runs; takes up to a second (see _await_reread)."""
        if not name or any(char in name + password for char in ":\n/"):
            raise ValueError(f"unusable user name or password for a passwd-file: {name!r}")
        with self._users_lock:
            if name in self.users or name in self._reserve:
                raise ValueError(f"user {name!r} exists already")
            self._make_home(name)
            self.users[name] = password
            self._write_passwd_file()
            self._await_reread()

    def new_user(self) -> str:
        """A user of its own with an empty mailbox; the password is ``users[name]``.

        Handed out from accounts written ahead, so it costs no passwd-file re-read.
        """
        with self._users_lock:
            if not self._reserve:
                self._reserve_users()
                self._await_reread()
            name = next(iter(self._reserve))
            self.users[name] = self._reserve.pop(name)
        return name

    def _reserve_users(self) -> None:
        names = (f"user{number:04d}" for number in self._user_numbers)
        for name in itertools.islice((n for n in names if n not in self.users), RESERVED_USERS):
            self._make_home(name)
            self._reserve[name] = f"{name}-secret"
        self._write_passwd_file()

    def _make_home(self, user: str) -> None:
        home = self.home_of(user)
        home.mkdir(mode=0o700)
        self.identity.give_to_mail_user(home)

    def _write_passwd_file(self) -> None:
        lines = [
            f"{name}:{{PLAIN}}{password}:{self.identity.mail_uid}:{self.identity.mail_gid}"
            f"::{self.home_of(name)}::\n"
            for name, password in (self.users | self._reserve).items()
        ]
        # Replace atomically: the auth process may read it at any moment.
        staging = self.root / "passwd.new"
        staging.write_text("".join(lines))
        staging.chmod(0o644)  # read by the auth process, which runs as the dovecot user
        staging.replace(self.root / "passwd")

    @staticmethod
    def _await_reread() -> None:
        """Sleep into the next second: the auth process checks the passwd-file for changes
        at most once per second, so a login in the second it was written may miss them."""
        time.sleep(1.0 - time.time() % 1.0 + 0.01)

    # -- IMAP helpers -------------------------------------------------------------

    @contextlib.contextmanager
    def imap_client(self, user: str) -> Iterator[IMAPClient]:
        """A logged-in IMAPClient on the plain port, logged out afterwards."""
        client = IMAPClient(self.host, port=self.imap_port, ssl=False, timeout=IMAP_TIMEOUT_SECONDS)
        try:
            client.login(user, self.users[user])
            yield client
        finally:
            _log_out(client)

    def create_folder(self, user: str, folder: str) -> None:
        """Create ``folder`` unless it exists."""
        with self.imap_client(user) as client:
            _ensure_folder(client, folder)

    def append(
        self,
        user: str,
        folder: str,
        messages: Sequence[bytes],
        flags: Iterable[str] = (),
        internaldate: datetime | None = None,
    ) -> list[int]:
        """Append ``messages`` with one MULTIAPPEND (RFC 3502); returns their UIDs.

        Creates the folder if missing, drops a leading mbox ``From `` line and turns bare
        LF into CRLF. ``internaldate`` must be an aware datetime.
        """
        options: dict[str, object] = {}
        if flags := tuple(flags):
            options["flags"] = flags
        if internaldate is not None:
            options["date"] = internaldate
        items = [{"msg": as_imap_message(message), **options} for message in messages]
        if not items:
            return []
        with self.imap_client(user) as client:
            _ensure_folder(client, folder)
            _, response_lines = client.multiappend(folder, items)  # imaplib's (type, lines)
        response = response_lines[-1]
        match = APPENDUID.search(response)
        if match is None:
            raise RuntimeError(f"no APPENDUID in the server's answer: {response!r}")
        return expand_uid_set(match.group(1))

    def delete_messages(self, user: str, folder: str, uids: Sequence[int]) -> None:
        """Flag ``uids`` \\Deleted and UID EXPUNGE them (RFC 4315)."""
        with self.imap_client(user) as client:
            client.select_folder(folder)
            client.delete_messages(uids, silent=True)
            client.uid_expunge(uids)

    def set_flags(self, user: str, folder: str, uids: Sequence[int], flags: Iterable[str]) -> None:
        """Replace the flags of ``uids`` with ``flags``."""
        with self.imap_client(user) as client:
            client.select_folder(folder)
            client.set_flags(uids, list(flags), silent=True)

    def status(self, user: str, folder: str) -> dict[str, int]:
        """STATUS of ``folder``: MESSAGES, UIDNEXT, UIDVALIDITY and HIGHESTMODSEQ."""
        with self.imap_client(user) as client:
            return _status(client, folder)

    def reset_uidvalidity(self, user: str, folder: str) -> int:
        """Make the server give ``folder`` a new UIDVALIDITY (RFC 3501 §2.3.1.1); returns it.

        Messages and their UIDs stay; to a client this is exactly a server that lost or
        rebuilt its UID state, which must force a full resync.
        """
        before = self.status(user, folder)["UIDVALIDITY"]
        _run_tool([
            "doveadm", "-c", str(self.config_file), "mailbox", "update",
            "-u", user, "--uid-validity", str(before + 1), folder,
        ])  # fmt: skip
        after = self.status(user, folder)["UIDVALIDITY"]
        if after == before:
            raise RuntimeError(f"UIDVALIDITY of {user}/{folder} stayed {before}")
        return after

    def kill_imap_processes(self) -> int:
        """SIGKILL this instance's ``imap`` workers, cutting their clients; returns how many.

        Over IMAPS the client sees the cut through imap-login, which proxies TLS.
        """
        pids = _children_named(self.master_pid, "imap")
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):  # it may have ended on its own
                os.kill(pid, signal.SIGKILL)
        return len(pids)

    # -- fast seeding straight into the Maildir ------------------------------------

    def folder_dir(self, user: str, folder: str) -> Path:
        """The Maildir++ directory holding ``folder`` (hierarchy separator ``.``)."""
        if folder.upper() == "INBOX":
            return self.maildir_of(user)
        return self.maildir_of(user) / ("." + imap_utf7_encode(folder).decode("ascii"))

    def seed_maildir(
        self,
        user: str,
        folder: str,
        messages: Sequence[bytes],
        flags: Iterable[str] = (),
        internaldate: datetime | None = None,
    ) -> list[int]:
        """Like append(), but writes the files into the Maildir's ``cur/`` directly.

        Dovecot assigns UIDs in file-name order when the following STATUS makes it
        sync the folder, so the UIDs returned follow ``messages``. System flags only.
        """
        if len(messages) > MAX_SEEDED_PER_CALL:
            raise ValueError(f"seed at most {MAX_SEEDED_PER_CALL} messages per call")
        info = maildir_info(flags)
        mtime = None if internaldate is None else internaldate.timestamp()
        with self.imap_client(user) as client:
            _ensure_folder(client, folder)
            first_uid = _status(client, folder)["UIDNEXT"]  # also makes cur/ and tmp/ exist
            self._write_maildir_files(self.folder_dir(user, folder), messages, info, mtime)
            next_uid = _status(client, folder)["UIDNEXT"]
        return list(range(first_uid, next_uid))

    def _write_maildir_files(
        self, directory: Path, messages: Sequence[bytes], info: str, mtime: float | None
    ) -> None:
        # Plain strings and os calls: pathlib doubled the time of this loop.
        staging_dir, final_dir = f"{directory}/tmp/", f"{directory}/cur/"
        base = f"{int(time.time())}.M{{:06d}}P{os.getpid()}Q{next(self._seed_numbers)}.seed"
        for number, message in enumerate(messages):
            wire = as_imap_message(message)
            stored = wire.replace(b"\r\n", b"\n")  # Dovecot keeps LF on disk; sizes say both
            name = f"{base.format(number)},S={len(stored)},W={len(wire)}"
            staging = staging_dir + name
            with open(staging, "xb") as file:
                file.write(stored)
            self.identity.give_to_mail_user(staging)
            if mtime is not None:
                os.utime(staging, (mtime, mtime))  # a Maildir message's INTERNALDATE
            os.rename(staging, final_dir + name + info)

    # -- Sieve and delivery -------------------------------------------------------

    def install_sieve_script(self, user: str, name: str, script: str) -> Path:
        """Write ``~/sieve/NAME.sieve`` and make it the active script, as ManageSieve would."""
        sieve_dir = self.home_of(user) / "sieve"
        sieve_dir.mkdir(exist_ok=True)
        self.identity.give_to_mail_user(sieve_dir)
        script_file = sieve_dir / f"{name}.sieve"
        script_file.write_text(script)
        self.identity.give_to_mail_user(script_file)
        active_link = self.home_of(user) / ".dovecot.sieve"
        active_link.unlink(missing_ok=True)
        active_link.symlink_to(Path("sieve", script_file.name))
        self.identity.give_to_mail_user(active_link)
        return script_file

    def deliver(self, user: str, message: bytes, sender: str) -> None:
        """Deliver ``message`` to ``user`` with dovecot-lda, running the user's Sieve script.

        The envelope recipient is address_of(user): a vacation reply only goes out if the
        message's To/Cc names it (or one of the script's ``:addresses``).
        """
        _run_tool([
            _libexec_program("dovecot-lda"), "-c", str(self.config_file),
            "-d", user, "-a", self.address_of(user), "-f", sender,
        ], stdin=message)  # fmt: skip

    def sent_mail(self) -> list[bytes]:
        """Messages handed to sendmail so far (vacation replies), oldest first."""
        return [path.read_bytes() for path in sorted((self.root / "outbox").glob("*.eml"))]


def _log_out(client: IMAPClient) -> None:
    try:
        client.logout()
    except (IMAPClientError, OSError):
        # After kill_imap_processes() the connection may be half gone already.
        with contextlib.suppress(OSError):
            client.shutdown()


def _ensure_folder(client: IMAPClient, folder: str) -> None:
    if not client.folder_exists(folder):
        client.create_folder(folder)


def _status(client: IMAPClient, folder: str) -> dict[str, int]:
    items = ["MESSAGES", "UIDNEXT", "UIDVALIDITY", "HIGHESTMODSEQ"]
    response = client.folder_status(folder, items)
    return {key.decode("ascii"): int(value) for key, value in response.items()}
