"""Row 9: polling under a request budget, against a simulator that enforces the vendor's rate.

Issue 15: "2,000 tasks polled under a budget of 20 requests per second hold within 5 % of the
budget, with no 429 from a simulator that enforces it." Veo has one request per task, so one
polling round of 2,000 tasks is 2,000 requests: 100 s at 20 per second, more than this row's
share of the six-minute run. So the wait on all 2,000 tasks is measured over windows: each round
is a ``wait_for_tasks`` on the 2,000 running tasks with ``timeout=WINDOW``, ended by its
``WaitTimeout`` (the budget refuses, at once, the turns past the deadline). Its rate is the
requests the simulator received during the call over the call's wall time; its 429s are those
the simulator sent. The same number of tasks and the same budget as the issue, a fraction of
the round: the rate a budget holds does not depend on how long one holds it.

Baseline, in the same run: the same wait without a budget, which bursts into the limit.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

from _common import Spread, row
from _remote import RemoteSimulator

import vtasks

PROVIDER = "veo"
TASKS = 2000
BUDGET = 20.0
WINDOW = 6.0  # seconds per round (120 requests at 20/s; the bench stays within its budget)
ROUNDS = 3
BASELINE_WINDOW = 3.0
#: The adaptive row: a budget twice what the vendor allows, over this long.
VENDOR_LIMIT = 10.0
ADAPT_WINDOW = 6.0


def _wait(client: vtasks.Client, ids: list[str], window: float) -> None:
    try:
        for _ in client.wait_for_tasks(ids, timeout=window, poll_interval=1.0):
            pass
    except vtasks.WaitTimeout:
        pass


async def _await(client: vtasks.AsyncClient, ids: list[str], window: float) -> None:
    try:
        async for _ in client.wait_for_tasks(ids, timeout=window, poll_interval=1.0):
            pass
    except vtasks.WaitTimeout:
        pass


def _measured(sim: RemoteSimulator, run: Any) -> tuple[float, int, int]:
    """(wall seconds, requests received, requests refused with 429) of ``run()``."""
    count, refused = sim.call("request_count"), sim.call("refused_count")
    start = time.perf_counter()
    run()
    elapsed = time.perf_counter() - start
    return elapsed, sim.call("request_count") - count, sim.call("refused_count") - refused


def bench_budget(sim: RemoteSimulator) -> None:
    print(f"9. polling {TASKS:,} tasks under max_requests_per_second={BUDGET:g}", flush=True)
    sim.call("clear_tasks", PROVIDER)
    ids = sim.call("add_tasks", PROVIDER, TASKS, status="running")
    key = sim.api_keys[PROVIDER]
    options: dict[str, Any] = {"api_key": key, "base_url": sim.base_url}
    sim.call("limit_rate", PROVIDER, BUDGET)
    try:
        # Baseline: no budget; polls go as fast as max_concurrency allows, into the limit.
        with vtasks.Client(PROVIDER, **options) as client:
            _, sent, refused_base = _measured(sim, lambda: _wait(client, ids, BASELINE_WINDOW))
        baseline = (
            f"no budget: {refused_base:,} of {sent:,} requests got 429 in {BASELINE_WINDOW:.0f} s"
        )
        print(f"  {baseline}", flush=True)

        rates: list[float] = []
        refused = 0
        for _ in range(ROUNDS):
            sim.call("limit_rate", PROVIDER, BUDGET)  # a full bucket, as for a fresh vendor window
            with vtasks.Client(PROVIDER, max_requests_per_second=BUDGET, **options) as client:
                elapsed, sent, got_429 = _measured(sim, lambda: _wait(client, ids, WINDOW))
            rates.append(sent / elapsed)
            refused += got_429
        spread = Spread.of(rates)
        low, high = BUDGET * 0.95, BUDGET * 1.05
        row(
            "9",
            f"{PROVIDER}: wait_for_tasks on {TASKS:,} tasks, max_requests_per_second={BUDGET:g}, "
            f"simulator enforcing {BUDGET:g}/s ({ROUNDS} rounds of {WINDOW:.0f} s): requests/s",
            baseline,
            f"{spread.fmt('.2f')} req/s",
            f"{low:g}–{high:g} (within 5 %)",
            spread.min >= low and spread.max <= high,
        )
        row(
            "9",
            f"{PROVIDER}: 429 answers in those rounds",
            baseline,
            f"{refused}",
            "0",
            refused == 0,
        )
        _shared(sim, ids, options)
        _adaptive(sim, ids, options)
    finally:
        sim.call("limit_rate", PROVIDER, None)
        sim.call("clear_tasks", PROVIDER)


def _shared(sim: RemoteSimulator, ids: list[str], options: dict[str, Any]) -> None:
    """A sync and an async client, each on half the tasks, sharing one ``RateLimit``."""
    sim.call("limit_rate", PROVIDER, BUDGET)
    budget = vtasks.RateLimit(BUDGET)
    half = len(ids) // 2

    def both() -> None:
        async def run_async() -> None:
            async with vtasks.AsyncClient(PROVIDER, rate_limit=budget, **options) as client:
                await _await(client, ids[half:], WINDOW)

        other = threading.Thread(target=asyncio.run, args=(run_async(),))
        other.start()
        with vtasks.Client(PROVIDER, rate_limit=budget, **options) as client:
            _wait(client, ids[:half], WINDOW)
        other.join()

    elapsed, sent, got_429 = _measured(sim, both)
    rate = sent / elapsed
    row(
        "9",
        f"{PROVIDER}: a Client and an AsyncClient sharing one RateLimit({BUDGET:g}), "
        f"{half:,} tasks each, {WINDOW:.0f} s: requests/s, 429s",
        "the budget",
        f"{rate:.2f} req/s, {got_429} × 429",
        f"{BUDGET * 0.95:g}–{BUDGET * 1.05:g}, 0",
        BUDGET * 0.95 <= rate <= BUDGET * 1.05 and got_429 == 0,
    )


def _adaptive(sim: RemoteSimulator, ids: list[str], options: dict[str, Any]) -> None:
    """A budget set too high (twice the vendor's limit): its 429 answers slow it down."""
    sim.call("limit_rate", PROVIDER, VENDOR_LIMIT)
    with vtasks.Client(PROVIDER, max_requests_per_second=BUDGET, **options) as client:
        elapsed, sent, got_429 = _measured(sim, lambda: _wait(client, ids, ADAPT_WINDOW))
        rate = client.rate_limit.rate if client.rate_limit is not None else BUDGET
    row(
        "9",
        f"{PROVIDER}: max_requests_per_second={BUDGET:g} against a vendor allowing "
        f"{VENDOR_LIMIT:g}/s, {ADAPT_WINDOW:.0f} s: 429s, requests/s, rate in force at the end",
        f"a fixed {BUDGET:g}/s: about half its requests refused",
        f"{got_429} of {sent} got 429 ({got_429 / max(sent, 1):.0%}), {sent / elapsed:.1f} req/s, "
        f"{rate:g}/s in force",
        "report (adapts: a 429 halves the rate)",
        None,
    )
