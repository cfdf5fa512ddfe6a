"""Shared pytest fixtures."""

from collections.abc import Iterator

import pytest
from harness import MODES, Api

from vtasks.testing import FakeProviders


@pytest.fixture
def fake() -> Iterator[FakeProviders]:
    """A running simulator of every provider, stopped after the test."""
    with FakeProviders() as simulator:
        yield simulator


@pytest.fixture(params=MODES)
def api(request: pytest.FixtureRequest, fake: FakeProviders) -> Iterator[Api]:
    """Clients of one kind (``Client`` or ``AsyncClient``) on the simulator; see ``harness.py``."""
    harness = Api(request.param, fake)
    try:
        yield harness
    finally:
        harness.close()
