"""A hostile HTTP server for tests: raw sockets on 127.0.0.1, scripted per request.

The simulator (``vtasks.testing``) only makes the faults it was written to make, through a
well-behaved HTTP stack. This server writes bytes itself, so it can do what no polite server
does: trickle a body a byte at a time, send a chunked body that never ends, a gzip bomb, a
``Location`` no URL parser takes, echo the request's ``Authorization`` into a response header.

Each request is handed to the test's *script* with the connection's socket; the script writes
whatever it likes. Every connection runs in its own daemon thread and is shut down by
:meth:`HostileServer.close`, so no test leaves a thread blocked on a socket behind.

Builders of common scripts: :func:`answer`, :func:`json_answer`, :func:`trickle`,
:func:`endless_chunked`, :func:`gzip_bomb`, :func:`echo_key_into`.
"""

from __future__ import annotations

import contextlib
import functools
import json
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "HostileServer",
    "RawRequest",
    "Script",
    "Conn",
    "answer",
    "echo_key_into",
    "endless_chunked",
    "gzip_bomb",
    "gzip_bomb_body",
    "hostile_server",
    "head",
    "json_answer",
    "trickle",
]


@dataclass
class RawRequest:
    """One request as the server read it (header names lower-cased)."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes = b""


class Conn:
    """One accepted connection, as a script sees it."""

    def __init__(self, sock: socket.socket, server: HostileServer) -> None:
        self.sock = sock
        self.server = server

    @property
    def stopping(self) -> bool:
        """Whether the server is closing (endless scripts stop then)."""
        return self.server.stopping

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:<port>`` of this server."""
        return self.server.url

    def send(self, data: bytes) -> None:
        """Write ``data``, counting it in the server's ``sent``."""
        self.sock.sendall(data)
        self.server.sent[0] += len(data)


#: A script answers one request by writing to the connection; ``False`` closes it after.
Script = Callable[[RawRequest, Conn], "bool | None"]


@dataclass
class HostileServer:
    """A raw HTTP/1.1 server on 127.0.0.1 that answers every request with ``script``."""

    script: Script
    requests: list[RawRequest] = field(default_factory=list)
    #: The port to listen on (``0``: any free one).
    port: int = 0
    #: Bytes each script wrote through :func:`send` (what an endless body managed to push).
    sent: list[int] = field(default_factory=lambda: [0])

    def __post_init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._stop = threading.Event()
        self._connections: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._acceptor = threading.Thread(target=self._accept, daemon=True)
        self._acceptor.start()

    @property
    def stopping(self) -> bool:
        """Whether :meth:`close` was called (endless scripts check this)."""
        return self._stop.is_set()

    def _accept(self) -> None:
        self._listener.settimeout(0.05)  # closing a listener does not wake a blocked accept()
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(None)
            with self._lock:
                self._connections.append(conn)
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        buffer = b""
        try:
            while not self._stop.is_set():
                while b"\r\n\r\n" not in buffer:
                    data = conn.recv(65536)
                    if not data:
                        return
                    buffer += data
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, target, _version = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length", "0") or 0)
                while len(buffer) < length:
                    data = conn.recv(65536)
                    if not data:
                        return
                    buffer += data
                body, buffer = buffer[:length], buffer[length:]
                request = RawRequest(method, target, headers, body)
                self.requests.append(request)
                if self.script(request, Conn(conn, self)) is False:
                    return
        except OSError:
            return  # the client hung up (or close() shut the socket): nothing to answer
        finally:
            conn.close()

    def close(self) -> None:
        """Stop accepting, shut every connection (waking blocked scripts), join the threads."""
        self._stop.set()
        self._acceptor.join(5)
        self._listener.close()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        for thread in self._threads:
            thread.join(5)


@contextmanager
def hostile_server(script: Script) -> Iterator[HostileServer]:
    """A :class:`HostileServer` for the ``with`` block."""
    server = HostileServer(script)
    try:
        yield server
    finally:
        server.close()


# -- writing ------------------------------------------------------------------------------------


def head(status: int, headers: dict[str, str] | None = None, reason: str = "X") -> bytes:
    """A status line and headers, ready to send."""
    lines = [f"HTTP/1.1 {status} {reason}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def answer(
    status: int = 200,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    *,
    close: bool = False,
) -> Script:
    """A script sending one fixed answer (``Content-Length`` added unless given)."""
    all_headers = {"Content-Length": str(len(body)), **(headers or {})}
    if close:
        all_headers["Connection"] = "close"

    def script(request: RawRequest, conn: Conn) -> bool:
        conn.send(head(status, all_headers) + body)
        return not close

    return script


def json_answer(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Script:
    """A script sending ``payload`` as JSON."""
    body = json.dumps(payload).encode()
    return answer(status, body, {"Content-Type": "application/json", **(headers or {})})


def ark_task(task_id: str = "cgt-1", status: str = "running", **extra: Any) -> dict[str, Any]:
    """An Ark task object, as ``GET .../tasks/{id}`` answers it."""
    return {
        "id": task_id,
        "model": "seedance",
        "status": status,
        "created_at": 1_700_000_000,
        "updated_at": 1_700_000_100,
        **extra,
    }


def trickle(
    body: bytes, *, every: float, headers: dict[str, str] | None = None, in_headers: bool = False
) -> Script:
    """A script sending ``body`` (or, ``in_headers``, the headers too) one byte every ``every`` s."""
    all_headers = {"Content-Type": "application/json", "Content-Length": str(len(body))}
    all_headers.update(headers or {})

    def script(request: RawRequest, conn: Conn) -> bool:
        start = head(200, all_headers)
        slow = start + body if in_headers else body
        if not in_headers:
            conn.send(start)
        for byte in slow:
            if conn.stopping:
                return False
            conn.send(bytes([byte]))
            time.sleep(every)
        return False

    return script


def endless_chunked(
    chunk: bytes = b"[" * 65536, headers: dict[str, str] | None = None, *, limit: int = 16 << 30
) -> Script:
    """A script sending a chunked body that never ends (until the client hangs up, or ``limit``)."""
    all_headers = {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}
    all_headers.update(headers or {})
    frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"

    def script(request: RawRequest, conn: Conn) -> bool:
        conn.send(head(200, all_headers))
        while not conn.stopping and conn.server.sent[0] < limit:
            conn.send(frame)
        return False

    return script


@functools.cache
def gzip_bomb_body(inflated: int = 1 << 30, wbits: int = 31) -> bytes:
    """``inflated`` zero bytes, gzip-compressed (1 GiB makes about 1 MiB; ``wbits=15``: zlib)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, wbits)
    block = bytes(1 << 20)
    pieces = [compressor.compress(block) for _ in range(inflated >> 20)]
    pieces.append(compressor.flush())
    return b"".join(pieces)


def gzip_bomb(inflated: int = 1 << 30, *, encoding: str = "gzip") -> Script:
    """A script sending a small gzip body that inflates to ``inflated`` bytes."""
    body = gzip_bomb_body(inflated, 31 if encoding == "gzip" else 15)
    return answer(
        200,
        body,
        {"Content-Type": "application/json", "Content-Encoding": encoding},
    )


def echo_key_into(header: str, payload: Any, status: int = 500) -> Script:
    """A script echoing the request's credential header into ``header`` of a JSON answer."""

    def script(request: RawRequest, conn: Conn) -> bool:
        key = request.headers.get("authorization") or request.headers.get("x-api-key", "")
        body = json.dumps(payload).encode()
        conn.send(
            head(
                status,
                {"Content-Type": "application/json", "Content-Length": str(len(body)), header: key},
            )
            + body,
        )
        return True

    return script
