"""Shapes seen in real traffic (docs/providers.md, "Seen in real traffic"), read over real HTTP.

Each test names where the shape was seen. The simulator produces these shapes only when asked
(:data:`vtasks.testing.QUIRKS`, per task or for the whole simulator); its defaults stay the
vendors' documented answers.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from harness import MODES, Api

from vtasks.testing import FakeProviders


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    """``"sync"`` or ``"async"``: the client kind of a test that builds its own simulator."""
    return str(request.param)


@contextmanager
def simulator(mode: str, **options: Any) -> Iterator[Api]:
    """Clients of ``mode`` on a simulator made with ``options`` (e.g. ``quirks=``)."""
    with FakeProviders(**options) as fake:
        harness = Api(mode, fake)
        try:
            yield harness
        finally:
            harness.close()


# ---- ark / volc ---------------------------------------------------------------------------------


@pytest.mark.parametrize("provider", ["ark", "volc"])
def test_seedance_list_answers_echoing_the_page_are_read(mode: str, provider: str) -> None:
    """List answers may echo ``page_num`` / ``page_size`` (BerriAI/litellm
    ``tests/test_litellm/llms/volcengine/videos/test_volcengine_video_transformation.py``)."""
    with simulator(mode, quirks={provider: ["page_echo"]}) as api:
        added = api.fake.add_tasks(provider, 7)
        tasks = api.client(provider).list_tasks(page_size=3)
        assert [t.id for t in tasks] == [t.id for t in reversed(added)]
        raw = api.requests(provider, "list")
        assert len(raw) == 3
