"""vtasks benchmarks (`nox -s bench`): every figure against a baseline measured in the same run.

The simulator runs in a separate process (benchmarks/_remote.py), so the CPU time measured here
(`time.process_time`) is the client's alone. Ratios compare CPU time where the server shares the
machine, wall time only for latency-bound figures. The table is printed and written to
docs/benchmarks.md; the script exits non-zero if a target is missed, naming it.

Usage: python benchmarks/run.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import math
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    GET_PATH,
    LIST_PATH,
    MISSED,
    ROWS,
    cpu_interleaved,
    headers,
    row,
)
from _remote import RemoteSimulator

import vtasks

ROOT = Path(__file__).resolve().parent.parent
# -- 1 and 2: CPU per get_task and per list page ----------------------------------------------


def bench_get(sim: RemoteSimulator, calls: int) -> None:
    print("1. CPU per get_task, sequential and at concurrency 32", flush=True)
    for provider in vtasks.PROVIDERS:
        task_id = sim.call("add_task", provider, status="succeeded")
        key = sim.api_keys[provider]
        url = sim.base_url + GET_PATH[provider].format(id=task_id)
        hdrs = headers(provider, key)
        with (
            httpx.Client() as raw,
            vtasks.Client(provider, api_key=key, base_url=sim.base_url) as client,
        ):
            file_url = None
            if provider == "minimax":  # the client makes two requests; so does the baseline
                file_id = raw.get(url, headers=hdrs).json()["file_id"]
                file_url = f"{sim.base_url}/v1/files/retrieve?file_id={file_id}"

            def raw_get() -> None:
                for _ in range(calls):
                    raw.get(url, headers=hdrs).json()
                    if file_url:
                        raw.get(file_url, headers=hdrs).json()

            def client_get() -> None:
                for _ in range(calls):
                    client.get_task(task_id)

            raw_get()  # warm the connection pools and caches
            client_get()
            base, ours = cpu_interleaved(raw_get, client_get)
        ratio = ours / base
        row(
            "1",
            f"{provider} get_task, sequential ({calls} calls)",
            "raw httpx GET + .json()",
            f"{ours / calls * 1e6:.0f} µs vs {base / calls * 1e6:.0f} µs = {ratio:.2f}×",
            "≤ 1.2×",
            ratio <= 1.2,
        )
    provider = "ark"
    task_id = sim.call("add_task", provider, status="succeeded")
    key = sim.api_keys[provider]
    url = sim.base_url + GET_PATH[provider].format(id=task_id)
    hdrs = headers(provider, key)

    async def run_async() -> tuple[float, float]:
        async with (
            httpx.AsyncClient(limits=httpx.Limits(max_connections=32)) as raw,
            vtasks.AsyncClient(
                provider, api_key=key, base_url=sim.base_url, max_concurrency=32
            ) as client,
        ):
            sem = asyncio.Semaphore(32)

            async def raw_one() -> None:
                async with sem:
                    (await raw.get(url, headers=hdrs)).json()

            async def ours_one() -> None:
                async with sem:
                    await client.get_task(task_id)

            async def measure(one: Callable[[], Any]) -> float:
                gc.collect()
                start = time.process_time()
                await asyncio.gather(*(one() for _ in range(calls)))
                return time.process_time() - start

            await asyncio.gather(*(raw_one() for _ in range(200)))
            await asyncio.gather(*(ours_one() for _ in range(200)))
            raw_times, our_times = [], []
            for _ in range(5):  # in turns, as cpu_interleaved does
                raw_times.append(await measure(raw_one))
                our_times.append(await measure(ours_one))
            return statistics.median(raw_times), statistics.median(our_times)

    base, ours = asyncio.run(run_async())
    ratio = ours / base
    row(
        "1",
        f"ark AsyncClient get_task at concurrency 32 ({calls} calls)",
        "raw httpx.AsyncClient GET + .json()",
        f"{ours / calls * 1e6:.0f} µs vs {base / calls * 1e6:.0f} µs = {ratio:.2f}×",
        "≤ 1.2×",
        ratio <= 1.2,
    )


def bench_ark_vs_sdk(sim: RemoteSimulator, calls: int) -> None:
    print("2. ark: get and 100-task page vs raw httpx and the official SDK", flush=True)
    from volcenginesdkarkruntime import Ark

    provider = "ark"
    sim.call("clear_tasks", provider)
    sim.call(
        "add_tasks", provider, 300, statuses=["succeeded", "running", "failed"], snapshots=False
    )
    task_id = sim.call("task_ids", provider)[0]
    key = sim.api_keys[provider]
    hdrs = headers(provider, key)
    get_url = sim.base_url + GET_PATH[provider].format(id=task_id)
    page_url = sim.base_url + LIST_PATH[provider].format(page=2, size=100)
    sdk = Ark(base_url=f"{sim.base_url}/api/v3", api_key=key)
    pages = max(calls // 10, 50)
    with (
        httpx.Client() as raw,
        vtasks.Client(provider, api_key=key, base_url=sim.base_url) as client,
    ):
        measures = {
            "get": (
                lambda: [raw.get(get_url, headers=hdrs).json() for _ in range(calls)],
                lambda: [client.get_task(task_id) for _ in range(calls)],
                lambda: [sdk.content_generation.tasks.get(task_id=task_id) for _ in range(calls)],
                calls,
                1.2,
            ),
            "100-task page": (
                lambda: [raw.get(page_url, headers=hdrs).json() for _ in range(pages)],
                lambda: [
                    list(client.list_tasks(page_size=100, limit=100)) and None for _ in range(pages)
                ],
                lambda: [
                    sdk.content_generation.tasks.list(page_num=1, page_size=100)
                    for _ in range(pages)
                ],
                pages,
                2.5,
            ),
        }
        for name, (raw_fn, ours_fn, sdk_fn, n, target) in measures.items():
            for fn in (raw_fn, ours_fn, sdk_fn):
                fn()
            base, ours, theirs = cpu_interleaved(raw_fn, ours_fn, sdk_fn)
            row(
                "2",
                f"ark {name} ({n}×)",
                "raw httpx / official Ark SDK",
                f"vtasks {ours / base:.2f}× raw, SDK {theirs / base:.2f}× raw "
                f"({ours / n * 1e6:.0f} / {base / n * 1e6:.0f} / {theirs / n * 1e6:.0f} µs)",
                f"≤ {target}× raw",
                ours / base <= target,
            )
    sdk.close()


# -- 8: what the drift sentinel costs ----------------------------------------------------------


def bench_sentinel(sim: RemoteSimulator, calls: int) -> None:
    print("8. the drift sentinel's CPU on get and on a 100-task page (on vs off)", flush=True)
    import logging

    provider = "ark"
    sim.call("clear_tasks", provider)
    sim.call(
        "add_tasks", provider, 300, statuses=["succeeded", "running", "failed"], snapshots=False
    )
    task_id = sim.call("task_ids", provider)[0]
    key = sim.api_keys[provider]
    sentinel = logging.getLogger("vtasks.drift")
    pages = max(calls // 10, 50)
    with vtasks.Client(provider, api_key=key, base_url=sim.base_url) as client:

        def switched(on: bool, fn: Callable[[], Any]) -> Callable[[], Any]:
            def run() -> Any:
                # The sentinel checks nothing when its logger would drop the warning.
                sentinel.setLevel(logging.NOTSET if on else logging.ERROR)
                try:
                    return fn()
                finally:
                    sentinel.setLevel(logging.NOTSET)

            return run

        measures = {
            f"get ({calls}×)": lambda: [client.get_task(task_id) for _ in range(calls)],
            f"100-task page ({pages}×)": lambda: [
                list(client.list_tasks(page_size=100, limit=100)) for _ in range(pages)
            ],
        }
        from vtasks import _sentinel

        observe = _sentinel.observe
        spent = [0.0]

        def timed(provider: str, endpoint: str, payload: Any) -> None:
            start = time.perf_counter()
            observe(provider, endpoint, payload)
            spent[0] += time.perf_counter() - start

        for name, fn in measures.items():
            on, off = switched(True, fn), switched(False, fn)
            on()
            off()
            with_it, without = cpu_interleaved(on, off, repeat=7)
            # The sentinel's own time, measured inside the calls: a difference of two noisy
            # totals cannot resolve 1 %, this can.
            _sentinel.observe = timed
            try:
                spent[0] = 0.0
                start = time.process_time()
                on()
                total = time.process_time() - start
            finally:
                _sentinel.observe = observe
            share = spent[0] / total
            row(
                "8",
                f"ark {name}: the drift sentinel's share of the CPU",
                "the calls' CPU; the same calls with the sentinel off",
                f"{share * 100:.1f} % ({spent[0] * 1e3:.0f} of {total * 1e3:.0f} ms); "
                f"on vs off {with_it * 1e3:.0f} vs {without * 1e3:.0f} ms",
                "≤ 5 %",
                share <= 0.05,
            )


# -- 3: listing 10,000 tasks across 50 ms round trips ------------------------------------------


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


# -- 4: memory listing 100,000 vs 10,000 tasks --------------------------------------------------


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


# -- 5: polling 1,000 tasks ---------------------------------------------------------------------


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


# -- 6: normalization throughput ------------------------------------------------------------------


def bench_normalize(sim: RemoteSimulator) -> None:
    print("6. tasks per second normalized from page JSON", flush=True)
    from typing import Literal

    import pydantic

    from vtasks._providers import get_adapter

    provider = "ark"
    sim.call("clear_tasks", provider)
    sim.call(
        "add_tasks", provider, 100, statuses=["succeeded", "failed", "running"], snapshots=False
    )
    key = sim.api_keys[provider]
    page = httpx.get(
        sim.base_url + LIST_PATH[provider].format(page=1, size=100), headers=headers(provider, key)
    ).json()

    class Content(pydantic.BaseModel):
        video_url: str | None = None
        last_frame_url: str | None = None

    class Error(pydantic.BaseModel):
        code: str | None = None
        message: str | None = None

    class ArkTask(pydantic.BaseModel):
        id: str
        model: str | None = None
        status: Literal["queued", "running", "cancelled", "succeeded", "failed", "expired"] | str
        error: Error | None = None
        content: Content | None = None
        created_at: datetime | None = None
        updated_at: datetime | None = None
        duration: float | None = None
        framespersecond: float | None = None

    class Page(pydantic.BaseModel):
        total: int | None = None
        items: list[ArkTask]

    adapter = get_adapter(provider)
    adapter_page = adapter.parse_page
    validate = pydantic.TypeAdapter(Page).validate_python
    rounds = 300
    ours, theirs = cpu_interleaved(
        lambda: [adapter_page(page) for _ in range(rounds)],
        lambda: [validate(page) for _ in range(rounds)],
    )
    tasks = rounds * 100
    row(
        "6",
        "ark: page JSON → Task, 100-task pages",
        "pydantic v2 TypeAdapter, equivalent model",
        f"{tasks / ours:,.0f} tasks/s vs {tasks / theirs:,.0f} tasks/s = {theirs / ours:.2f}× pydantic's speed",
        "report",
        None,
    )


# -- 7: start-up ------------------------------------------------------------------------------------


def bench_startup() -> None:
    print("7. import and --help wall time", flush=True)

    def wall(args: list[str], runs: int = 10) -> float:
        samples = []
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run([sys.executable, *args], check=True, capture_output=True)
            samples.append(time.perf_counter() - start)
        return statistics.median(samples)

    bare = wall(["-c", "pass"])
    httpx_t = wall(["-c", "import httpx"])
    ours = wall(["-c", "import vtasks"])
    helptime = wall(["-m", "vtasks", "--help"])
    row(
        "7",
        "`import vtasks` / `vtasks --help` (wall, incl. interpreter start)",
        f"`import httpx` {httpx_t * 1000:.0f} ms; bare interpreter {bare * 1000:.0f} ms",
        f"{ours * 1000:.0f} ms / {helptime * 1000:.0f} ms",
        "report",
        None,
    )


def write_markdown() -> None:
    header = [
        "# Benchmarks",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `nox -s bench` (benchmarks/run.py) on "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, {platform.platform()}.",
        "The simulator runs in a separate process; ratios are of client CPU time unless a row says wall time.",
        "",
        "| # | what | compared with | result | target | |",
        "|---|---|---|---|---|---|",
    ]
    lines = [
        f"| {r['#']} | {r['what']} | {r['compared with']} | {r['result']} | {r['target']} | {r['']} |"
        for r in ROWS
    ]
    (ROOT / "docs").mkdir(exist_ok=True)
    (ROOT / "docs" / "benchmarks.md").write_text("\n".join(header + lines) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer calls (a smoke run)")
    parser.add_argument("--only", nargs="*", help="run only these benchmark numbers")
    args = parser.parse_args()
    calls = 1000 if args.quick else 5000
    print(
        f"vtasks {vtasks.__version__} benchmarks: {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    only = set(args.only or "12345678")
    # Real-time clock: lifecycles in #5 run on the wall clock.
    with RemoteSimulator(speed=1.0) as sim:
        if "1" in only:
            bench_get(sim, calls)
        if "2" in only:
            bench_ark_vs_sdk(sim, calls)
        if "3" in only:
            bench_list_latency(sim)
        if "4" in only:
            bench_memory(sim)
        if "5" in only:
            bench_wait_many(sim)
        if "6" in only:
            bench_normalize(sim)
        if "8" in only:
            bench_sentinel(sim, calls)
    if "7" in only:
        bench_startup()
    write_markdown()
    print()
    print("| # | what | compared with | result | target | |")
    for r in ROWS:
        print(
            f"| {r['#']} | {r['what']} | {r['compared with']} | {r['result']} | {r['target']} | {r['']} |"
        )
    if MISSED:
        print("\nMISSED targets:", *MISSED, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
