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
from vtasks._providers.seedance import duration_of
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


_FRAMES_SOURCE = "docs.powertokens.ai Seedance query page: only one of duration and frames"


@pytest.mark.parametrize("provider", ["ark", "volc"])
def test_seedance_frames_instead_of_duration(api: Api, provider: str) -> None:
    """A task created with ``frames`` reports ``frames`` and no ``duration`` (Volcengine's query
    reference and its copies, e.g. docs.powertokens.ai's Seedance query page: "only one of
    duration and frames is returned"): the duration is frames / framespersecond."""
    added = api.fake.add_task(provider, status="succeeded", duration=5, fps=24, quirks=["frames"])
    task = api.client(provider).get_task(added.id)
    assert "duration" not in task.raw, _FRAMES_SOURCE
    assert (task.raw["frames"], task.raw["framespersecond"]) == (120, 24)
    assert (task.duration, task.fps) == (5.0, 24.0)


@pytest.mark.parametrize("fps", [0, None, "fast"])
def test_seedance_frames_without_a_frame_rate_give_no_duration(api: Api, fps: object) -> None:
    """No duration is made up when the frame rate is missing, zero or not a number."""
    added = api.fake.add_task(
        "ark", status="succeeded", quirks=["frames"], extra={"framespersecond": fps}
    )
    task = api.client("ark").get_task(added.id)
    assert task.raw["frames"] > 0
    assert task.duration is None


def test_seedance_duration_wins_over_frames(api: Api) -> None:
    added = api.fake.add_task("ark", status="succeeded", duration=5, extra={"frames": 240})
    assert api.client("ark").get_task(added.id).duration == 5.0


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"duration": 5, "frames": 999, "framespersecond": 24}, 5.0),
        ({"frames": 121, "framespersecond": 24}, 121 / 24),
        ({"frames": 120}, None),
        ({"frames": 120, "framespersecond": 0}, None),
        ({"frames": 0, "framespersecond": 24}, None),
        ({"frames": -24, "framespersecond": 24}, None),
        ({"frames": True, "framespersecond": 24}, None),
        ({}, None),
    ],
)
def test_seedance_duration_of(raw: dict[str, Any], expected: float | None) -> None:
    assert duration_of(raw) == expected
