"""``vtasks demo``: every command against the built-in simulator, no API key, no network.

The simulator (:class:`vtasks.testing.FakeProviders`) runs in this process on 127.0.0.1 with
its clock sped up, so task lifecycles take a second instead of minutes; everything else is real:
the real :class:`vtasks.Client` sends real HTTP requests in each vendor's own format.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from vtasks._config import PROVIDER_INFO, PROVIDERS

from ._errors import ExitCode
from ._output import Console, format_bytes, print_table, task_cells
from ._progress import DownloadProgress, StatusLine, WaitProgress

if TYPE_CHECKING:
    from vtasks import Task
    from vtasks._client import Client
    from vtasks.testing import FakeProviders

__all__ = ["SPEED", "run_demo"]

SPEED = 50.0
"""Simulated seconds per real second."""

_STEP = 10.0  # simulated seconds per lifecycle step: 0.2 s of real time
_POLL = 0.1  # real seconds between polls
_LISTED = 25  # tasks per listable provider, listed in pages of _PAGE
_PAGE = 10

_PAGING = {
    "volc": "page number + total",
    "ark": "page number + total",
    "vidu": "page token",
    "aitoearn": "page number + page count",
}

# A model each vendor documents, for the demo's creates (the simulator takes any name).
_MODELS = {
    "volc": "doubao-seedance-1-0-pro-250528",
    "ark": "doubao-seedance-1-0-pro-250528",
    "veo": "veo3-fast",
    "minimax": "MiniMax-Hailuo-02",
    "vidu": "viduq1",
    "aitoearn": "doubao-seedance-1-0-pro",
}
# MiniMax makes 6 or 10 s videos; Veo's unified format takes no duration.
_DURATIONS: dict[str, int | None] = {"minimax": 6, "veo": None}
_CREATE_PROMPT = "A lighthouse on a cliff in a storm, waves crashing, cinematic"

_PROMPTS = (
    "A paper boat drifting down a rain-soaked street at dusk",
    "A red fox leaping through fresh snow, slow motion",
    "Drone shot over terraced rice fields at sunrise",
)


class _Demo:
    """One run of the demo: the simulator, a client per provider, and the tasks made."""

    def __init__(self, fake: FakeProviders, console: Console, folder: Path) -> None:
        import httpx

        from vtasks._client import Client

        self.fake = fake
        self.console = console
        self.folder = folder
        # The simulator is on loopback: ignore HTTP(S)_PROXY from the environment, which
        # httpx would otherwise apply to 127.0.0.1 too.
        self.http = httpx.Client(trust_env=False, timeout=10.0)
        self.clients: dict[str, Client] = {
            p: Client(p, base_url=fake.base_url, api_key=fake.api_keys[p], http_client=self.http)
            for p in PROVIDERS
        }
        self.showcase: dict[str, list[str]] = {p: [] for p in PROVIDERS}

    def close(self) -> None:
        for client in self.clients.values():
            client.close()
        self.http.close()

    # -- output helpers -----------------------------------------------------------------------

    def say(self, text: str = "") -> None:
        self.console.out.write(text + "\n")
        self.console.out.flush()

    def section(self, title: str, command: str) -> None:
        style = self.console.style
        self.say()
        self.say(style.bold(title))
        self.say(style.dim(f"  like: {command}"))

    def table(
        self, headers: list[str], rows: list[list[str]], status: str | None = "STATUS"
    ) -> None:
        print_table(
            headers,
            rows,
            out=self.console.out,
            style=self.console.style,
            status_column=headers.index(status) if status else None,
        )

    # -- the steps ----------------------------------------------------------------------------

    def submit(self) -> None:
        fake = self.fake
        listable = [p for p in PROVIDERS if PROVIDER_INFO[p].supports_list]
        for provider in PROVIDERS:
            failing = fake.add_task(
                provider, lifecycle="failed", step_seconds=_STEP, prompt=_PROMPTS[0]
            )
            cancelled = fake.add_task(provider, status="cancelled", prompt=_PROMPTS[1])
            running = fake.add_task(provider, status="running", prompt=_PROMPTS[2])
            self.showcase[provider] += [failing.id, cancelled.id, running.id]
        for provider in listable:
            fake.add_tasks(
                provider,
                _LISTED,
                statuses=("succeeded", "failed", "running"),
                newest_at=fake.clock.now() - 3600,
                spacing=60,
                prompt="listing demo task {i}",
            )
        self.say(
            f"Submitted 3 tasks on each provider (one will fail, one is cancelled, one keeps "
            f"running),\nand {_LISTED} more on each of {', '.join(listable)} to list."
        )

    def get(self) -> None:
        first = {p: ids[0] for p, ids in self.showcase.items()}
        self.section(
            "get: one task from each provider, each vendor's status word mapped to one vocabulary",
            f"vtasks get ark {first['ark']}",
        )
        headers = ["PROVIDER", "ID", "STATUS", "RAW STATUS", "MODEL", "CREATED (UTC)"]
        rows = [
            task_cells(self.clients[p].get_task(task_id), headers) for p, task_id in first.items()
        ]
        self.table(headers, rows)

    def listing(self) -> None:
        self.section(
            f"list: every task of each provider that can list, {_PAGE} per page",
            f"vtasks list vidu --page-size {_PAGE}",
        )
        rows = []
        for provider, style in _PAGING.items():
            before = self._list_requests(provider)
            tasks = list(self.clients[provider].list_tasks(page_size=_PAGE))
            pages = self._list_requests(provider) - before
            failed = sum(
                1 for _ in self.clients[provider].list_tasks(status="failed", page_size=_PAGE)
            )
            tally = Counter(t.status.value for t in tasks)
            summary = ", ".join(f"{n} {status}" for status, n in sorted(tally.items()))
            rows.append([provider, str(len(tasks)), str(pages), style, summary, str(failed)])
        self.table(
            ["PROVIDER", "TASKS", "REQUESTS", "PAGING", "STATUSES", "--status failed"],
            rows,
            status=None,
        )
        self.say(
            "  (veo and minimax have no list endpoint: `vtasks list veo` says so, exit code 2)"
        )

    def _list_requests(self, provider: str) -> int:
        return sum(1 for r in self.fake.requests if r.provider == provider and r.endpoint == "list")

    def create(self) -> dict[str, str]:
        self.section(
            "create, then wait: a task on each provider through its own create endpoint, polled "
            "until it finishes",
            f'vtasks create minimax --model {_MODELS["minimax"]} --prompt "..." --wait',
        )
        console = self.console
        line = StatusLine(console.out, tty=console.out_tty)
        done: dict[str, str] = {}
        for provider, client in self.clients.items():
            created: list[Task] = []
            label = f"  {provider} (creating)"
            with WaitProgress(line, console.style, label) as progress:
                task = client.create_and_wait(
                    model=_MODELS[provider],
                    prompt=_CREATE_PROMPT,
                    duration=_DURATIONS.get(provider, 5),
                    on_created=created.append,  # the new task, kept before the wait
                    timeout=60,
                    poll_interval=_POLL,
                    on_poll=progress,
                )
                progress.done(task)
            self.showcase[provider].insert(0, created[0].id)
            done[provider] = task.id
        return done

    def cancel(self) -> None:
        self.section(
            "cancel: create a task and cancel it while it is queued, where the vendor can",
            "vtasks cancel vidu <ID>",
        )
        rows = []
        for provider, client in self.clients.items():
            if not PROVIDER_INFO[provider].supports_cancel:
                rows.append([provider, "-", "-", "no cancel endpoint (UnsupportedOperation)"])
                continue
            task = client.create_task(model=_MODELS[provider], prompt=_PROMPTS[1])
            result = client.cancel_task(task.id)
            self.showcase[provider].append(task.id)
            rows.append([provider, task.id, result.outcome.value, result.task.status.value])
        self.table(["PROVIDER", "ID", "OUTCOME", "STATUS NOW"], rows, status=None)

    def download(self, done: dict[str, str]) -> None:
        self.section(
            f"download: each provider's video, into {self.folder}",
            "vtasks download ark <ID> -o videos/",
        )
        console = self.console
        line = StatusLine(console.out, tty=console.out_tty)
        rows = []
        for provider, task_id in done.items():
            client = self.clients[provider]
            task = client.get_task(task_id)
            progress = DownloadProgress(line, f"  {provider} {task_id}")
            path = client.download(task, self.folder / f"{provider}.mp4", on_progress=progress)
            line.clear()
            rows.append([provider, path.name, format_bytes(path.stat().st_size)])
        self.table(["PROVIDER", "FILE", "SIZE"], rows, status=None)

    def summary(self) -> None:
        self.section(
            "Every task submitted above, across providers, in one shape",
            "vtasks get <PROVIDER> <ID> --json",
        )
        headers = [
            "PROVIDER",
            "ID",
            "STATUS",
            "RAW STATUS",
            "MODEL",
            "UPDATED (UTC)",
            "VIDEO",
            "ERROR",
        ]
        rows = []
        for provider, ids in self.showcase.items():
            for task in self.clients[provider].get_tasks(ids):
                rows.append(task_cells(task, headers))
        self.table(headers, rows)


def run_demo(args: argparse.Namespace, console: Console) -> int:
    """``vtasks demo``: start the simulator in-process and show every command on every provider."""
    from vtasks.testing import FakeProviders

    started = time.monotonic()
    with (
        FakeProviders(speed=SPEED) as fake,
        tempfile.TemporaryDirectory(prefix="vtasks-demo-") as folder,
    ):
        style = console.style
        console.out.write(
            style.bold("vtasks demo")
            + f": the built-in simulator of {len(PROVIDERS)} providers' APIs on {fake.base_url}\n"
            + style.dim(
                f"  no network, no API key; simulated time runs {SPEED:g}x faster; "
                "the real vtasks.Client talks HTTP to it"
            )
            + "\n"
        )
        demo = _Demo(fake, console, Path(folder))
        try:
            demo.submit()
            demo.get()
            demo.listing()
            done = demo.create()
            demo.download(done)
            demo.cancel()
            demo.summary()
        finally:
            demo.close()
        requests = len(fake.requests)
    elapsed = time.monotonic() - started
    demo.say()
    demo.say(f"Done in {elapsed:.1f} s: {requests} HTTP requests to the simulator.")
    demo.say(
        "Next: `vtasks providers`; set VTASKS_<PROVIDER>_API_KEY and try `vtasks get`; "
        "`vtasks serve-fake --seed-demo` serves the simulator for your own tests."
    )
    return ExitCode.OK
