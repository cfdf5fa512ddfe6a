"""Reading answers: CPU per get_task and per list page against raw httpx, normalization, the sentinel."""

from __future__ import annotations

import asyncio
import gc
import statistics
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
from _common import GET_PATH, LIST_PATH, Spread, cpu_interleaved, cpu_rounds, headers, ratio, row
from _remote import RemoteSimulator

import vtasks


def bench_get(sim: RemoteSimulator, calls: int) -> None:
    """Row 1: get_task's CPU against raw httpx, without the speed extra (json) and with it (orjson).

    Raw httpx, vtasks on json and vtasks on orjson take turns in each round (``cpu_rounds``), so the
    two ratios share one baseline; each is shown as median (min–max) over the rounds.
    """
    print("1. CPU per get_task, sequential and at concurrency 32; json and orjson", flush=True)
    from vtasks import _json

    try:
        _json.use("orjson")
        modes = ["json", "orjson"]
    except ImportError:  # no speed extra installed: that half of the row cannot be measured
        modes = ["json"]
    before = _json.backend()
    targets = {"json": 1.10, "orjson": 1.05}
    # 6 providers x 3 contenders x 5 rounds: 300 calls a round keep the row near a minute and a half
    # on a slow machine (1.3 ms a call); its spread is shown, so fewer calls show as noise, not bias.
    calls = max(calls // 10, 200)
    try:
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

                def client_get(mode: str) -> Callable[[], None]:
                    def run() -> None:
                        _json.use(mode)
                        for _ in range(calls):
                            client.get_task(task_id)

                    return run

                contenders = [raw_get, *(client_get(mode) for mode in modes)]
                for fn in contenders:
                    fn()  # warm the connection pools and caches
                base, *ours = cpu_rounds(*contenders)
            for mode, samples in zip(modes, ours, strict=True):
                spread = ratio(samples, base)
                per_call = Spread.of(samples).scaled(1e6 / calls)
                raw_call = Spread.of(base).scaled(1e6 / calls)
                row(
                    "1",
                    f"{provider} get_task, sequential ({calls} calls), {mode}",
                    "raw httpx GET + .json()",
                    f"{spread.fmt()}× ({per_call.median:.0f} µs vs {raw_call.median:.0f} µs)",
                    f"≤ {targets[mode]:.2f}×",
                    spread.median <= targets[mode],
                )
    finally:
        _json.use(before)
    provider = "ark"
    task_id = sim.call("add_task", provider, status="succeeded")
    key = sim.api_keys[provider]
    url = sim.base_url + GET_PATH[provider].format(id=task_id)
    hdrs = headers(provider, key)

    async def run_async() -> tuple[list[float], dict[str, list[float]]]:
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
            raw_times: list[float] = []
            our_times: dict[str, list[float]] = {mode: [] for mode in modes}
            for _ in range(5):  # in turns, as cpu_rounds does
                raw_times.append(await measure(raw_one))
                for mode in modes:
                    _json.use(mode)
                    our_times[mode].append(await measure(ours_one))
            return raw_times, our_times

    try:
        raw_times, our_times = asyncio.run(run_async())
    finally:
        _json.use(before)
    for mode in modes:
        spread = ratio(our_times[mode], raw_times)
        row(
            "1",
            f"ark AsyncClient get_task at concurrency 32 ({calls} calls), {mode}",
            "raw httpx.AsyncClient GET + .json()",
            f"{spread.fmt()}× ({statistics.median(our_times[mode]) / calls * 1e6:.0f} µs vs "
            f"{statistics.median(raw_times) / calls * 1e6:.0f} µs)",
            f"≤ {targets[mode]:.2f}×",
            spread.median <= targets[mode],
        )


def bench_ark_vs_sdk(sim: RemoteSimulator, calls: int) -> None:
    """Row 2: a 100-task page against raw httpx (both decoders), and the official Ark SDK.

    Listed tasks are deferred (normalized when a field other than the id and status is first
    read), so the page is also shown with every task read in full: what a caller that looks at
    each task pays. get_task's targets are row
    1's; here the SDK's get is set beside raw httpx and vtasks, as a peer.
    """
    print("2. ark: 100-task page vs raw httpx; get and page vs the official SDK", flush=True)
    from volcenginesdkarkruntime import Ark

    from vtasks import _json

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
    gets = max(calls // 10, 200)
    pages = max(calls // 30, 60)
    before = _json.backend()
    # Issue 15's page targets, against raw httpx + stdlib json (httpx's .json()) in both modes:
    # at most 1.25x with stdlib json, below 1x with orjson (vtasks[speed]).
    page_targets = {"json": 1.25, "orjson": 1.00}
    with (
        httpx.Client() as raw,
        vtasks.Client(provider, api_key=key, base_url=sim.base_url) as client,
    ):

        def raw_pages() -> None:
            for _ in range(pages):
                raw.get(page_url, headers=hdrs).json()

        def our_pages(mode: str, read: bool) -> Callable[[], None]:
            def run() -> None:
                _json.use(mode)
                for _ in range(pages):
                    tasks = list(client.list_tasks(page_size=100, limit=100))
                    if read:
                        for task in tasks:
                            task.updated_at  # noqa: B018 - the read that normalizes it

            return run

        def sdk_pages() -> None:
            for _ in range(pages):
                sdk.content_generation.tasks.list(page_num=2, page_size=100)

        try:
            # One set of rounds for every page contender (one baseline); the SDK, ten times
            # slower, takes one turn of a round in three, outside them.
            modes = ("json", "orjson")
            contenders = [raw_pages] + [our_pages(m, r) for m in modes for r in (False, True)]
            for fn in (*contenders, sdk_pages):
                fn()
            base, *ours = cpu_rounds(*contenders, repeat=7)
            sdk_rounds = cpu_rounds(sdk_pages, repeat=2)[0]
            for index, mode in enumerate(modes):
                plain, read = ours[2 * index], ours[2 * index + 1]
                spread = ratio(plain, base)
                read_spread = ratio(read, base)
                per = 1e6 / pages
                sdk_part = (
                    f"; SDK {statistics.median(sdk_rounds) / statistics.median(base):.2f}× raw "
                    f"({statistics.median(sdk_rounds) * per:.0f} µs)"
                    if mode == "json"
                    else ""
                )
                target = page_targets[mode]
                row(
                    "2",
                    f"ark 100-task page ({pages}×, 7 rounds), {mode}",
                    "raw httpx + stdlib json" + (" / official Ark SDK" if mode == "json" else ""),
                    f"vtasks {spread.fmt('.2f', '×')} raw ({statistics.median(plain) * per:.0f} vs "
                    f"{statistics.median(base) * per:.0f} µs); every task read in full "
                    f"{read_spread.fmt('.2f', '×')} ({statistics.median(read) * per:.0f} µs)"
                    + sdk_part,
                    f"< {target:.2f}× raw" if target == 1.0 else f"≤ {target:.2f}× raw",
                    spread.median < target if target == 1.0 else spread.median <= target,
                )

            def raw_gets() -> None:
                for _ in range(gets):
                    raw.get(get_url, headers=hdrs).json()

            def our_gets() -> None:
                _json.use("json")
                for _ in range(gets):
                    client.get_task(task_id)

            def sdk_gets() -> None:
                for _ in range(gets):
                    sdk.content_generation.tasks.get(task_id=task_id)

            for fn in (raw_gets, our_gets, sdk_gets):
                fn()
            base, ours_get, sdk_get = cpu_rounds(raw_gets, our_gets, sdk_gets, repeat=3)
            per = 1e6 / gets
            row(
                "2",
                f"ark get ({gets}×, 3 rounds), json",
                "raw httpx + stdlib json / official Ark SDK",
                f"SDK {ratio(sdk_get, base).fmt('.2f', '×')} raw "
                f"({statistics.median(sdk_get) * per:.0f} µs); vtasks "
                f"{ratio(ours_get, base).fmt('.2f', '×')} "
                f"({statistics.median(ours_get) * per:.0f} vs {statistics.median(base) * per:.0f} µs)",
                "report (a peer; row 1 judges get_task)",
                None,
            )
        finally:
            _json.use(before)
    sdk.close()


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

    def normalized() -> None:
        # Every task read (a listed task is normalized when a field other than its id and status
        # is first read): the whole work, as pydantic's validation does it.
        for _ in range(rounds):
            for task in adapter_page(page).tasks:
                task.updated_at  # noqa: B018

    rounds = 300
    ours, theirs = cpu_interleaved(normalized, lambda: [validate(page) for _ in range(rounds)])
    tasks = rounds * 100
    row(
        "6",
        "ark: page JSON → Task, 100-task pages, every task read",
        "pydantic v2 TypeAdapter, equivalent model",
        f"{tasks / ours:,.0f} tasks/s vs {tasks / theirs:,.0f} tasks/s = {theirs / ours:.2f}× pydantic's speed",
        "report",
        None,
    )


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
    calls = max(calls // 3, 300)  # 7 rounds on and off: within about a minute
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
