"""Demo data: a handful of tasks per provider in every interesting state."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._tasks import FakeTask
from ._vendors import PROVIDERS

if TYPE_CHECKING:
    from ._fake import FakeProviders

__all__ = ["seed_demo"]

_PROMPTS = (
    "A paper boat drifting down a rain-soaked street at dusk",
    "Timelapse of a city skyline as fog rolls in",
    "A red fox leaping through fresh snow, slow motion",
    "Close-up of coffee being poured, steam curling in morning light",
    "Drone shot over terraced rice fields at sunrise",
    "A lighthouse beam sweeping across a stormy sea",
)


def seed_demo(fake: FakeProviders, *, step_seconds: float = 5.0) -> dict[str, list[FakeTask]]:
    """Add demo tasks to every provider and return them, by provider.

    Each provider gets one succeeded, failed, cancelled, running and queued task (created a
    few minutes apart), plus one task that walks the vendor's real lifecycle to success, one step
    every ``step_seconds`` of the fake clock.
    """
    now = fake.clock.now()
    out: dict[str, list[FakeTask]] = {}
    for provider in PROVIDERS:
        tasks = []
        for i, status in enumerate(("succeeded", "failed", "cancelled", "running", "queued")):
            tasks.append(
                fake.add_task(
                    provider, status=status, prompt=_PROMPTS[i], created_at=now - 600 + i * 60
                )
            )
        tasks.append(
            fake.add_task(
                provider,
                lifecycle="succeeded",
                step_seconds=step_seconds,
                prompt=_PROMPTS[5],
                created_at=now,
            )
        )
        out[provider] = tasks
    return out
