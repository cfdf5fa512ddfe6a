"""Soak: ``wait_for_tasks`` on many tasks over all six providers at once, 5 % of requests faulted.

One :class:`vtasks.AsyncClient` per provider, all waiting concurrently. Tasks run through their
vendor's real lifecycle to a random outcome (succeeded, failed, cancelled, expired) with random
step lengths, on the simulator's clock running ``SPEED`` times faster than real time; the clients
use a clock scaled the same way, so polling and back-off keep their real proportions. 5 % of all
requests (every endpoint, every provider) get a 429 (Retry-After 1 s), a 500 or a dropped
connection, in equal parts.

Checked: every task comes back exactly once, terminal, in its final vendor state; the run ends
within a bound; memory stays flat. For the last, the simulator runs in a child process (so
``tracemalloc`` sees the clients only) and the tasks come in two equal rounds on the same clients:
the memory in use after the second round must be about what it was after the first (a leak grows
with every request; caches filled in the first round only churn in the second).

The second test creates its tasks: ``max(60, TASKS // 5)`` creates through every vendor's create
endpoint at once, under the same 5 % faults. A create is never re-sent; an uncertain one
(``TaskMayExistError``) is reconciled by listing, as docs/lifecycle.md shows; then all are waited
for. Checked: each create arrived once, made at most one task (a 429 none), every task made was
found and finished, none twice.

Sizes: ``VTASKS_SOAK_TASKS`` (default 300, what CI runs; ``nox -s soak`` runs 2,000),
``VTASKS_SOAK_SPEED`` (simulated seconds per real second, default 40), ``VTASKS_SOAK_SECONDS``
(the wall-time bound, default 20 s + 25 ms per task). The figures are printed (``-s``).
"""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
import os
import random
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Iterator
from multiprocessing.connection import Connection
from typing import Any

import pytest

import vtasks

TASKS = int(os.environ.get("VTASKS_SOAK_TASKS", "300"))
SPEED = float(os.environ.get("VTASKS_SOAK_SPEED", "40"))
BOUND = float(os.environ.get("VTASKS_SOAK_SECONDS", str(20 + 0.025 * TASKS)))
FAULT_RATE = 0.05
SEED = 20260701
# Step lengths of a lifecycle (simulated seconds); a task is terminal within STEP_MAX * 3 (its
# last step lasts for ever).
STEP_MIN, STEP_MAX = 1.0, 60.0
ROUND_GAP = STEP_MAX * 3 + 20.0  # the second round's tasks are created this much later
WAIT_TIMEOUT = 3600.0  # simulated seconds: far beyond any lifecycle
# How much more memory, and how many more live blocks, may be in use after the second round than
# after the first: clients reused for a whole round must keep nothing per request or per task
# (measured: within tens of KiB and a few hundred blocks either way, as connection pools shrink
# and grow; a leak of one object per request adds 500+ blocks in CI, 1,500+ in `nox -s soak`).
MAX_GROWTH = 128 * 1024
MAX_BLOCKS = 250 + TASKS // 4


# ---- the simulator, in a child process ----------------------------------------------------------


def serve(conn: Connection, tasks: int, speed: float, seed: int) -> None:
    """Child process: run the simulator with the soak's tasks and faults until told to stop."""
    from vtasks.testing import OUTCOMES, PROVIDERS, FakeProviders, lifecycle

    rng = random.Random(seed)
    with FakeProviders(speed=speed, seed=seed) as fake:
        added: list[tuple[str, str, int]] = []
        start = fake.clock.now()
        for i in range(tasks):
            provider = PROVIDERS[i % len(PROVIDERS)]
            round_ = (i // len(PROVIDERS)) % 2
            outcome = rng.choice(OUTCOMES)
            steps = [
                (name, rng.uniform(STEP_MIN, STEP_MAX)) for name, _ in lifecycle(provider, outcome)
            ]
            created = start + round_ * ROUND_GAP
            task = fake.add_task(provider, lifecycle=steps, created_at=created)
            added.append((provider, task.id, round_))
        # Three faults, each firing with probability r on requests the earlier ones spared:
        # 1 - (1 - r)**3 = FAULT_RATE of all requests.
        rate = 1 - (1 - FAULT_RATE) ** (1 / 3)
        fake.inject(None, "rate_limit", rate=rate, retry_after=1)
        fake.inject(None, "http_error", rate=rate, status=500)
        fake.inject(None, "drop", rate=rate)
        conn.send({"base_url": fake.base_url, "keys": fake.api_keys, "tasks": added})
        while True:
            message = conn.recv()
            if message == "report":
                final = {
                    task_id: fake.get_task(provider, task_id).raw_status
                    for provider, task_id, _ in added
                }
                records = fake.requests
                conn.send(
                    {
                        "requests": len(records),
                        "by_provider": Counter(r.provider for r in records),
                        "faults": Counter(r.fault for r in records if r.fault),
                        "final": final,
                    }
                )
            else:
                return


@pytest.fixture(scope="module")
def simulator() -> Iterator[dict[str, Any]]:
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=serve, args=(child, TASKS, SPEED, SEED), daemon=True)
    process.start()
    try:
        if not parent.poll(60):
            raise RuntimeError("the simulator process did not start")
        info: dict[str, Any] = parent.recv()
        info["conn"] = parent
        yield info
    finally:
        parent.send("stop")
        process.join(10)
        if process.is_alive():  # pragma: no cover - a stuck child must not outlive the tests
            process.kill()


# ---- the clients ----------------------------------------------------------------------------------


class ScaledClock:
    """The clients' clock: simulated seconds at SPEED times real time, like the simulator's."""

    def now(self) -> float:
        return time.monotonic() * SPEED

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds / SPEED)


class Tally:
    """What came back, without allocating per task (so it does not count as the clients' memory)."""

    def __init__(self, tasks: list[tuple[str, str, int]]) -> None:
        self.index = {task_id: i for i, (_, task_id, _) in enumerate(tasks)}
        self.seen = [0] * len(tasks)
        self.terminal = [False] * len(tasks)
        self.raw: list[str | None] = [None] * len(tasks)

    def add(self, task: vtasks.Task) -> None:
        i = self.index[task.id]
        self.seen[i] += 1
        self.terminal[i] = task.is_terminal
        # Interned: one string per distinct status, not one per task.
        self.raw[i] = sys.intern(task.raw_status) if task.raw_status is not None else None


async def wait_round(
    clients: dict[str, vtasks.AsyncClient], ids: dict[str, list[str]], tally: Tally
) -> None:
    async def one(provider: str) -> None:
        async for task in clients[provider].wait_for_tasks(ids[provider], timeout=WAIT_TIMEOUT):
            tally.add(task)

    await asyncio.gather(*(one(provider) for provider in clients))


async def soak(info: dict[str, Any]) -> dict[str, Any]:
    tasks: list[tuple[str, str, int]] = info["tasks"]
    rounds = [
        {p: [t for q, t, r in tasks if q == p and r == n] for p in vtasks.PROVIDERS} for n in (0, 1)
    ]
    tally = Tally(tasks)
    clients = {
        p: vtasks.AsyncClient(
            p, api_key=info["keys"][p], base_url=info["base_url"], clock=ScaledClock()
        )
        for p in vtasks.PROVIDERS
    }
    tracemalloc.start()
    try:
        started = time.perf_counter()
        await wait_round(clients, rounds[0], tally)
        first = time.perf_counter() - started
        gc.collect()
        after_first, _ = tracemalloc.get_traced_memory()
        before = tracemalloc.take_snapshot()
        tracemalloc.reset_peak()
        await wait_round(clients, rounds[1], tally)
        gc.collect()
        after_second, peak = tracemalloc.get_traced_memory()
        after = tracemalloc.take_snapshot()
        wall = time.perf_counter() - started
    finally:
        tracemalloc.stop()
        for client in clients.values():
            await client.close()
    diff = after.compare_to(before, "lineno")
    top = diff[:5]
    blocks = sum(stat.count_diff for stat in diff)
    # A global table that happens to grow during the round (the interpreter's interned strings,
    # seen once as a single 1.8 MiB block) is one new large block, not a leak.
    one_off = sum(s.size_diff for s in diff if s.count_diff == 1 and s.size_diff > 64 * 1024)
    return {
        "tally": tally,
        "wall": wall,
        "first_round": first,
        "growth": after_second - after_first - one_off,
        "one_off": one_off,
        "blocks": blocks,
        "peak": peak - after_first,
        "top": top,
    }


# Not traced by coverage (pytest-cov's marker): the tracer records each newly run line in memory,
# which tracemalloc counts as the clients' growth between the rounds (a false leak).
@pytest.mark.no_cover
def test_soak(simulator: dict[str, Any]) -> None:
    result = asyncio.run(soak(simulator))
    conn: Connection = simulator["conn"]
    conn.send("report")
    report = conn.recv()
    tally: Tally = result["tally"]
    tasks = simulator["tasks"]

    faults = report["faults"]
    faulted = sum(faults.values())
    lines = [
        f"soak: {len(tasks)} tasks over {len(vtasks.PROVIDERS)} providers, speed x{SPEED:g}",
        f"  wall time {result['wall']:.1f} s (bound {BOUND:g} s; first round {result['first_round']:.1f} s)",
        f"  requests {report['requests']}, {report['requests'] / len(tasks):.1f} per task "
        f"({', '.join(f'{p} {n}' for p, n in sorted(report['by_provider'].items()))})",
        f"  faulted {faulted} ({faulted / max(report['requests'], 1):.1%}: {dict(faults)}), all recovered by retries",
        f"  memory: {result['growth'] / 1024:+.0f} KiB and {result['blocks']:+d} blocks in use after "
        f"the second round than after the first (the round's peak: {result['peak'] / 1024:+.0f} KiB"
        + (
            f"; one-off table growth {result['one_off'] / 1024:.0f} KiB"
            if result["one_off"]
            else ""
        )
        + ")",
    ]
    sys.stdout.write("\n" + "\n".join(lines) + "\n")

    missing = [tasks[i][1] for i, n in enumerate(tally.seen) if n == 0]
    twice = [tasks[i][1] for i, n in enumerate(tally.seen) if n > 1]
    assert not missing, f"{len(missing)} tasks never came back, e.g. {missing[:3]}"
    assert not twice, f"{len(twice)} tasks came back more than once, e.g. {twice[:3]}"
    assert all(tally.terminal), "a task came back before it was terminal"
    wrong = [
        (task_id, tally.raw[i], report["final"][task_id])
        for i, (_, task_id, _) in enumerate(tasks)
        if tally.raw[i] != report["final"][task_id]
    ]
    assert not wrong, f"tasks came back in another state than their last: {wrong[:3]}"
    assert 0.02 < faulted / report["requests"] < 0.09, "the fault rate is not what the soak claims"
    assert result["wall"] < BOUND, f"took {result['wall']:.1f} s, bound {BOUND:g} s"
    top = "\n".join(str(stat) for stat in result["top"])
    assert result["growth"] < MAX_GROWTH, f"memory grew by {result['growth']} bytes:\n{top}"
    assert result["blocks"] < MAX_BLOCKS, f"{result['blocks']} more live blocks:\n{top}"


# ---- the soak creates its tasks ------------------------------------------------------------------

CREATES = max(60, TASKS // 5)  # tasks created through each vendor's create endpoint


async def create_soak(fake: Any) -> dict[str, Any]:
    """Create CREATES tasks across the providers concurrently, under 5 % faults, then wait for them.

    A create that fails is never re-sent: a refusal made nothing; after a ``TaskMayExistError``
    the task is found again by its unique model name in the newest-first listing (the reconciliation
    docs/lifecycle.md shows), or, for the vendors that cannot list, counted as made.
    """
    clients = {
        p: vtasks.AsyncClient(
            p, api_key=fake.api_keys[p], base_url=fake.base_url, clock=ScaledClock()
        )
        for p in vtasks.PROVIDERS
    }
    outcome: Counter[str] = Counter()
    ids: dict[str, list[str]] = {p: [] for p in vtasks.PROVIDERS}
    unsure: list[tuple[str, vtasks.TaskMayExistError]] = []
    gate = asyncio.Semaphore(32)

    async def create(i: int) -> None:
        provider = vtasks.PROVIDERS[i % len(vtasks.PROVIDERS)]
        async with gate:
            try:
                task = await clients[provider].create_task(
                    model=f"soak-model-{i}",
                    prompt=f"soak task {i}",
                    duration=6 if provider == "minimax" else None,
                )
            except vtasks.TaskMayExistError as error:
                outcome["may exist"] += 1
                unsure.append((provider, error))
                return
            except vtasks.APIError:
                outcome["refused"] += 1  # a 429: the vendor said no and made nothing
                return
        outcome["created"] += 1
        ids[provider].append(task.id)

    try:
        await asyncio.gather(*(create(i) for i in range(CREATES)))
        fake.clear_faults()  # the reconciliation reads a quiet server: it must find, not retry
        for provider, error in unsure:
            if not vtasks.PROVIDER_INFO[provider].supports_list:
                outcome["unreconcilable"] += 1
                continue
            # Each create asked for a model name of its own, which every listing vendor echoes.
            found = [
                t
                async for t in clients[provider].list_tasks(limit=CREATES)
                if t.model == error.model
            ]
            outcome["reconciled" if found else "not found"] += 1
            ids[provider].extend(t.id for t in found[:1])
        terminal = 0
        for provider, client in clients.items():
            async for task in client.wait_for_tasks(ids[provider], timeout=WAIT_TIMEOUT):
                terminal += task.is_terminal
    finally:
        for client in clients.values():
            await client.close()
    return {"outcome": outcome, "ids": ids, "terminal": terminal}


@pytest.mark.no_cover
def test_soak_creates_its_tasks() -> None:
    from vtasks.testing import FakeProviders

    with FakeProviders(speed=SPEED, seed=SEED) as fake:
        rate = 1 - (1 - FAULT_RATE) ** (1 / 3)
        fake.inject(None, "rate_limit", rate=rate, retry_after=1)
        fake.inject(None, "http_error", rate=rate, status=500)
        fake.inject(None, "drop", rate=rate)
        result = asyncio.run(create_soak(fake))
        creates = [r for r in fake.requests if r.endpoint == "create"]
        made = sum(fake.task_count(p) for p in vtasks.PROVIDERS)
    outcome = result["outcome"]
    print(
        f"\nsoak creates: {CREATES} creates under {FAULT_RATE:.0%} faults: {dict(outcome)}; "
        f"{len(creates)} create requests arrived, {made} tasks made"
    )
    # Every create was sent exactly once, and made at most one task (a refusal made none).
    assert len(creates) == CREATES
    assert made == CREATES - outcome["refused"]
    assert outcome["created"] + outcome["may exist"] + outcome["refused"] == CREATES
    assert outcome["not found"] == 0  # every uncertain create of a listing vendor was found
    tracked = sum(len(v) for v in result["ids"].values())
    assert tracked == outcome["created"] + outcome["reconciled"]
    assert len({i for v in result["ids"].values() for i in v}) == tracked  # no task twice
    assert result["terminal"] == tracked
