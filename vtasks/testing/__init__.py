"""A loopback simulator of every provider's task API, for tests, demos and benchmarks.

Standard library only. Start it with ``with FakeProviders() as fake:`` and point any client at
``fake.base_url`` with the key from ``fake.api_keys[provider]``.

The pytest fixture :func:`fake_providers` is loaded lazily (so importing this package does not
import pytest); import it into a ``conftest.py``::

    from vtasks.testing import fake_providers  # noqa: F401
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._callbacks import CallbackDelivery
from ._clock import FakeClock
from ._demo import seed_demo
from ._fake import DEFAULT_API_KEYS, FakeProviders
from ._faults import ENDPOINTS, FAULTS, Fault
from ._lifecycle import lifecycle
from ._media import COVER_JPEG, VIDEO_MP4
from ._records import REDACTED, RequestRecord
from ._tasks import OUTCOMES, STATUSES, FakeTask
from ._vendors import PROVIDERS, QUIRKS

if TYPE_CHECKING:
    from ._fixture import fake_providers

__all__ = [
    "COVER_JPEG",
    "DEFAULT_API_KEYS",
    "ENDPOINTS",
    "FAULTS",
    "OUTCOMES",
    "PROVIDERS",
    "QUIRKS",
    "REDACTED",
    "STATUSES",
    "VIDEO_MP4",
    "CallbackDelivery",
    "FakeClock",
    "FakeProviders",
    "FakeTask",
    "Fault",
    "RequestRecord",
    "fake_providers",
    "lifecycle",
    "main",
    "seed_demo",
]


def main(argv: list[str] | None = None) -> int:
    """Run the simulator from the command line (see ``python -m vtasks.testing --help``)."""
    from ._cli import main as run

    return run(argv)


def __getattr__(name: str) -> Any:
    # Import pytest only when someone asks for the fixture.
    if name == "fake_providers":
        from ._fixture import fake_providers

        return fake_providers
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
