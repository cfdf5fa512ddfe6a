"""Shared pytest fixtures."""

from collections.abc import Iterator

import pytest

from vtasks.testing import FakeProviders


@pytest.fixture
def fake() -> Iterator[FakeProviders]:
    """A running simulator of every provider, stopped after the test."""
    with FakeProviders() as simulator:
        yield simulator
