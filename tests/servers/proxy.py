"""A loopback TCP proxy that cuts a connection after a set number of server bytes.

For "connection lost mid-batch, then a clean resume" tests: point the client at the
proxy, arm it with drop_after(n), and the connection carrying the server's n-th byte is
cut right after it; later connections pass untouched.
"""

from __future__ import annotations

import contextlib
import ipaddress
import select
import socket
import struct
import threading
import time

HOST = "127.0.0.1"
BUFFER_BYTES = 65536
POLL_SECONDS = 0.1
CONNECT_TIMEOUT_SECONDS = 5.0
# A forgotten proxy shuts itself down; no test should need one for longer.
DEFAULT_LIFETIME_SECONDS = 600.0
JOIN_TIMEOUT_SECONDS = 5.0


def require_loopback(host: str) -> None:
    """Refuse any target but this machine: the proxy must never carry traffic elsewhere."""
    for *_, address in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP):
        if not ipaddress.ip_address(address[0]).is_loopback:
            raise ValueError(f"DroppingProxy only forwards to loopback, not {host!r}")


class _Link:
    """One proxied connection: the client's socket and ours to the server."""

    def __init__(self, client: socket.socket, server: socket.socket) -> None:
        self.client = client
        self.server = server
        self._lock = threading.Lock()
        self._closed = False

    def close(self, *, reset: bool = False) -> None:
        """Close both ends once; ``reset`` makes the client see a RST instead of a FIN."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        if reset:
            # Closing with a zero linger time sends RST; a shutdown() first would send FIN.
            self.client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        for sock in (self.server,) if reset else (self.client, self.server):
            with contextlib.suppress(OSError):  # the peer may have gone already
                sock.shutdown(socket.SHUT_RDWR)
        self.client.close()
        self.server.close()


class DroppingProxy:
    """Forwards 127.0.0.1:``port`` to a loopback target, both ways, one thread per direction.

    >>> with DroppingProxy("127.0.0.1", server.imap_port) as proxy:
    ...     proxy.drop_after(4096)   # the next 4,096 bytes from the server pass, then cut
    """

    def __init__(
        self,
        target_host: str,
        target_port: int,
        *,
        lifetime_seconds: float = DEFAULT_LIFETIME_SECONDS,
    ) -> None:
        require_loopback(target_host)
        self.target = (target_host, target_port)
        self._listener = socket.create_server((HOST, 0))
        self._listener.settimeout(POLL_SECONDS)
        self.host: str = HOST
        self.port: int = self._listener.getsockname()[1]
        self._deadline = time.monotonic() + lifetime_seconds
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._budget: int | None = None
        self._reset = False
        self._connections = 0
        self._drops = 0
        self._links: list[_Link] = []
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept_loop, daemon=True)
        self._acceptor.start()

    @property
    def connections(self) -> int:
        """Connections accepted so far."""
        return self._connections

    @property
    def drops(self) -> int:
        """Connections cut by drop_after() so far."""
        return self._drops

    def drop_after(self, n_bytes_from_server: int, *, reset: bool = False) -> None:
        """Let ``n_bytes_from_server`` more bytes through from the server, then cut.

        Bytes count from this call on, over whatever connection carries them, so the
        proxy can be armed before connecting or in the middle of a session. One cut per
        call; ``reset`` cuts with a TCP RST rather than an orderly close.
        """
        if n_bytes_from_server < 0:
            raise ValueError("n_bytes_from_server must be >= 0")
        with self._lock:
            self._budget = n_bytes_from_server
            self._reset = reset

    def close(self) -> None:
        """Stop accepting, cut every open connection and wait for the threads."""
        self._stopping.set()
        self._acceptor.join(JOIN_TIMEOUT_SECONDS)
        for thread in self._threads:
            thread.join(JOIN_TIMEOUT_SECONDS)

    def __enter__(self) -> DroppingProxy:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _running(self) -> bool:
        return not self._stopping.is_set() and time.monotonic() < self._deadline

    def _accept_loop(self) -> None:
        with self._listener:
            while self._running():
                try:
                    client, _ = self._listener.accept()
                except TimeoutError:
                    continue
                self._start_link(client)
        for link in self._links:
            link.close()

    def _start_link(self, client: socket.socket) -> None:
        client.settimeout(None)
        self._connections += 1
        try:
            server = socket.create_connection(self.target, timeout=CONNECT_TIMEOUT_SECONDS)
        except OSError:
            client.close()  # as a real network would: the target is unreachable
            return
        server.settimeout(None)
        link = _Link(client, server)
        self._links.append(link)
        for source, destination, metered in ((client, server, False), (server, client, True)):
            thread = threading.Thread(
                target=self._pump, args=(link, source, destination, metered), daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def _pump(
        self, link: _Link, source: socket.socket, destination: socket.socket, metered: bool
    ) -> None:
        """Copy ``source`` to ``destination`` until either end closes; only server bytes
        (``metered``) count against drop_after()."""
        try:
            while (data := self._receive(link, source)) is not None:
                allowed, cut, reset = self._spend(data) if metered else (data, False, False)
                destination.sendall(allowed)
                if cut:
                    link.close(reset=reset)
                    return
        except OSError:  # the other direction closed the link under us
            pass
        link.close()

    def _receive(self, link: _Link, source: socket.socket) -> bytes | None:
        """The next chunk from ``source``; None at EOF, on error, or when stopping."""
        while self._running():
            try:
                readable, _, _ = select.select([source], [], [], POLL_SECONDS)
                if readable:
                    return source.recv(BUFFER_BYTES) or None
            except (OSError, ValueError):  # closed by the other direction's thread
                return None
        link.close()
        return None

    def _spend(self, data: bytes) -> tuple[bytes, bool, bool]:
        """Take ``data`` out of the armed budget: (bytes to forward, cut now?, with RST?)."""
        with self._lock:
            if self._budget is None:
                return data, False, False
            if len(data) < self._budget:
                self._budget -= len(data)
                return data, False, False
            allowed = data[: self._budget]
            self._budget = None
            self._drops += 1
            return allowed, True, self._reset
