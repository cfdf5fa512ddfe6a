"""Task lifecycles on the simulator's clock: each vendor's real status sequence, in its own units."""

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from vtasks.testing import FakeClock, FakeProviders, lifecycle


@pytest.fixture
def http(fake: FakeProviders) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fake.base_url, timeout=5.0) as client:
        yield client


def getter(fake: FakeProviders, http: httpx.Client, provider: str) -> Callable[[str], Any]:
    """Return a function fetching one task's raw status the way the vendor reports it."""
    key = fake.api_keys[provider]
    bearer = {"Authorization": f"Bearer {key}"}

    def get(task_id: str) -> Any:
        if provider in ("ark", "volc"):
            prefix = "/api/v3" if provider == "ark" else "/volc/v1"
            return http.get(
                f"{prefix}/contents/generations/tasks/{task_id}", headers=bearer
            ).json()["status"]
        if provider == "veo":
            return http.get("/v1/video/query", params={"id": task_id}, headers=bearer).json()[
                "status"
            ]
        if provider == "minimax":
            return http.get(
                "/v1/query/video_generation", params={"task_id": task_id}, headers=bearer
            ).json()["status"]
        if provider == "vidu":
            body = http.get(
                f"/ent/v2/tasks/{task_id}/creations", headers={"Authorization": f"Token {key}"}
            ).json()
            return (body["state"], body["err_code"])
        return http.get(f"/api/ai/video/generations/{task_id}", headers={"X-Api-Key": key}).json()[
            "data"
        ]["status"]

    return get


SEQUENCES = {
    ("ark", "succeeded"): ["queued", "running", "succeeded"],
    ("volc", "failed"): ["queued", "running", "failed"],
    ("ark", "cancelled"): ["queued", "cancelled"],
    ("ark", "expired"): ["queued", "expired"],
    ("veo", "succeeded"): ["pending", "processing", "completed"],
    ("veo", "failed"): ["pending", "processing", "failed"],
    ("minimax", "succeeded"): ["Preparing", "Queueing", "Processing", "Success"],
    ("minimax", "failed"): ["Preparing", "Queueing", "Processing", "Fail"],
    ("vidu", "succeeded"): [("created", ""), ("queueing", ""), ("processing", ""), ("success", "")],
    ("vidu", "cancelled"): [("created", ""), ("queueing", ""), ("failed", "UserCancelled")],
    ("aitoearn", "succeeded"): ["SUBMITTED", "InProgress", "SUCCESS"],
    ("aitoearn", "failed"): ["SUBMITTED", "InProgress", "FAILURE"],
}


@pytest.mark.parametrize(("provider", "outcome"), list(SEQUENCES))
def test_named_lifecycle_walks_the_vendor_sequence(
    fake: FakeProviders, http: httpx.Client, provider: str, outcome: str
) -> None:
    task = fake.add_task(provider, lifecycle=outcome, step_seconds=10)
    get = getter(fake, http, provider)
    seen = [get(task.id)]
    for _ in range(len(SEQUENCES[provider, outcome]) - 1):
        fake.clock.advance(9.5)
        assert get(task.id) == seen[-1]  # not yet
        fake.clock.advance(0.5)
        seen.append(get(task.id))
    assert seen == SEQUENCES[provider, outcome]
    fake.clock.advance(3600)
    assert get(task.id) == seen[-1]  # terminal stays
    assert fake.get_task(provider, task.id).status == outcome
    assert fake.get_task(provider, task.id).is_terminal


def test_veo_detailed_lifecycle(fake: FakeProviders, http: httpx.Client) -> None:
    task = fake.add_task("veo", lifecycle="succeeded", detailed=True, step_seconds=1)
    get = getter(fake, http, "veo")
    seen = []
    for _ in range(7):
        seen.append(get(task.id))
        fake.clock.advance(1)
    assert seen == [name for name, _ in lifecycle("veo", "succeeded", detailed=True)]
    assert "video_generation_completed" in seen
    snapshot = fake.get_task("veo", task.id)
    assert (snapshot.status, snapshot.raw_status) == ("succeeded", "completed")


def test_explicit_steps_mix_normalized_and_raw(fake: FakeProviders, http: httpx.Client) -> None:
    task = fake.add_task(
        "minimax", lifecycle=[("queued", 2), ("Processing", 3), ("Unheard", 1), "succeeded"]
    )
    get = getter(fake, http, "minimax")
    seen = []
    for delta in (0, 2, 3, 1):
        fake.clock.advance(delta)
        seen.append(get(task.id))
    assert seen == ["Queueing", "Processing", "Unheard", "Success"]


def test_timestamps_follow_the_phases(fake: FakeProviders, http: httpx.Client) -> None:
    created = fake.clock.now()
    ark = fake.add_task("ark", lifecycle="succeeded", step_seconds=30)
    veo = fake.add_task("veo", lifecycle="succeeded", step_seconds=30)
    ait = fake.add_task("aitoearn", lifecycle="succeeded", step_seconds=30)
    fake.clock.advance(45)
    h = {"Authorization": f"Bearer {fake.api_keys['ark']}"}
    body = http.get(f"/api/v3/contents/generations/tasks/{ark.id}", headers=h).json()
    assert body["created_at"] == int(created)
    assert body["updated_at"] == int(created + 30)
    h = {"Authorization": f"Bearer {fake.api_keys['veo']}"}
    body = http.get("/v1/video/query", params={"id": veo.id}, headers=h).json()
    assert body["status_update_time"] == int((created + 30) * 1000)
    fake.clock.advance(30)
    data = http.get(
        f"/api/ai/video/generations/{ait.id}", headers={"X-Api-Key": fake.api_keys["aitoearn"]}
    ).json()["data"]
    parse = datetime.fromisoformat
    assert parse(data["submittedAt"]).timestamp() == pytest.approx(created, abs=0.001)
    # the server sets startedAt at submission (yikart/AiToEarn video.service.ts)
    assert parse(data["startedAt"]).timestamp() == pytest.approx(created, abs=0.001)
    assert parse(data["finishedAt"]).timestamp() == pytest.approx(created + 60, abs=0.001)


def test_result_only_after_success(fake: FakeProviders, http: httpx.Client) -> None:
    task = fake.add_task("minimax", lifecycle="succeeded", step_seconds=5)
    assert task.video_url is None
    assert http.get(f"/_files/minimax/{task.id}.mp4").status_code == 404
    h = {"Authorization": f"Bearer {fake.api_keys['minimax']}"}
    assert (
        http.get("/v1/files/retrieve", params={"file_id": task.file_id}, headers=h).json()[
            "base_resp"
        ]["status_code"]
        == 2013
    )
    fake.clock.advance(15)
    url = fake.get_task("minimax", task.id).video_url
    assert url is not None
    assert http.get(url).status_code == 200
    file = http.get("/v1/files/retrieve", params={"file_id": task.file_id}, headers=h).json()
    assert file["file"]["download_url"] == url


def test_set_status_switches_now(fake: FakeProviders, http: httpx.Client) -> None:
    task = fake.add_task("ark", lifecycle="succeeded", step_seconds=100)
    fake.clock.advance(10)
    snapshot = fake.set_status("ark", task.id, "cancelled")
    assert snapshot.status == "cancelled"
    fake.clock.advance(1000)
    assert getter(fake, http, "ark")(task.id) == "cancelled"
    fake.set_status("ark", task.id, raw_status="mystery")
    assert getter(fake, http, "ark")(task.id) == "mystery"
    assert fake.get_task("ark", task.id).status == "unknown"
    with pytest.raises(ValueError, match="status or raw_status"):
        fake.set_status("ark", task.id)


def test_real_time_speed() -> None:
    with FakeProviders(speed=200.0) as fake:
        task = fake.add_task("vidu", lifecycle="succeeded", step_seconds=20)  # 60 s simulated
        deadline = time.monotonic() + 5.0
        while fake.get_task("vidu", task.id).status != "succeeded":
            assert time.monotonic() < deadline, "speed=200 should finish in ~0.3 s"
            time.sleep(0.02)


def test_clock() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    clock = FakeClock(start)
    assert clock.datetime() == start
    clock.advance(90)
    assert clock.datetime() == start + timedelta(seconds=90)
    with pytest.raises(ValueError, match="forward"):
        clock.advance(-1)
    clock.set(start)
    assert clock.now() == start.timestamp()
    clock.speed = 1000.0
    time.sleep(0.01)
    assert clock.now() > start.timestamp() + 5
    clock.speed = 0
    frozen = clock.now()
    time.sleep(0.01)
    assert clock.now() == frozen
    with pytest.raises(ValueError, match="naive"):
        FakeClock(datetime(2026, 1, 1))
    assert "FakeClock(" in repr(clock)


def test_start_time_and_snapshot_times() -> None:
    start = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    with FakeProviders(start_time=start) as fake:
        task = fake.add_task("aitoearn", lifecycle="failed", step_seconds=60)
        assert task.created_at == start
        assert (task.status, task.final_status) == ("queued", "failed")
        fake.clock.advance(120)
        later = fake.get_task("aitoearn", task.id)
        assert later.updated_at == start + timedelta(seconds=120)
        assert later.error == {"message": "Video generation failed"}


def test_lifecycle_helper_and_validation(fake: FakeProviders) -> None:
    assert lifecycle("ark", "cancelled", step_seconds=2) == [("queued", 2), ("cancelled", 2)]
    with pytest.raises(ValueError, match="outcome"):
        lifecycle("ark", "running")
    with pytest.raises(ValueError, match="at least one step"):
        fake.add_task("ark", lifecycle=[])
    with pytest.raises(ValueError, match="negative"):
        fake.add_task("ark", lifecycle=[("queued", -1), "succeeded"])


def test_bulk_statuses_and_lifecycle(fake: FakeProviders) -> None:
    tasks = fake.add_tasks("veo", 6, statuses=["queued", "failed"], prompt="p{i}", spacing=2)
    assert [t.raw_status for t in tasks] == ["pending", "failed"] * 3
    assert [t.prompt for t in tasks] == [f"p{i}" for i in range(6)]
    assert (tasks[-1].created_at - tasks[0].created_at).total_seconds() == 10
    walking = fake.add_tasks("ark", 3, lifecycle="succeeded", step_seconds=1)
    # Created 2 s, 1 s and 0 s ago, one step per second: each is one step further along.
    assert [t.status for t in walking] == ["succeeded", "running", "queued"]
    with pytest.raises(ValueError, match="unknown status"):
        fake.add_tasks("ark", 2, status="nope")
