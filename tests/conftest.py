"""Shared pytest fixtures."""

import os
from collections.abc import Iterator

import pytest
from harness import MODES, Api

from vtasks.testing import FakeProviders

# The Prism suite needs Node.js and Prism, which `nox -s prism` installs; a plain run leaves it
# out rather than reporting it skipped.
collect_ignore = [] if os.environ.get("VTASKS_PRISM_BIN") else ["test_prism.py"]


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
