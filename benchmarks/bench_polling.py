"""Polling: requests per round waiting on many tasks, and the lag from finish to yield."""

from __future__ import annotations

import itertools
import math
import statistics
import time

from _common import Spread, row
from _remote import RemoteSimulator

import vtasks


class _RoundClock:
    """The wall clock, noting the simulator's request count at each sleep: one count a round."""

    def __init__(self, sim: RemoteSimulator) -> None:
        self.sim = sim
        self.counts = [sim.call("request_count")]

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        self.counts.append(self.sim.call("request_count"))
        time.sleep(seconds)

    def per_round(self) -> list[int]:
        """Requests in each polling round (the last one ends when the wait does)."""
        counts = [*self.counts, self.sim.call("request_count")]
        return [b - a for a, b in itertools.pairwise(counts)]


def bench_wait_many(sim: RemoteSimulator) -> None:
    print("5. requests per polling round waiting on 1,000 tasks", flush=True)
    n = 1000
    # Every task queued, then running, then finished at 2 s: a few rounds at 0.4 s intervals.
    # A round of single GETs takes longer than that, and the tasks it finds finished drop out of
    # the next: hence those providers' smaller last rounds.
    steps = [("queued", 1.0), ("running", 1.0), "succeeded"]
    for provider in vtasks.PROVIDERS:
        sim.call("clear_tasks", provider)
        ids = sim.call("add_tasks", provider, n, lifecycle=steps, spacing=0.0)
        among = ""
        if provider == "aitoearn":
            # Newer tasks the wait does not track: the tracked ones span pages 1 and 2.
            sim.call("add_tasks", provider, 500, status="running")
            among = " among 1,500"
        key = sim.api_keys[provider]
        adapter_max = {"ark": 500, "volc": 500, "vidu": 100}.get(provider)
        clock = _RoundClock(sim)
        with vtasks.Client(
            provider, api_key=key, base_url=sim.base_url, max_concurrency=16, clock=clock
        ) as client:
            done = sum(1 for _ in client.wait_for_tasks(ids, timeout=60, poll_interval=0.4))
        assert done == n, (provider, done)
        rounds = clock.per_round()
        spread = Spread.of(rounds)
        extra = " (+1 files request per finished task, last round)" if provider == "minimax" else ""
        figures = f"{spread.fmt('.0f')} over {len(rounds)} rounds"
        if adapter_max:
            expected = math.ceil(n / adapter_max)
            target, ok = f"⌈N / page size⌉ = {expected}", spread.max <= expected
        elif provider == "aitoearn":
            target, ok = "≤ 2 (newest-first pages of 1,000)", spread.max <= 2
        else:
            target, ok = "report", None
        row(
            "5",
            f"{provider}: HTTP requests per polling round, 1,000 tasks{among}{extra}",
            f"one request per task per round = {n}",
            figures,
            target,
            ok,
        )
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
