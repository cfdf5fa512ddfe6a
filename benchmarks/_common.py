"""What every benchmark module shares: the table of rows, CPU rounds and their spread, paths.

Each figure is measured over several rounds and shown as ``median (min–max)``: a single number
hides how noisy the machine was. A row's verdict is judged on the median.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

import attrs

ROWS: list[dict[str, str]] = []
MISSED: list[str] = []
#: Set by run.py when the machine is too busy to judge targets: rows are then reported, not judged.
JUDGING = [True]

AUTH = {
    "ark": ("Authorization", "Bearer {}"),
    "volc": ("Authorization", "Bearer {}"),
    "veo": ("Authorization", "Bearer {}"),
    "minimax": ("Authorization", "Bearer {}"),
    "vidu": ("Authorization", "Token {}"),
    "aitoearn": ("X-Api-Key", "{}"),
}
GET_PATH = {
    "ark": "/api/v3/contents/generations/tasks/{id}",
    "volc": "/volc/v1/contents/generations/tasks/{id}",
    "veo": "/v1/video/query?id={id}",
    "minimax": "/v1/query/video_generation?task_id={id}",
    "vidu": "/ent/v2/tasks/{id}/creations",
    "aitoearn": "/api/ai/video/generations/{id}",
}
LIST_PATH = {
    "ark": "/api/v3/contents/generations/tasks?page_num={page}&page_size={size}",
    "volc": "/volc/v1/contents/generations/tasks?page_num={page}&page_size={size}",
    "aitoearn": "/api/ai/video/generations?page={page}&pageSize={size}",
}


@attrs.frozen
class Spread:
    """A figure over its rounds: the median, with the smallest and largest seen."""

    min: float
    median: float
    max: float

    @classmethod
    def of(cls, samples: Sequence[float]) -> Spread:
        """The spread of ``samples``."""
        return cls(min(samples), statistics.median(samples), max(samples))

    def scaled(self, factor: float) -> Spread:
        """Every figure times ``factor`` (seconds to µs, per call)."""
        return Spread(self.min * factor, self.median * factor, self.max * factor)

    def fmt(self, spec: str = ".2f", unit: str = "") -> str:
        """``median (min–max)`` in ``spec``, ``unit`` after each."""
        return f"{self.median:{spec}}{unit} ({self.min:{spec}}–{self.max:{spec}}{unit})"


def ratio(ours: Sequence[float], base: Sequence[float]) -> Spread:
    """The spread of per-round ratios ``ours[i] / base[i]`` (rounds taken in turns)."""
    return Spread.of([a / b for a, b in zip(ours, base, strict=True)])


def row(number: str, what: str, compared: str, result: str, target: str, ok: bool | None) -> None:
    """Add a row to the table; ``ok`` False records a missed target (unless not judging)."""
    if not JUDGING[0] and ok is not None:
        ok = None
        target += " (not judged: busy machine)"
    verdict = "—" if ok is None else ("met" if ok else "MISSED")
    ROWS.append(
        {
            "#": number,
            "what": what,
            "compared with": compared,
            "result": result,
            "target": target,
            "": verdict,
        }
    )
    if ok is False:
        MISSED.append(f"#{number} {what}: {result} (target {target})")
    print(f"  #{number} {what}: {result} [{verdict}]", flush=True)


def cpu_rounds(*fns: Callable[[], Any], repeat: int = 5) -> list[list[float]]:
    """CPU seconds of each of ``fns`` in each of ``repeat`` rounds, run in turns (a, b, a, b, ...).

    Taking turns spreads slow drifts of the machine (frequency, the server's state) over every
    contender instead of charging them to whichever ran last.
    """
    samples: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for index, fn in enumerate(fns):
            gc.collect()
            start = time.process_time()
            fn()
            samples[index].append(time.process_time() - start)
    return samples


def cpu_interleaved(*fns: Callable[[], Any], repeat: int = 5) -> list[float]:
    """Median CPU seconds of each of ``fns`` (see :func:`cpu_rounds`)."""
    return [statistics.median(s) for s in cpu_rounds(*fns, repeat=repeat)]


def headers(provider: str, key: str) -> dict[str, str]:
    """The auth header of ``provider`` for a raw httpx baseline."""
    name, template = AUTH[provider]
    return {name: template.format(key)}
