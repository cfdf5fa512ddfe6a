"""The synchronous client's deadline watchdog (vtasks._watchdog), on real sockets."""

from __future__ import annotations

import socket
import threading
import time

from hostile import ark_task, hostile_server, json_answer

import vtasks
from vtasks import _watchdog


class Stream:
    """httpcore's network stream, as far as the watchdog uses it."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def get_extra_info(self, name: str) -> object:
        return self.sock if name == "socket" else None


def test_a_guard_past_its_deadline_shuts_its_socket_and_wakes_a_blocked_read() -> None:
    left, right = socket.socketpair()
    guard = _watchdog.arm(time.monotonic() + 0.2)
    guard.watch(Stream(left))
    started = time.monotonic()
    assert left.recv(1) == b""  # woken by the shutdown, not by data
    assert 0.15 < time.monotonic() - started < 1.0
    assert guard.fired
    left.close()
    right.close()


def test_a_disarmed_guard_never_fires() -> None:
    left, right = socket.socketpair()
    guard = _watchdog.arm(time.monotonic() + 0.1)
    guard.watch(Stream(left))
    guard.disarm()
    time.sleep(0.3)
    assert not guard.fired
    right.sendall(b"x")
    assert left.recv(1) == b"x"  # the socket still works
    left.close()
    right.close()


def test_a_stream_learnt_after_the_deadline_is_shut_at_once() -> None:
    left, right = socket.socketpair()
    guard = _watchdog.arm(time.monotonic() - 1)
    guard.watch(Stream(left))
    assert left.recv(1) == b""
    left.close()
    right.close()


def test_finished_exchanges_leave_nothing_armed() -> None:
    with hostile_server(json_answer(ark_task())) as server:
        key = "sk-watchdog-0123"
        with vtasks.Client("ark", api_key=key, base_url=server.url, timeout=5) as client:
            threads = [
                threading.Thread(target=client.get_task, args=(f"cgt-{i}",)) for i in range(8)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            client.get_task("cgt-last")
    assert _watchdog._WATCHDOG.live == {}
