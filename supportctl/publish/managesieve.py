"""A ManageSieve client (RFC 5804) over the standard library's sockets and ssl.

One short method per command, in imapclient's manner, over two private helpers that send
a command and read the response that ends it:

>>> client = ManageSieveClient.connect("mail.example.com", 4190, timeout=30)
>>> client.starttls(ssl.create_default_context())
>>> client.authenticate_plain("support@example.com", "...")
>>> client.list_scripts()
[ScriptEntry(name='roundcube', active=True)]
>>> client.logout()

``connect_mailbox`` does the same for a configured ``Mailbox``. ManageSieve has no
implicit-TLS port (RFC 5804 §1.8 names port 4190 only, and TLS starts there with
STARTTLS, §2.2), so a mailbox's ``security: tls`` (implicit TLS for IMAP) and
``security: starttls`` both mean STARTTLS on ``sieve_port`` here, and a server that does
not offer it is refused rather than spoken to in clear text. ``security: none`` stays
plain.

Responses are read in layers: ``_Reader`` splits the server's bytes into tokens (atoms,
quoted strings, literals ``{n}``) one logical line at a time, and ``_final_response``
recognises the ``OK``/``NO``/``BYE`` line that ends every command (§1.3, §4); the lines
before it are the command's data.

Every error is a ``MailboxError`` (exit status 1) naming the mailbox and server:

- ``AuthenticationError``: the server refused the credentials (the password is never in
  a message: it travels only inside the base64 of AUTHENTICATE);
- ``SieveCommandError``: the server answered NO or BYE; ``ScriptRejectedError``, its
  subclass, when CHECKSCRIPT or PUTSCRIPT refused a script, with the server's words;
- ``SieveProtocolError``: the server's answer does not parse;
- ``MailboxError`` itself: the connection failed, was lost, or timed out.
"""

from __future__ import annotations

import base64
import contextlib
import re
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from supportctl.config.model import Mailbox
from supportctl.errors import AuthenticationError, MailboxError
from supportctl.mail.tls import connection_failure, tls_context

# RFC 5804 §4: a quoted string holds at most 1024 octets and no CR, LF or NUL; anything
# else goes as a literal.
MAX_QUOTED_OCTETS = 1024
# Guards against a server that never ends a line or announces an absurd literal; Dovecot's
# default script size limit (sieve_max_script_size) is 1 MiB.
MAX_LINE_OCTETS = 64 * 1024
MAX_LITERAL_OCTETS = 16 * 1024 * 1024

_QUOTED = re.compile(rb'"((?:[^"\\\r\n]|\\.)*)"')
_ESCAPED = re.compile(rb"\\(.)")
_LITERAL = re.compile(rb"\{(\d+)\+?\}\Z")  # a literal's length ends its line
_ATOM = re.compile(rb'[^ ()"{]+')
_FINAL_STATUSES = frozenset({"OK", "NO", "BYE"})


class Atom(str):
    """An unquoted word of a response (``OK``, ``ACTIVE``, a response code, a parenthesis),
    told apart from a string with the same characters."""


_OPEN, _CLOSE = Atom("("), Atom(")")


@dataclass(frozen=True)
class Response:
    """What the server answered to one command (RFC 5804 §4).

    ``status`` is OK, NO or BYE; ``code`` the response code and its arguments, e.g.
    ``("WARNINGS",)``, ``("NONEXISTENT",)``, ``("QUOTA/MAXSIZE",)``, or ``()``; ``text``
    the human-readable part ("" if none); ``data`` the lines before the final one, each a
    tuple of tokens (strings, and ``Atom`` for unquoted words).
    """

    status: str
    code: tuple[str, ...] = ()
    text: str = ""
    data: tuple[tuple[str, ...], ...] = ()

    @property
    def warnings(self) -> tuple[str, ...]:
        """The server's warnings about a script it accepted (``OK (WARNINGS)``, §2.6)."""
        warning = self.text.strip()
        return (warning,) if self.code[:1] == ("WARNINGS",) and warning else ()


@dataclass(frozen=True)
class ScriptEntry:
    """One script of LISTSCRIPTS: its name and whether it is the active one."""

    name: str
    active: bool


class SieveProtocolError(MailboxError):
    """The server's answer does not follow RFC 5804's grammar."""


class SieveCommandError(MailboxError):
    """The server answered NO or BYE to ``command`` (RFC 5804 §1.3).

    ``code`` holds the response code (``("NONEXISTENT",)``, ``("ACTIVE",)``, ...) and
    ``server_text`` the server's own words, line breaks kept.
    """

    def __init__(self, command: str, response: Response, *, where: str | None = None) -> None:
        text = " ".join(response.text.split()) or "no reason given"
        super().__init__(self.describe(command, text), where=where)
        self.command = command
        self.status = response.status
        self.code = response.code
        self.server_text = response.text

    @staticmethod
    def describe(command: str, text: str) -> str:
        return f"the server refused {command}: {text}"


class ScriptRejectedError(SieveCommandError):
    """CHECKSCRIPT or PUTSCRIPT refused a script: a syntax error, a missing extension,
    a quota. The message carries the server's words (line numbers included)."""

    @staticmethod
    def describe(command: str, text: str) -> str:
        return f"the server rejected the script ({command}): {text}"


class _Reader:
    """Tokens from the server, one logical line at a time (RFC 5804 §4)."""

    def __init__(self, stream: BinaryIO, where: str) -> None:
        self._stream = stream
        self._where = where

    def read_tokens(self) -> list[str]:
        """The tokens of the next response line; a literal (``{n}`` CRLF and n octets)
        is one string token, after which the line goes on."""
        tokens: list[str] = []
        line, position = self._read_line(), 0
        while position < len(line):
            if line[position : position + 1] == b" ":
                position += 1
            elif (literal := _LITERAL.match(line, position)) is not None:
                tokens.append(_text(self._read_exact(int(literal.group(1)))))
                line, position = self._read_line(), 0
            else:
                token, position = self._scan(line, position)
                tokens.append(token)
        return tokens

    def close(self) -> None:
        self._stream.close()

    def _scan(self, line: bytes, position: int) -> tuple[str, int]:
        """The parenthesis, quoted string or atom at ``position``, and where it ends."""
        char = line[position : position + 1]
        if char in (b"(", b")"):
            return Atom(char.decode("ascii")), position + 1
        pattern = _QUOTED if char == b'"' else _ATOM
        match = pattern.match(line, position)
        if match is None:
            raise self._malformed(line)
        if pattern is _ATOM:
            return Atom(_text(match.group())), match.end()
        return _text(_ESCAPED.sub(rb"\1", match.group(1))), match.end()

    def _read_line(self) -> bytes:
        raw = self._stream.readline(MAX_LINE_OCTETS + 2)
        if not raw:
            raise MailboxError("the server closed the connection", where=self._where)
        if not raw.endswith(b"\n"):
            raise SieveProtocolError(
                f"a response line longer than {MAX_LINE_OCTETS} octets", where=self._where
            )
        return raw.rstrip(b"\r\n")

    def _read_exact(self, size: int) -> bytes:
        if size > MAX_LITERAL_OCTETS:
            raise SieveProtocolError(f"a literal of {size} octets is too large", where=self._where)
        data = self._stream.read(size)
        if len(data) < size:
            raise MailboxError("the server closed the connection", where=self._where)
        return data

    def _malformed(self, line: bytes) -> SieveProtocolError:
        shown = line[:80].decode("utf-8", "replace")
        return SieveProtocolError(f"cannot parse the server's answer {shown!r}", where=self._where)


class ManageSieveClient:
    """One ManageSieve session; use ``connect()`` (or ``connect_mailbox()``).

    Also a context manager: LOGOUT on a normal exit, a plain close after an error.
    """

    def __init__(self, sock: socket.socket, *, host: str, timeout: float, where: str) -> None:
        """Wrap a connected socket whose greeting has not been read yet."""
        self._sock = sock
        self._host = host
        self._timeout = timeout
        self._where = where
        self._reader = _Reader(sock.makefile("rb"), where)
        # Capability name (upper case) → its value ("" for none), e.g. {"SIEVE": "fileinto
        # vacation ...", "SASL": "PLAIN LOGIN", "STARTTLS": ""}.
        self.capabilities: dict[str, str] = {}

    @classmethod
    def connect(
        cls, host: str, port: int, *, timeout: float, where: str | None = None
    ) -> ManageSieveClient:
        """Connect and read the greeting, the server's capabilities (RFC 5804 §1.7).

        ``timeout`` bounds every socket wait; ``where`` names the server in errors.
        """
        where = where or f"ManageSieve {host}:{port}"
        try:
            sock = socket.create_connection((host, port), timeout=timeout)
        except OSError as exc:
            reason = connection_failure(exc, timeout)
            raise MailboxError(f"cannot connect: {reason}", where=where) from exc
        client = cls(sock, host=host, timeout=timeout, where=where)
        try:
            client._read_capabilities()
        except BaseException:
            client.close()
            raise
        return client

    def __enter__(self) -> ManageSieveClient:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *_: object) -> None:
        if exc_type is None:
            self.logout()
        else:
            self.close()

    # -- commands -------------------------------------------------------------------------

    def capability(self) -> dict[str, str]:
        """CAPABILITY (§2.4): ask again, e.g. after logging in; updates ``capabilities``."""
        self._send("CAPABILITY")
        self._read_capabilities()
        return self.capabilities

    def starttls(self, context: ssl.SSLContext) -> None:
        """STARTTLS (§2.2), then read the capabilities the server must issue again.

        The certificate is checked against ``host`` as ``context`` says.
        """
        if "STARTTLS" not in self.capabilities:
            raise MailboxError(
                "the server does not offer STARTTLS",
                where=self._where,
                hint="use security: none only for a loopback test server",
            )
        self._command("STARTTLS")
        self._reader.close()
        with self._connection_errors("TLS negotiation failed"):
            self._sock = context.wrap_socket(self._sock, server_hostname=self._host)
        self._reader = _Reader(self._sock.makefile("rb"), self._where)
        self._read_capabilities()

    def authenticate_plain(self, username: str, password: str) -> None:
        """AUTHENTICATE "PLAIN" with an initial response (§2.1; SASL PLAIN, RFC 4616:
        empty authorization identity, NUL, user name, NUL, password, in base64)."""
        if "PLAIN" not in self.capabilities.get("SASL", "").upper().split():
            raise MailboxError(
                "the server does not offer SASL PLAIN login",
                where=self._where,
                hint="it may offer it only after STARTTLS: use security: starttls",
            )
        credentials = base64.b64encode(f"\0{username}\0{password}".encode()).decode("ascii")
        response = self._exchange("AUTHENTICATE", "PLAIN", credentials)
        if response.status != "OK":
            reason = " ".join(response.text.split()) or "no reason given"
            raise AuthenticationError(
                f"the server refused the login for {username}: {reason}",
                where=self._where,
                hint="check the mailbox's password",
            )

    def list_scripts(self) -> list[ScriptEntry]:
        """LISTSCRIPTS (§2.7): the user's scripts, at most one of them active.

        >>> client.list_scripts()
        [ScriptEntry(name='roundcube', active=True), ScriptEntry(name='supportctl', active=False)]
        """
        return [self._script_entry(line) for line in self._command("LISTSCRIPTS").data]

    def get_script(self, name: str) -> str:
        """GETSCRIPT (§2.9): the script's text exactly as stored. A missing script raises
        SieveCommandError with code ``("NONEXISTENT",)``."""
        data = self._command("GETSCRIPT", name).data
        if len(data) != 1 or len(data[0]) != 1 or isinstance(data[0][0], Atom):
            raise SieveProtocolError(f"GETSCRIPT answered {data!r}", where=self._where)
        return data[0][0]

    def check_script(self, script: str) -> tuple[str, ...]:
        """CHECKSCRIPT (§2.12): the server's own check, storing nothing. Returns its
        warnings; a refusal raises ScriptRejectedError with its words."""
        return self._command("CHECKSCRIPT", script, refused=ScriptRejectedError).warnings

    def put_script(self, name: str, script: str) -> tuple[str, ...]:
        """PUTSCRIPT (§2.6): store (or replace) ``name``; returns the server's warnings. The
        server checks the script first and raises ScriptRejectedError if it refuses it;
        replacing the active script keeps it active."""
        return self._command("PUTSCRIPT", name, script, refused=ScriptRejectedError).warnings

    def set_active(self, name: str) -> None:
        """SETACTIVE (§2.8): make ``name`` the active script; ``""`` deactivates all."""
        self._command("SETACTIVE", name)

    def delete_script(self, name: str) -> None:
        """DELETESCRIPT (§2.10); the server refuses the active script (code ACTIVE)."""
        self._command("DELETESCRIPT", name)

    def logout(self) -> None:
        """LOGOUT (§2.3), then close; a connection that is already gone is just closed."""
        try:
            with contextlib.suppress(MailboxError):  # the session is over either way
                self._command("LOGOUT")
        finally:
            self.close()

    def close(self) -> None:
        """Close the connection without LOGOUT."""
        self._reader.close()
        with contextlib.suppress(OSError):
            self._sock.close()

    # -- helpers --------------------------------------------------------------------------

    def _command(
        self, name: str, *args: str, refused: type[SieveCommandError] = SieveCommandError
    ) -> Response:
        """Send a command and read its response; NO or BYE raises ``refused``."""
        response = self._exchange(name, *args)
        if response.status != "OK":
            raise refused(name, response, where=self._where)
        return response

    def _exchange(self, name: str, *args: str) -> Response:
        self._send(name, *args)
        return self._read_response()

    def _send(self, name: str, *args: str) -> None:
        line = b" ".join([name.encode("ascii"), *map(_encode_string, args)]) + b"\r\n"
        with self._connection_errors("connection lost"):
            self._sock.sendall(line)

    def _read_response(self) -> Response:
        """Lines up to the final OK/NO/BYE one; the earlier ones become ``data``."""
        data: list[tuple[str, ...]] = []
        with self._connection_errors("connection lost"):
            while True:
                tokens = self._reader.read_tokens()
                final = self._final_response(tokens, data)
                if final is not None:
                    return final
                data.append(tuple(tokens))

    def _read_capabilities(self) -> None:
        """Capability lines, then OK: a greeting (§1.7), after STARTTLS, or CAPABILITY."""
        response = self._read_response()
        if response.status != "OK":
            raise SieveCommandError("the session", response, where=self._where)
        self.capabilities = {
            line[0].upper(): (line[1] if len(line) > 1 else "") for line in response.data if line
        }

    def _final_response(self, tokens: list[str], data: list[tuple[str, ...]]) -> Response | None:
        """The response if ``tokens`` are its final line (§4 response-oknobye), else None."""
        if not tokens or not isinstance(tokens[0], Atom):
            return None
        status = tokens[0].upper()
        if status not in _FINAL_STATUSES:
            raise SieveProtocolError(f"unknown response {tokens[0]!r}", where=self._where)
        rest, code = tokens[1:], ()
        if rest and isinstance(rest[0], Atom) and rest[0] == _OPEN:
            if _CLOSE not in rest:
                raise SieveProtocolError("a response code without ')'", where=self._where)
            end = rest.index(_CLOSE)
            code, rest = tuple(rest[1:end]), rest[end + 1 :]
        if len(rest) > 1 or (rest and isinstance(rest[0], Atom)):
            raise SieveProtocolError(f"unexpected {rest!r} after {status}", where=self._where)
        return Response(status, code, rest[0] if rest else "", tuple(data))

    def _script_entry(self, tokens: tuple[str, ...]) -> ScriptEntry:
        """``"name" [ACTIVE]`` (§2.7)."""
        if not tokens or isinstance(tokens[0], Atom) or len(tokens) > 2:
            raise SieveProtocolError(f"LISTSCRIPTS answered {tokens!r}", where=self._where)
        active = len(tokens) == 2 and isinstance(tokens[1], Atom) and tokens[1].upper() == "ACTIVE"
        return ScriptEntry(tokens[0], active)

    @contextlib.contextmanager
    def _connection_errors(self, what: str) -> Iterator[None]:
        """Turn a socket or TLS failure into a MailboxError saying ``what`` happened."""
        try:
            yield
        except OSError as exc:
            reason = connection_failure(exc, self._timeout)
            raise MailboxError(f"{what}: {reason}", where=self._where) from exc


def connect_mailbox(mailbox: Mailbox, *, password: str) -> ManageSieveClient:
    """A logged-in ManageSieve session on ``mailbox.host``, port ``mailbox.sieve_port``.

    ``security`` tls and starttls both mean STARTTLS (see the module docstring), with
    certificates checked against the system's CAs or ``ca_file`` unless ``verify`` is
    false; none stays plain. ``timeout`` bounds every socket wait.
    """
    if mailbox.host is None or mailbox.username is None:
        raise MailboxError(
            f"mailbox {mailbox.name}: not on a mail server (no host or username)",
            hint="a sieve target needs an IMAP mailbox whose server speaks ManageSieve",
        )
    context = tls_context(mailbox)
    where = f"mailbox {mailbox.name} (ManageSieve {mailbox.host}:{mailbox.sieve_port})"
    client = ManageSieveClient.connect(
        mailbox.host, mailbox.sieve_port, timeout=mailbox.timeout, where=where
    )
    try:
        if context is not None:
            client.starttls(context)
        client.authenticate_plain(mailbox.username, password)
    except BaseException:
        client.close()
        raise
    return client


def _encode_string(value: str) -> bytes:
    """A command argument as a quoted string, or as a literal ``{n+}`` (RFC 5804 §4)
    when it is long or holds CR, LF or NUL."""
    data = value.encode("utf-8")
    if len(data) <= MAX_QUOTED_OCTETS and not any(octet in data for octet in b"\r\n\0"):
        return b'"' + data.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'
    return b"{%d+}\r\n" % len(data) + data


def _text(data: bytes) -> str:
    """Strings in ManageSieve are UTF-8 (§1.6); a stray byte is shown, not fatal."""
    return data.decode("utf-8", "replace")
