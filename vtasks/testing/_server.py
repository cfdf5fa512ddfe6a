"""HTTP/1.1 plumbing: a threaded loopback server that hands each request to the simulator."""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
import time
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ._http import Response, json_response
from ._simulator import Simulator

__all__ = ["MAX_BODY", "LoopbackServer"]

MAX_BODY = 64 * 1024 * 1024
"""The largest request body the simulator reads (bytes); a larger one is answered 413.

Creates carry images as data: URLs, so bodies of tens of MiB are normal.
"""

_TOO_LARGE = {"error": {"code": "RequestEntityTooLarge", "message": "request body too large"}}

_REASONS = {s.value: s.phrase for s in HTTPStatus}
_REASONS.update(
    {
        499: "Client Closed Request",
        520: "Unknown Error",
        521: "Web Server Is Down",
        522: "Connection Timed Out",
        524: "A Timeout Occurred",
    }
)


class _DateCache:
    """``Date`` header text, recomputed at most once per second."""

    def __init__(self) -> None:
        self._second = -1
        self._text = ""

    def get(self) -> str:
        now = int(time.time())
        if now != self._second:
            self._text = formatdate(now, usegmt=True)
            self._second = now
        return self._text


_DATE = _DateCache()


class _Handler(BaseHTTPRequestHandler):
    """Reads one request at a time off a keep-alive connection and writes one response."""

    protocol_version = "HTTP/1.1"
    server_version = "vtasks-fake/1"
    disable_nagle_algorithm = True
    timeout = 60  # seconds an idle keep-alive connection is kept open
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: tests and benchmarks read the request records instead."""

    def _serve(self) -> None:
        body = self._read_body()
        if body is None:
            # Too large to read: answer without reading it, and close (the rest is unread).
            self.close_connection = True
            self._write(json_response(413, _TOO_LARGE))
            return
        sim = self.server.simulator
        response = sim.handle(
            self.command,
            self.path,
            list(self.headers.items()),
            other_origin=self.server.other_origin,
            body=body,
        )
        if response.drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._write(response)

    def _read_body(self) -> bytes | None:
        """The request body (``b""`` for none), or ``None`` when it exceeds :data:`MAX_BODY`."""
        # Read even a GET's body, so that the next request on the connection parses cleanly.
        length = self.headers.get("Content-Length")
        if length is not None and length.strip().isdigit():
            remaining = int(length)
            if remaining > MAX_BODY:
                return None
            chunks = []
            while remaining > 0:
                chunk = self.rfile.read(min(remaining, 65536))
                if not chunk:
                    break
                chunks.append(chunk)
                remaining -= len(chunk)
            return b"".join(chunks)
        if self.headers.get("Transfer-Encoding"):
            # Chunked bodies are not decoded (no vendor client sends one): close after answering.
            self.close_connection = True
        return b""

    def _write(self, response: Response) -> None:
        body = response.body
        closing = self.close_connection or response.close or response.send_bytes is not None
        reason = _REASONS.get(response.status, "Unknown")
        lines = [
            f"HTTP/1.1 {response.status} {reason}",
            f"Date: {_DATE.get()}",
            f"Server: {self.server_version}",
            f"Content-Type: {response.content_type}",
            f"Content-Length: {len(body)}",
        ]
        lines.extend(f"{name}: {value}" for name, value in response.headers)
        if closing:
            lines.append("Connection: close")
            self.close_connection = True
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        if self.command == "HEAD":
            body = b""
        elif response.send_bytes is not None:
            body = body[: response.send_bytes]
        try:
            self.wfile.write(head + body)
        except OSError:
            self.close_connection = True

    do_GET = _serve  # noqa: N815 - the names http.server dispatches to
    do_HEAD = _serve  # noqa: N815
    do_POST = _serve  # noqa: N815
    do_PUT = _serve  # noqa: N815
    do_PATCH = _serve  # noqa: N815
    do_DELETE = _serve  # noqa: N815
    do_OPTIONS = _serve  # noqa: N815


class _Server(ThreadingHTTPServer):
    """A ``ThreadingHTTPServer`` that tracks its connections so it can close them on stop."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], simulator: Simulator, other_origin: bool) -> None:
        self.simulator = simulator
        self.other_origin = other_origin
        self._conn_lock = threading.Lock()
        self._conns: dict[threading.Thread, socket.socket] = {}
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        """Bind without ``HTTPServer``'s reverse DNS lookup (``getfqdn`` can stall for seconds)."""
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def process_request(self, request: Any, client_address: Any) -> None:
        """Serve the connection on a daemon thread, remembering it until it ends."""
        thread = threading.Thread(
            target=self._run_connection,
            args=(request, client_address),
            daemon=True,
            name="vtasks-fake-conn",
        )
        with self._conn_lock:
            self._conns[thread] = request
        thread.start()

    def _run_connection(self, request: Any, client_address: Any) -> None:
        try:
            # A client that vanishes mid-request is normal here (faults provoke it): stay quiet.
            with contextlib.suppress(Exception):
                self.finish_request(request, client_address)
        finally:
            self.shutdown_request(request)
            with self._conn_lock:
                self._conns.pop(threading.current_thread(), None)

    def close_connections(self, timeout: float) -> None:
        """Shut every open connection down and wait for its thread to end."""
        with self._conn_lock:
            items = list(self._conns.items())
        for _, sock in items:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + timeout
        for thread, _ in items:
            thread.join(max(0.0, deadline - time.monotonic()))


class LoopbackServer:
    """One listening socket served by a background thread.

    Args:
        simulator: The shared simulator core.
        host: The address to bind.
        port: The port to bind (``0``: an ephemeral port).
        other_origin: Whether this is the second origin (redirect target: records separately,
            no faults, no authentication check).
    """

    def __init__(
        self,
        simulator: Simulator,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        other_origin: bool = False,
    ) -> None:
        self._server = _Server((host, port), simulator, other_origin)
        self._server.timeout = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """``http://host:port`` of the listening socket."""
        host, port = self._server.server_address[:2]
        host_text = host.decode() if isinstance(host, bytes) else str(host)
        if ":" in host_text:
            host_text = f"[{host_text}]"
        return f"http://{host_text}:{port}"

    def start(self) -> None:
        """Start serving on a daemon thread."""
        self._stopping.clear()
        self._thread = threading.Thread(target=self._loop, daemon=True, name="vtasks-fake-server")
        self._thread.start()

    def _loop(self) -> None:
        # handle_request() blocks until a connection arrives; stop() sets the flag and then
        # connects once itself, so the loop wakes at once instead of polling.
        while not self._stopping.is_set():
            try:
                self._server.handle_request()
            except OSError:
                break

    def _poke(self) -> None:
        host, port = self._server.server_address[:2]
        target = "127.0.0.1" if host in ("0.0.0.0", "") else str(host)  # noqa: S104
        if target == "::":
            target = "::1"
        try:
            socket.create_connection((target, int(port)), timeout=1.0).close()
        except OSError:
            with contextlib.suppress(OSError):
                self._server.socket.shutdown(socket.SHUT_RDWR)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop accepting, close every connection and join every thread."""
        self._stopping.set()
        if self._thread is not None:
            self._poke()
            self._thread.join(timeout)
            self._thread = None
        self._server.server_close()
        self._server.close_connections(timeout)
