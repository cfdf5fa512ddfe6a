"""Shapes seen in real traffic (docs/providers.md, "Seen in real traffic"), read over real HTTP.

Each test names where the shape was seen. The simulator produces these shapes only when asked
(:data:`vtasks.testing.QUIRKS`, per task or for the whole simulator); its defaults stay the
vendors' documented answers.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from harness import MODES, Api

from vtasks import TaskStatus
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


@pytest.mark.parametrize("provider", ["ark", "volc"])
def test_seedance_gateway_statuses(
    api: Api, provider: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Gateways in front of Ark answer ``pending`` (ctyun: QuantumNous/new-api
    ``relay/channel/task/doubao/adaptor_ctyun_test.go``) and ``processing`` (notoken.pro:
    LnYo-Cly/ai4j ``SeedanceVideoServiceTest``): queued and running, without a warning."""
    added = api.fake.add_task(provider, lifecycle=["pending", "processing", "succeeded"])
    client = api.client(provider)
    seen: list[tuple[str | None, TaskStatus]] = []
    with caplog.at_level(logging.WARNING, logger="vtasks"):
        task = client.wait_for_task(
            added.id, poll_interval=5, on_poll=lambda t: seen.append((t.raw_status, t.status))
        )
    assert task.status is TaskStatus.SUCCEEDED
    assert seen[0] == ("pending", TaskStatus.QUEUED)
    assert ("processing", TaskStatus.RUNNING) in seen
    assert not [r for r in caplog.records if r.name == "vtasks"]


@pytest.mark.parametrize("provider", ["ark", "volc"])
def test_seedance_status_filter_sends_arks_own_spelling(api: Api, provider: str) -> None:
    """``filter.status`` takes one value, Ark's own: a gateway's ``pending`` is matched locally."""
    queued = api.fake.add_task(provider, status="queued")
    pending = api.fake.add_task(provider, raw_status="pending")
    api.fake.add_task(provider, status="running")
    tasks = api.client(provider).list_tasks(status="queued")
    assert {t.id for t in tasks} == {queued.id}  # the simulator filters on the raw value
    (request,) = api.requests(provider, "list")
    assert request.query_dict()["filter.status"] == ["queued"]
    assert api.client(provider).get_task(pending.id).status is TaskStatus.QUEUED
