"""Turn ``status`` / ``raw_status`` / ``lifecycle`` arguments into a task's phases."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeAlias

from ._tasks import OUTCOMES, STATUSES, Phase
from ._vendors import VENDORS

__all__ = ["LifecycleSpec", "Step", "build_phases", "lifecycle"]

Step: TypeAlias = str | tuple[str, float]
"""A lifecycle step: a status name (lasting the default step time) or ``(status, seconds)``."""

LifecycleSpec: TypeAlias = str | Sequence[Step]
"""An outcome name (``"succeeded"``, ``"failed"``, ``"cancelled"``, ``"expired"``) or steps."""


def lifecycle(
    provider: str, outcome: str = "succeeded", *, step_seconds: float = 5.0, detailed: bool = False
) -> list[tuple[str, float]]:
    """Return the raw status sequence ``provider`` goes through to reach ``outcome``.

    Each step lasts ``step_seconds`` (the last one forever). ``detailed=True`` picks the vendor's
    finer-grained states where it has them (Veo resellers' ``video_generating`` etc.).

    Example:
        >>> lifecycle("minimax", "succeeded", step_seconds=2)
        [('Preparing', 2), ('Queueing', 2), ('Processing', 2), ('Success', 2)]
    """
    vendor = VENDORS[provider]
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}; expected one of {OUTCOMES}")
    table = (
        vendor.detailed_sequences if detailed and vendor.detailed_sequences else vendor.sequences
    )
    return [(name, step_seconds) for name in table[outcome]]


def build_phases(
    provider: str,
    created: float,
    *,
    status: str,
    raw_status: str | None,
    spec: LifecycleSpec | None,
    step_seconds: float,
    detailed: bool,
) -> tuple[Phase, ...]:
    """Return the phases of a new task created at ``created`` (Unix seconds)."""
    vendor = VENDORS[provider]
    if raw_status is not None:
        return (Phase(created, raw_status, vendor.known.get(raw_status, "unknown")),)
    if spec is None:
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}; expected one of {STATUSES}")
        raw, normalized = vendor.resolve(status)
        return (Phase(created, raw, normalized),)
    steps: Sequence[Step]
    if isinstance(spec, str):
        steps = lifecycle(provider, spec, step_seconds=step_seconds, detailed=detailed)
    else:
        steps = spec
    if not steps:
        raise ValueError("a lifecycle needs at least one step")
    phases = []
    start = created
    for step in steps:
        name, seconds = (step, step_seconds) if isinstance(step, str) else step
        if seconds < 0:
            raise ValueError("a lifecycle step cannot last a negative time")
        raw, normalized = vendor.resolve(name)
        phases.append(Phase(start, raw, normalized))
        start += seconds
    return tuple(phases)
