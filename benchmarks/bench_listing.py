"""Listing: wall time across 50 ms round trips, and peak memory as listings grow."""

from __future__ import annotations

import gc
import statistics
import time
import tracemalloc

from _common import row
from _remote import RemoteSimulator

import vtasks


def bench_list_latency(sim: RemoteSimulator) -> None:
    print("3. wall time to list 10,000 tasks with 50 ms latency", flush=True)
    for provider in ("ark", "aitoearn"):
        sim.call("clear_tasks", provider)
        sim.call("add_tasks", provider, 10_000, snapshots=False)
        sim.call("inject", provider, "latency", endpoint="list", seconds=0.05, count=None)
        key = sim.api_keys[provider]
        with vtasks.Client(provider, api_key=key, base_url=sim.base_url, max_concurrency=1) as seq:
            start = time.perf_counter()
            n_seq = sum(1 for _ in seq.list_tasks())
            sequential = time.perf_counter() - start
        cold, warm = [], []
        for _ in range(3):  # a new client each time (its connections opened on the way) ...
            with vtasks.Client(provider, api_key=key, base_url=sim.base_url) as client:
                before = sim.call("request_count")
                start = time.perf_counter()
                n = sum(1 for _ in client.list_tasks())
                cold.append(time.perf_counter() - start)
                requests = sim.call("request_count") - before
                start = time.perf_counter()  # ... and again on its open connections
                sum(1 for _ in client.list_tasks())
                warm.append(time.perf_counter() - start)
        sim.call("clear_faults", provider)
        wall = statistics.median(cold)
        round_trips = wall / 0.05
        beyond_first = round_trips - 1
        row(
            "3",
            f"{provider}: list 10,000 tasks, 50 ms per round trip ({requests} requests; "
            "median of 3 new clients)",
            f"sequential paging {sequential:.2f} s",
            f"{wall:.2f} s ≈ {round_trips:.1f} round trips (on open connections "
            f"{statistics.median(warm) / 0.05:.1f}; {n} tasks; sequential {n_seq})",
            "≤ 4 round trips beyond the first page's",
            beyond_first <= 4.0 and n == 10_000,
        )


def bench_memory(sim: RemoteSimulator) -> None:
    print("4. peak memory listing 100,000 vs 10,000 tasks", flush=True)
    provider = "ark"
    key = sim.api_keys[provider]
    peaks = {}
    for count in (10_000, 100_000):
        sim.call("clear_tasks", provider)
        sim.call("add_tasks", provider, count, snapshots=False)
        samples = []
        for _ in range(3):  # the peak depends on when the garbage collector runs: the median
            with vtasks.Client(provider, api_key=key, base_url=sim.base_url) as client:
                gc.collect()
                tracemalloc.start()
                seen = 0
                for _ in client.list_tasks():
                    seen += 1
                _, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
            assert seen == count, (seen, count)
            samples.append(peak)
        peaks[count] = statistics.median(samples)
    growth = peaks[100_000] / peaks[10_000]
    row(
        "4",
        "ark: peak traced memory listing 100,000 vs 10,000 tasks (median of 3)",
        "the 10,000-task listing",
        f"{peaks[100_000] / 2**20:.1f} MiB vs {peaks[10_000] / 2**20:.1f} MiB = {growth:.2f}×",
        "no growth beyond noise (≤ 1.25×)",
        growth <= 1.25,
    )
    sim.call("clear_tasks", provider)
