"""Peers side by side: LiteLLM's video status call (volcengine) against the same simulator.

LiteLLM is installed by ``nox -s bench`` only (it is no dependency of vtasks, not even a dev one).
Its volcengine video status call GETs ``{api_base}/api/v3/contents/generations/tasks/{id}``
(``litellm/llms/volcengine/videos/transformation.py``, 1.110.2), the path the simulator's Ark
serves, so all three contenders read the same task from the same server. The official Ark SDK's
figures are in row 2.
"""

from __future__ import annotations

import os

import httpx
from _common import GET_PATH, Spread, cpu_rounds, headers, ratio, row
from _remote import RemoteSimulator
from bench_startup import wall

import vtasks

#: LiteLLM fetches its model price map from GitHub on import unless told to use its own copy:
#: the benchmark must not depend on the network (nor time it).
LITELLM_ENV = {"LITELLM_LOCAL_MODEL_COST_MAP": "True"}


def bench_peers(sim: RemoteSimulator, calls: int) -> None:
    """Row 10: CPU per status call and import time, vtasks vs LiteLLM (vs raw httpx)."""
    print("10. peers: LiteLLM's volcengine video status", flush=True)
    os.environ.update(LITELLM_ENV)
    try:
        import litellm
    except ImportError:
        row("10", "LiteLLM video_status (volcengine)", "—", "litellm not installed", "report", None)
        return
    provider = "ark"
    task_id = sim.call("add_task", provider, status="succeeded")
    key = sim.api_keys[provider]
    url = sim.base_url + GET_PATH[provider].format(id=task_id)
    hdrs = headers(provider, key)
    n = max(calls // 10, 100)  # LiteLLM costs ~10x a call: fewer calls, the same rounds
    with (
        httpx.Client() as raw,
        vtasks.Client(provider, api_key=key, base_url=sim.base_url) as client,
    ):

        def raw_get() -> None:
            for _ in range(n):
                raw.get(url, headers=hdrs).json()

        def ours() -> None:
            for _ in range(n):
                client.get_task(task_id)

        def theirs() -> None:
            for _ in range(n):
                litellm.video_status(
                    video_id=task_id,
                    custom_llm_provider="volcengine",
                    api_base=sim.base_url,
                    api_key=key,
                )

        status = litellm.video_status(
            video_id=task_id, custom_llm_provider="volcengine", api_base=sim.base_url, api_key=key
        )
        assert status.status == "completed", status  # it really read the task
        for fn in (raw_get, ours, theirs):
            fn()
        base, mine, peer = cpu_rounds(raw_get, ours, theirs, repeat=5)
    per_call = Spread.of([t / n for t in peer]).scaled(1e6)
    row(
        "10",
        f"ark task status: LiteLLM `video_status(custom_llm_provider='volcengine')` ({n}×, 5 rounds)",
        "vtasks `Client('ark').get_task`; raw httpx GET + .json()",
        f"LiteLLM {per_call.fmt('.0f', ' µs')} a call = {ratio(peer, mine).fmt('.1f', '×')} "
        f"vtasks; vtasks {ratio(mine, base).fmt('.2f', '×')} raw",
        "report (a peer)",
        None,
    )
    env = {**os.environ, **LITELLM_ENV}
    theirs_import = wall(["-c", "import litellm"], runs=3, env=env)
    ours_import = wall(["-c", "import vtasks"], runs=3, env=env)
    row(
        "10",
        "`import litellm` vs `import vtasks` (wall, fresh interpreter, 3 runs)",
        "`import vtasks`",
        f"LiteLLM {theirs_import.scaled(1000).fmt('.0f', ' ms')}; "
        f"vtasks {ours_import.scaled(1000).fmt('.0f', ' ms')}",
        "report (a peer)",
        None,
    )
