"""Polling: requests per round waiting on many tasks, and the lag from finish to yield."""

from __future__ import annotations

import math
import statistics
import time

from _common import row
from _remote import RemoteSimulator

import vtasks


def bench_wait_many(sim: RemoteSimulator) -> None:
    print("5. requests per polling round waiting on 1,000 tasks", flush=True)
    n = 1000
    for provider in vtasks.PROVIDERS:
        sim.call("clear_tasks", provider)
        ids = sim.call("add_tasks", provider, n, lifecycle="succeeded", step_seconds=20.0)
        key = sim.api_keys[provider]
        adapter_max = {"ark": 500, "volc": 500, "vidu": 100}.get(provider)
        with vtasks.Client(
            provider, api_key=key, base_url=sim.base_url, max_concurrency=16
        ) as client:
            before = sim.call("request_count")
            first_round = client.get_tasks(ids)
            per_round = sim.call("request_count") - before
        finished_requests = sum(
            1 for t in first_round if t.status.value == "succeeded" and t.video_url
        )
        expected = math.ceil(n / adapter_max) if adapter_max else None
        extra = " (+1 files request per finished task)" if provider == "minimax" else ""
        row(
            "5",
            f"{provider}: HTTP requests per polling round, 1,000 tasks{extra}",
            f"one request per task per round = {n}",
            f"{per_round}",
            f"⌈N / page size⌉ = {expected}" if expected else "report",
            (per_round <= expected) if expected else None,
        )
        del finished_requests
    # Time from a task finishing to wait_for_tasks yielding it (wall clock; simulator at real speed).
    provider = "ark"
    sim.call("clear_tasks", provider)
    key = sim.api_keys[provider]
    ids = sim.call(
        "add_tasks", provider, 200, lifecycle=[("queued", 0.5), ("running", 0.5), "succeeded"]
    )
    delays = []
    with vtasks.Client(provider, api_key=key, base_url=sim.base_url) as client:
        start = time.perf_counter()
        for _task in client.wait_for_tasks(ids, timeout=60, poll_interval=0.25):
            delays.append(time.perf_counter() - start)
    # Every task finishes at 1.0 s of simulator time; the delay is what the poll adds after it.
    lag = [max(d - 1.0, 0.0) for d in delays]
    row(
        "5",
        "ark: finish → yielded by wait_for_tasks, 200 tasks, poll_interval 0.25 s (wall)",
        "the poll interval",
        f"mean {statistics.mean(lag) * 1000:.0f} ms, max {max(lag) * 1000:.0f} ms",
        "report (≈ one poll interval at most)",
        None,
    )
