"""Listing: wall time across 50 ms round trips, and peak memory as listings grow."""

from __future__ import annotations

import gc
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from _common import LIST_PATH, Spread, headers, ratio, row
from _remote import RemoteSimulator

import vtasks
from vtasks import _json

#: Round trips a 10,000-task listing may take in all (issue 15; the physical limit is about 2: the
#: first page, which gives the total, then every other page at once).
ROUND_TRIPS = 3.0
LATENCY = 0.05
ROUNDS = 5
#: The largest page each vendor serves (what vtasks asks for by default).
PAGE_SIZE = {"ark": 500, "aitoearn": 1000}
CONCURRENCY = 32


def raw_listing(sim: RemoteSimulator, provider: str, total: int) -> tuple[float, float]:
    """Raw httpx + orjson the same way: the first page, then every other page at once.

    ``CONCURRENCY`` threads on a new ``httpx.Client`` (the pool made before the clock starts, its
    threads on demand, as vtasks' are); returns the wall time in round trips and the CPU in ms.
    """
    size = PAGE_SIZE[provider]
    hdrs = headers(provider, sim.api_keys[provider])
    url = sim.base_url + LIST_PATH[provider]
    loads = _json._orjson.loads if _json._orjson is not None else _json.json.loads

    def page(number: int) -> Any:
        return loads(client.get(url.format(page=number, size=size), headers=hdrs).content)

    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    with httpx.Client(limits=limits) as client, ThreadPoolExecutor(CONCURRENCY) as pool:
        start, cpu_start = time.perf_counter(), time.process_time()
        first = page(1)
        count = len(first["items"] if provider == "ark" else first["data"]["list"])
        rest = list(pool.map(page, range(2, -(-total // size) + 1)))
        wall = (time.perf_counter() - start) / LATENCY
        cpu = (time.process_time() - cpu_start) * 1000
    count += sum(len(p["items"] if provider == "ark" else p["data"]["list"]) for p in rest)
    assert count == total, (count, total)
    return wall, cpu


def bench_list_latency(sim: RemoteSimulator) -> None:
    print("3. wall time to list 10,000 tasks with 50 ms latency", flush=True)
    for provider in ("ark", "aitoearn"):
        sim.call("clear_tasks", provider)
        sim.call("add_tasks", provider, 10_000, snapshots=False)
        sim.call("inject", provider, "latency", endpoint="list", seconds=LATENCY, count=None)
        key = sim.api_keys[provider]
        with vtasks.Client(provider, api_key=key, base_url=sim.base_url, max_concurrency=1) as seq:
            start = time.perf_counter()
            n_seq = sum(1 for _ in seq.list_tasks())
            sequential = time.perf_counter() - start
        before_pages = sim.call("list_pages", provider)
        cold, warm, cpu = [], [], []
        counts = set()
        for _ in range(ROUNDS):  # a new client each time (its connections opened on the way) ...
            with vtasks.Client(provider, api_key=key, base_url=sim.base_url) as client:
                before = sim.call("request_count")
                start, cpu_start = time.perf_counter(), time.process_time()
                counts.add(sum(1 for _ in client.list_tasks()))
                cold.append((time.perf_counter() - start) / LATENCY)
                cpu.append((time.process_time() - cpu_start) * 1000)
                requests = sim.call("request_count") - before
                start = time.perf_counter()  # ... and again on its open connections
                sum(1 for _ in client.list_tasks())
                warm.append((time.perf_counter() - start) / LATENCY)
        raw_wall, raw_cpu = [], []
        for _ in range(ROUNDS):
            wall, cpu_ms = raw_listing(sim, provider, 10_000)
            raw_wall.append(wall)
            raw_cpu.append(cpu_ms)
        pages = sim.call("list_pages", provider)
        made = pages["made"] - before_pages["made"]
        served = pages["served"] - before_pages["served"]
        sim.call("clear_faults", provider)
        trips = Spread.of(cold)
        row(
            "3",
            f"{provider}: list 10,000 tasks, 50 ms per round trip ({requests} requests; "
            f"{ROUNDS} new clients)",
            f"sequential paging {sequential / LATENCY:.1f} round trips; raw httpx + orjson, the "
            f"first page then the rest at once, {CONCURRENCY} threads: "
            f"{Spread.of(raw_wall).fmt('.1f')} round trips, CPU "
            f"{Spread.of(raw_cpu).fmt('.0f', ' ms')}",
            f"{trips.fmt('.1f')} round trips (on open connections "
            f"{Spread.of(warm).fmt('.1f')}; client CPU {Spread.of(cpu).fmt('.0f', ' ms')}; "
            f"{'/'.join(map(str, sorted(counts)))} tasks; "
            f"sequential {n_seq}; simulator: {made} pages rendered, {served} from its cache)",
            f"≤ {ROUND_TRIPS:.1f} round trips in all",
            trips.median <= ROUND_TRIPS and counts == {10_000},
        )


def bench_memory(sim: RemoteSimulator) -> None:
    print("4. peak memory listing 100,000 vs 10,000 tasks", flush=True)
    provider = "ark"
    key = sim.api_keys[provider]
    peaks: dict[int, list[float]] = {}
    for count in (10_000, 100_000):
        sim.call("clear_tasks", provider)
        sim.call("add_tasks", provider, count, snapshots=False)
        samples = []
        for _ in range(2):  # the peak depends on when the garbage collector runs: 2 rounds
            with vtasks.Client(provider, api_key=key, base_url=sim.base_url) as client:
                gc.collect()
                tracemalloc.start()
                seen = 0
                for _ in client.list_tasks():
                    seen += 1
                _, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
            assert seen == count, (seen, count)
            samples.append(peak / 2**20)
        peaks[count] = samples
    growth = ratio(peaks[100_000], peaks[10_000])
    row(
        "4",
        "ark: peak traced memory listing 100,000 vs 10,000 tasks (2 rounds each)",
        "the 10,000-task listing",
        f"{Spread.of(peaks[100_000]).fmt('.1f', ' MiB')} vs "
        f"{Spread.of(peaks[10_000]).fmt('.1f', ' MiB')} = {growth.fmt('.2f', '×')}",
        "≤ 1.25×",
        growth.median <= 1.25,
    )
    sim.call("clear_tasks", provider)
