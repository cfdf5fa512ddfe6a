"""The ``fake_providers`` pytest fixture (imports pytest; loaded only on demand)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ._fake import FakeProviders

__all__ = ["fake_providers"]


@pytest.fixture
def fake_providers(request: pytest.FixtureRequest) -> Iterator[FakeProviders]:
    """A running :class:`FakeProviders`, stopped after the test.

    Keyword arguments for ``FakeProviders`` can be passed by indirect parametrization::

        @pytest.mark.parametrize("fake_providers", [{"speed": 10.0}], indirect=True)
    """
    kwargs: dict[str, Any] = dict(getattr(request, "param", None) or {})
    with FakeProviders(**kwargs) as fake:
        yield fake
