"""Shared pytest fixtures."""

import os
import sys

# Cache bytecode even where PYTHONDONTWRITEBYTECODE is set (it is on this project's machines and in
# CI): otherwise every xdist worker and every `python -m vtasks` subprocess the CLI tests start
# compiles pytest, hypothesis, httpx and vtasks from source again, over a second per process.
# Done before the imports below (so they are cached too) and before xdist starts its workers
# (which inherit the environment).
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False
from collections.abc import Iterator

import pytest
from harness import MODES, Api
from hypothesis import settings

from vtasks.testing import FakeProviders

# Suites with a nox session of their own (each one of the default sessions, so CI runs them): a
# plain run leaves them out rather than reporting them skipped. A module named on the command line
# is still collected (pytest ignores ``collect_ignore`` for explicit arguments), which is how the
# sessions run them.
collect_ignore = [
    "test_drift.py",  # `nox -s drift`: runs the pinned generator on copies of the tree (~50 s)
    "test_fuzz_specs.py",  # `nox -s fuzz`: hypothesis-jsonschema bodies from the specs (~90 s)
]
# `nox -s tests` adds the fault matrix (VTASKS_FAULT_MATRIX=1): 1,028 runs of every provider x
# fault x operation x client (~18 s of test time), the largest block of a plain run, which stays
# the minute-long quick check.
if not os.environ.get("VTASKS_FAULT_MATRIX"):
    collect_ignore.append("test_fault_matrix.py")
# Prism needs Node.js and Prism, which `nox -s prism` installs and names in VTASKS_PRISM_BIN.
if not os.environ.get("VTASKS_PRISM_BIN"):
    collect_ignore.append("test_prism.py")

# Hypothesis: no deadline (a wall-clock limit per example fails under load, not on a bug), counts
# that keep the suite fast, and in CI (the `tests` nox session sets VTASKS_HYPOTHESIS_PROFILE=ci;
# so does a CI environment variable) derandomized examples and no example database, so a run is
# repeatable. A test's own @settings still wins over the profile.
settings.register_profile("dev", max_examples=50, deadline=None)
settings.register_profile("ci", parent=settings.get_profile("dev"), derandomize=True, database=None)
settings.load_profile(
    os.environ.get("VTASKS_HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
)


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
