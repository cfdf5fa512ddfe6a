"""How many requests per second the simulator serves to one keep-alive httpx client.

Sequential and bounded: ``python benchmarks/bench_simulator.py [--requests N]``.
Measures a single-task get (Ark) and a 100-task list page (Ark, Vidu, AiToEarn) over 100,000 tasks,
every 500-task Ark page rendered and then served again from the simulator's page cache (what
keeps a listing benchmark measuring the client), then the same get over a raw keep-alive socket:
the simulator's own ceiling, since a single httpx client spends most of each round trip in its
own code.
"""

from __future__ import annotations

import argparse
import re
import socket
import time
from collections.abc import Callable

import httpx

from vtasks.testing import FakeProviders


def _rate(label: str, count: int, call: Callable[[], httpx.Response]) -> float:
    for _ in range(min(50, count)):  # warm up: connection, caches
        call().raise_for_status()
    start = time.perf_counter()
    for _ in range(count):
        call()
    elapsed = time.perf_counter() - start
    rate = count / elapsed
    print(f"{label:<44} {rate:8.0f} req/s  ({count} requests, {elapsed:.2f} s)")
    return rate


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=3000, help="requests per measurement")
    parser.add_argument("--tasks", type=int, default=100_000, help="tasks per listed provider")
    args = parser.parse_args(argv)
    n = args.requests
    results: dict[str, float] = {}
    with FakeProviders(record_requests=False) as fake:
        start = time.perf_counter()
        for provider in ("ark", "vidu", "aitoearn"):
            fake.add_tasks(provider, args.tasks, snapshots=False)
        print(f"added {3 * args.tasks} tasks in {time.perf_counter() - start:.2f} s")
        task_id = fake.task_ids("ark")[args.tasks // 2]
        keys = fake.api_keys
        with httpx.Client(base_url=fake.base_url) as client:
            ark = {"Authorization": f"Bearer {keys['ark']}"}
            results["get"] = _rate(
                "ark get (one task)",
                n,
                lambda: client.get(f"/api/v3/contents/generations/tasks/{task_id}", headers=ark),
            )
            results["list_ark"] = _rate(
                "ark list (page 50 x 100 tasks)",
                max(1, n // 10),
                lambda: client.get(
                    "/api/v3/contents/generations/tasks",
                    params={"page_num": 50, "page_size": 100},
                    headers=ark,
                ),
            )
            vidu = {"Authorization": f"Token {keys['vidu']}"}
            results["list_vidu"] = _rate(
                "vidu list (page 50 x 100 tasks)",
                max(1, n // 10),
                lambda: client.get(
                    "/ent/v2/tasks", params={"pager.page": 50, "pager.pagesz": 100}, headers=vidu
                ),
            )
            ait = {"X-Api-Key": keys["aitoearn"]}
            results["list_aitoearn"] = _rate(
                "aitoearn list (page 50 x 100 tasks)",
                max(1, n // 10),
                lambda: client.get(
                    "/api/ai/video/generations", params={"page": 50, "pageSize": 100}, headers=ait
                ),
            )
            results.update(_list_cache(fake, client, args.tasks))
            results["download"] = _rate(
                "download (result video, ~4 KB)",
                max(1, n // 3),
                lambda: client.get(f"/_files/ark/{task_id}.mp4"),
            )
        results["get_raw_socket"] = _raw_socket_rate(fake, task_id, n)
    return results


def _list_cache(fake: FakeProviders, client: httpx.Client, tasks: int) -> dict[str, float]:
    """Ark's 500-task pages, each asked for twice: rendered the first time, then from the cache.

    The cache keeps a listing benchmark measuring the client: a page asked for again while
    nothing on it can have changed is served as rendered (``FakeProviders.list_pages``).
    """
    ark = {"Authorization": f"Bearer {fake.api_keys['ark']}"}
    pages = max(1, tasks // 500)
    before = fake.list_pages("ark")
    rates = {}
    for label in ("rendered", "cached"):
        start = time.perf_counter()
        for number in range(1, pages + 1):
            client.get(
                "/api/v3/contents/generations/tasks",
                params={"page_num": number, "page_size": 500},
                headers=ark,
            ).raise_for_status()
        elapsed = time.perf_counter() - start
        rates[label] = pages / elapsed
        print(
            f"{'ark list, 500-task pages, ' + label:<44} {rates[label]:8.0f} req/s  "
            f"({pages} pages, {elapsed * 1000 / pages:.1f} ms a page)"
        )
    after = fake.list_pages("ark")
    made, served = after["made"] - before["made"], after["served"] - before["served"]
    print(f"{'  pages rendered / served from the cache':<44} {made:>8} / {served}")
    return {"list_rendered": rates["rendered"], "list_cached": rates["cached"]}


def _raw_socket_rate(fake: FakeProviders, task_id: str, count: int) -> float:
    host, port = fake.base_url.removeprefix("http://").rsplit(":", 1)
    request = (
        f"GET /api/v3/contents/generations/tasks/{task_id} HTTP/1.1\r\nHost: {host}\r\n"
        f"Authorization: Bearer {fake.api_keys['ark']}\r\n\r\n"
    ).encode()
    length = re.compile(rb"Content-Length: (\d+)")
    with socket.create_connection((host, int(port))) as sock:

        def once() -> None:
            sock.sendall(request)
            data = b""
            while b"\r\n\r\n" not in data:
                data += sock.recv(65536)
            head, _, body = data.partition(b"\r\n\r\n")
            match = length.search(head)
            assert match is not None
            while len(body) < int(match.group(1)):
                body += sock.recv(65536)

        for _ in range(50):
            once()
        start = time.perf_counter()
        for _ in range(count):
            once()
        elapsed = time.perf_counter() - start
    rate = count / elapsed
    print(f"{'ark get over a raw keep-alive socket':<44} {rate:8.0f} req/s  ({count} requests)")
    return rate


if __name__ == "__main__":
    main()
