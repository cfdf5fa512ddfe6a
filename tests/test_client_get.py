"""``get_task``: every provider's payload normalized the same way, for both clients."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
from harness import AUTH_HEADERS, Api

from vtasks import PROVIDERS, TaskStatus
from vtasks._sentinel import forget as _forget_warnings

Q, R, S, F, C, E, U = (
    TaskStatus.QUEUED,
    TaskStatus.RUNNING,
    TaskStatus.SUCCEEDED,
    TaskStatus.FAILED,
    TaskStatus.CANCELLED,
    TaskStatus.EXPIRED,
    TaskStatus.UNKNOWN,
)

# Raw values each vendor sends (docs/providers.md) and what they must become. Written out here rather
# than read from vtasks._status, so that a wrong table fails these tests.
DOCUMENTED = {
    # (pending / processing: gateways in front of Ark, see test_status.SEEN_IN_TRAFFIC)
    "ark": {"queued": Q, "running": R, "succeeded": S, "failed": F, "cancelled": C, "expired": E}
    | {"pending": Q, "processing": R},
    "volc": {"queued": Q, "running": R, "succeeded": S, "failed": F, "cancelled": C, "expired": E}
    | {"pending": Q, "processing": R},
    "veo": {
        "pending": Q,
        "processing": R,
        "completed": S,
        "failed": F,
        "image_downloading": R,
        "video_generating": R,
        # upsampling may follow: not final
        "video_generation_completed": R,
        "video_generation_failed": F,
        "video_upsampling": R,
        "video_upsampling_completed": S,
        "video_upsampling_failed": F,
        "error": F,
        # seen at resellers: yunwu's table, one reseller's table (test_status.SEEN_IN_TRAFFIC)
        "success": S,
        "unknown": U,
    },
    "minimax": {"Preparing": Q, "Queueing": Q, "Processing": R, "Success": S, "Fail": F}
    | {"Failed": F},  # a reseller's spelling (test_status.SEEN_IN_TRAFFIC)
    "vidu": {"created": Q, "queueing": Q, "processing": R, "success": S, "failed": F},
    "aitoearn": {
        "SUBMITTED": Q,
        "NOT_START": Q,
        "QUEUED": Q,
        "InProgress": R,
        "IN_PROGRESS": R,
        "SUCCESS": S,
        "FAILURE": F,
        "UNKNOWN": U,
    },
}


def utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def assert_utc(value: datetime | None) -> datetime:
    assert value is not None
    assert value.tzinfo is UTC
    return value


@pytest.mark.parametrize("provider", PROVIDERS)
def test_documented_statuses_map(api: Api, provider: str) -> None:
    client = api.client(provider)
    for raw, expected in DOCUMENTED[provider].items():
        # (Veo's upsampling step counts as the end only with the video: see below)
        extra = {"video_url": "https://cdn.example/v.mp4"} if raw.startswith("video_ups") else None
        added = api.fake.add_task(provider, raw_status=raw, extra=extra)
        task = client.get_task(added.id)
        assert (task.raw_status, task.status) == (raw, expected)
        assert task.id == added.id
        assert task.provider == provider
        assert task.is_terminal == (expected in (S, F, C, E))


@pytest.mark.parametrize("provider", PROVIDERS)
def test_every_request_authenticates_the_vendor_way(api: Api, provider: str) -> None:
    added = api.fake.add_task(provider, status="succeeded")
    api.client(provider).get_task(added.id)
    records = api.requests(provider)
    assert records
    header, value = AUTH_HEADERS[provider]
    for record in records:
        if record.endpoint == "download":
            continue
        assert record.auth_ok
        assert record.headers[header] == value
        assert record.method == "GET"


@pytest.mark.parametrize("provider", ["ark", "volc"])
def test_seedance_succeeded_fields(api: Api, provider: str) -> None:
    created = api.fake.clock.now() - 3600.7
    added = api.fake.add_task(
        provider,
        status="succeeded",
        created_at=created,
        model="doubao-seedance-1-0-lite-t2v",
        duration=10,
        fps=30,
        extra={"revised_prompt": "a cat, cinematic"},
    )
    task = api.client(provider).get_task(added.id)
    assert task.status is S
    assert task.raw_status == "succeeded"
    assert task.model == "doubao-seedance-1-0-lite-t2v"
    assert task.prompt == "a cat, cinematic"
    assert task.video_url == added.video_url
    assert task.video_urls == (added.video_url,)
    assert task.cover_url == added.cover_url  # content.last_frame_url
    # integer Unix seconds
    assert assert_utc(task.created_at) == utc(int(created))
    assert assert_utc(task.updated_at) == utc(int(created))
    assert task.finished_at == task.updated_at
    assert task.started_at is None
    assert task.duration == 10.0
    assert task.fps == 30.0
    assert task.error is None
    assert task.error_code is None
    assert task.raw["id"] == added.id


@pytest.mark.parametrize("provider", ["ark", "volc"])
@pytest.mark.parametrize(("status", "expected"), [("cancelled", C), ("expired", E)])
def test_seedance_cancelled_and_expired(
    api: Api, provider: str, status: str, expected: TaskStatus
) -> None:
    added = api.fake.add_task(provider, status=status)
    task = api.client(provider).get_task(added.id)
    assert task.status is expected
    assert task.raw_status == status
    assert task.is_terminal
    assert task.video_url is None
    assert task.video_urls == ()


@pytest.mark.parametrize("provider", ["ark", "volc"])
def test_seedance_failed_error(api: Api, provider: str) -> None:
    added = api.fake.add_task(
        provider,
        status="failed",
        error={"code": "InputTextSensitiveContentDetected", "message": "sensitive prompt"},
    )
    task = api.client(provider).get_task(added.id)
    assert task.status is F
    assert task.error == "sensitive prompt"
    assert task.error_code == "InputTextSensitiveContentDetected"
    assert task.video_url is None
    assert task.cover_url is None


def test_seedance_without_last_frame(api: Api) -> None:
    added = api.fake.add_task("ark", status="succeeded", return_last_frame=False)
    task = api.client("ark").get_task(added.id)
    assert task.video_url == added.video_url
    assert task.cover_url is None


def test_veo_fields_milliseconds(api: Api) -> None:
    added = api.fake.add_task("veo", status="succeeded", prompt="a dog surfing")
    task = api.client("veo").get_task(added.id)
    assert task.status is S
    assert task.raw_status == "completed"
    assert task.prompt == "a dog surfing"  # enhanced_prompt
    assert task.video_url == added.video_url
    updated = assert_utc(task.updated_at)
    ms = task.raw["status_update_time"]
    assert ms > 1e12  # milliseconds on the wire
    assert updated == datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)
    assert abs(updated.timestamp() - added.updated_at.timestamp()) < 0.001
    assert task.finished_at == updated
    assert task.created_at is None


def test_veo_seconds_tolerated(api: Api) -> None:
    """One reseller warns ``status_update_time`` may be seconds: still the right date."""
    added = api.fake.add_task("veo", status="running", extra={"status_update_time": 1760545785})
    task = api.client("veo").get_task(added.id)
    assert task.updated_at == utc(1760545785)
    assert task.finished_at is None


def test_veo_keeps_the_callers_id(api: Api) -> None:
    """The answer's id may lack the model prefix; the caller's id is the one that works."""
    added = api.fake.add_task("veo", status="running", extra={"id": "1760545785-euexscdeL8"})
    task = api.client("veo").get_task(added.id)
    assert task.id == added.id
    assert task.raw["id"] == "1760545785-euexscdeL8"


def test_veo_failed_error(api: Api) -> None:
    added = api.fake.add_task(
        "veo", status="failed", error={"code": "content_policy", "message": "blocked"}
    )
    task = api.client("veo").get_task(added.id)
    assert task.status is F
    assert (task.error, task.error_code) == ("blocked", "content_policy")


def test_veo_generation_completed_is_not_terminal(api: Api) -> None:
    added = api.fake.add_task("veo", raw_status="video_generation_completed")
    task = api.client("veo").get_task(added.id)
    assert task.status is R
    assert not task.is_terminal
    assert task.finished_at is None


def test_veo_upsampling_completed_without_video_is_not_the_end(api: Api) -> None:
    bare = api.fake.add_task("veo", raw_status="video_upsampling_completed")
    task = api.client("veo").get_task(bare.id)
    assert (task.raw_status, task.status) == ("video_upsampling_completed", R)
    with_video = api.fake.add_task(
        "veo", raw_status="video_upsampling_completed", extra={"video_url": "https://c/v.mp4"}
    )
    task = api.client("veo").get_task(with_video.id)
    assert (task.status, task.video_url) == (S, "https://c/v.mp4")


def test_minimax_video_url_via_files_retrieve(api: Api) -> None:
    added = api.fake.add_task("minimax", status="succeeded", width=1366, height=768)
    task = api.client("minimax").get_task(added.id)
    assert task.status is S
    assert task.raw_status == "Success"
    assert task.video_url == added.video_url
    assert task.video_urls == (added.video_url,)
    assert (task.width, task.height) == (1366, 768)
    assert assert_utc(task.finished_at) == utc(int(added.updated_at.timestamp()))
    gets = api.requests("minimax", "get")
    files = api.requests("minimax", "files")
    assert [r.query_dict()["task_id"] for r in gets] == [[added.id]]
    assert [r.query_dict()["file_id"] for r in files] == [[added.file_id]]


@pytest.mark.parametrize("status", ["queued", "running", "failed"])
def test_minimax_unfinished_needs_no_file_call(api: Api, status: str) -> None:
    added = api.fake.add_task("minimax", status=status)
    task = api.client("minimax").get_task(added.id)
    assert task.video_url is None
    assert api.requests("minimax", "files") == []


def test_minimax_failed_error_from_base_resp(api: Api) -> None:
    added = api.fake.add_task(
        "minimax", status="failed", error={"code": 1027, "message": "output new_sensitive"}
    )
    task = api.client("minimax").get_task(added.id)
    assert task.status is F
    assert task.error == "output new_sensitive"
    assert task.error_code == "1027"


def test_minimax_failed_without_reason(api: Api) -> None:
    added = api.fake.add_task("minimax", status="failed")
    task = api.client("minimax").get_task(added.id)
    assert task.status is F
    assert task.error  # a message even when MiniMax gives none
    assert task.error_code is None


def test_vidu_succeeded_fields(api: Api) -> None:
    added = api.fake.add_task("vidu", status="succeeded")
    task = api.client("vidu").get_task(added.id)
    assert task.status is S
    assert task.raw_status == "success"
    assert task.video_url == added.video_url
    assert task.video_urls == (added.video_url,)
    assert task.cover_url == added.cover_url
    assert task.error is None
    assert task.error_code is None  # err_code "" means fine


def test_vidu_list_entry_has_time_size_and_model(api: Api) -> None:
    created = api.fake.clock.now() - 60.125
    added = api.fake.add_task(
        "vidu",
        status="succeeded",
        created_at=created,
        model="viduq2-pro",
        prompt="sunrise",
        duration=8,
        fps=24,
        width=1280,
        height=720,
    )
    (task,) = api.client("vidu").list_tasks(task_ids=[added.id])
    assert task.model == "viduq2-pro"
    assert task.prompt == "sunrise"
    created_at = assert_utc(task.created_at)
    assert abs(created_at.timestamp() - created) < 1e-6
    assert (task.width, task.height, task.duration, task.fps) == (1280, 720, 8.0, 24.0)


def test_vidu_cancelled(api: Api) -> None:
    added = api.fake.add_task("vidu", status="cancelled")
    task = api.client("vidu").get_task(added.id)
    assert task.raw_status == "failed"
    assert task.status is C
    assert task.error_code == "UserCancelled"


def test_vidu_failed_err_code(api: Api) -> None:
    added = api.fake.add_task("vidu", status="failed", error={"code": "CreationPolicyViolation"})
    task = api.client("vidu").get_task(added.id)
    assert task.status is F
    assert task.error_code == "CreationPolicyViolation"
    assert task.error == "CreationPolicyViolation"


def test_aitoearn_fields(api: Api) -> None:
    created = api.fake.clock.now() - 100.0
    added = api.fake.add_task(
        "aitoearn",
        created_at=created,
        lifecycle="succeeded",
        step_seconds=10,
        prompt="a red fox",
        duration=8,
    )
    task = api.client("aitoearn").get_task(added.id)
    assert task.status is S
    assert task.raw_status == "SUCCESS"
    assert task.prompt == "a red fox"  # input.prompt
    assert task.model == added.model
    assert task.video_url == added.video_url
    assert task.cover_url == added.cover_url
    # ISO-8601 with milliseconds: submitted, finished 20 s later; startedAt is the submission time
    # (test_real_traffic), so no start time
    assert abs(assert_utc(task.created_at).timestamp() - created) < 0.001
    assert task.started_at is None
    assert abs(assert_utc(task.finished_at).timestamp() - (created + 20)) < 0.001
    assert task.duration == 8.0


def test_aitoearn_mixed_case_in_progress(api: Api) -> None:
    added = api.fake.add_task("aitoearn", status="running")
    task = api.client("aitoearn").get_task(added.id)
    assert task.raw_status == "InProgress"
    assert task.status is R
    assert task.finished_at is None
    for spelling in ("in_progress", "IN-PROGRESS", "inprogress"):
        other = api.fake.add_task("aitoearn", raw_status=spelling)
        assert api.client("aitoearn").get_task(other.id).status is R


def test_aitoearn_failed_error_message(api: Api) -> None:
    added = api.fake.add_task("aitoearn", status="failed", error="upstream refused the prompt")
    task = api.client("aitoearn").get_task(added.id)
    assert task.status is F
    assert task.raw_status == "FAILURE"
    assert task.error == "upstream refused the prompt"


@pytest.mark.parametrize("provider", PROVIDERS)
def test_unknown_status_kept_and_warned_once(
    api: Api, provider: str, caplog: pytest.LogCaptureFixture
) -> None:
    _forget_warnings()
    client = api.client(provider)
    first = api.fake.add_task(provider, raw_status="reticulating_splines")
    second = api.fake.add_task(provider, raw_status="reticulating_splines")
    with caplog.at_level(logging.WARNING, logger="vtasks"):
        tasks = [client.get_task(first.id), client.get_task(second.id), client.get_task(first.id)]
    for task in tasks:
        assert task.status is U
        assert task.raw_status == "reticulating_splines"
        assert not task.is_terminal
    # One drift warning for the status field, naming the provider but never the value.
    warnings = [r.getMessage() for r in caplog.records if r.name == "vtasks.drift"]
    assert len(warnings) == 1
    assert warnings[0].startswith(f"{provider} get answer: ")
    assert "has a value the spec's enum does not list" in warnings[0]
    assert "reticulating" not in warnings[0]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_times_are_aware_utc_or_none(api: Api, provider: str) -> None:
    added = api.fake.add_task(provider, lifecycle="succeeded", step_seconds=1)
    api.fake.clock.advance(10)
    task = api.client(provider).get_task(added.id)
    assert task.status is S
    for name in ("created_at", "updated_at", "started_at", "finished_at"):
        value = getattr(task, name)
        assert value is None or value.tzinfo is UTC, name
    # every provider reports some time for a finished task, except Vidu's creations view
    if provider != "vidu":
        assert task.finished_at is not None or task.updated_at is not None
    data = json.loads(json.dumps(task.to_dict()))  # JSON-ready
    assert data["status"] == "succeeded"
    assert data["id"] == added.id
    assert "raw" not in data
