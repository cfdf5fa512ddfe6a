"""Shapes seen in real traffic (docs/providers.md, "Seen in real traffic"), read over real HTTP.

Each test names where the shape was seen. The simulator produces these shapes only when asked
(:data:`vtasks.testing.QUIRKS`, per task or for the whole simulator); its defaults stay the
vendors' documented answers.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from harness import MODES, Api

import vtasks
from vtasks import TaskStatus
from vtasks._providers._base import as_percent
from vtasks._providers.minimax import usable_url
from vtasks._providers.seedance import duration_of
from vtasks._sentinel import forget as _forget_warnings
from vtasks.testing import VIDEO_MP4, FakeProviders


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
    assert not [r for r in caplog.records if r.name.startswith("vtasks")]


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


@pytest.mark.parametrize("provider", ["ark", "volc"])
def test_seedance_numeric_task_error_code(api: Api, provider: str) -> None:
    """``error.code`` can be a number (LnYo-Cly/ai4j ``SeedanceVideoServiceTest``:
    ``"error": {"code": 400, "message": "content policy violation"}``): kept as a string."""
    added = api.fake.add_task(
        provider, status="failed", error={"code": 400, "message": "content policy violation"}
    )
    task = api.client(provider).get_task(added.id)
    assert task.raw["error"]["code"] == 400  # a number on the wire
    assert (task.status, task.error_code) == (TaskStatus.FAILED, "400")
    assert task.error == "content policy violation"


@pytest.mark.parametrize(
    "code",
    [
        "OutputVideoSensitiveContentDetected.PolicyViolation",
        "InputImageSensitiveContentDetected.PrivacyInformation",
    ],
)
def test_seedance_dotted_task_error_codes_are_kept_verbatim(api: Api, code: str) -> None:
    """Error codes carry dotted suffixes (Volcengine's error-code reference)."""
    added = api.fake.add_task("ark", status="failed", error={"code": code, "message": "m"})
    assert api.client("ark").get_task(added.id).error_code == code


@pytest.mark.parametrize(
    ("code", "status", "error"),
    [
        ("RateLimitExceeded.EndpointTPMExceeded", 429, vtasks.RateLimitError),
        ("InvalidParameter.UnsupportedImageFormat", 400, vtasks.InvalidRequestError),
        ("ModelNotFound", 404, vtasks.NotFoundError),
        ("AccountOverdueError", 403, vtasks.PermissionDeniedError),
        # Not in the table: the HTTP status decides.
        ("SensitiveContentDetected.Severe", 400, vtasks.InvalidRequestError),
    ],
)
def test_seedance_dotted_request_error_codes(
    api: Api, code: str, status: int, error: type[vtasks.APIError]
) -> None:
    """Request errors match the code table by prefix (``RateLimitExceeded.*``,
    ``InvalidParameter.*``) or suffix (``*NotFound``), else by HTTP status."""
    added = api.fake.add_task("ark", status="running")
    api.fake.inject("ark", "business_error", code=code, status=status, count=None)
    with pytest.raises(error) as caught:
        api.client("ark", max_retries=0).get_task(added.id)
    assert caught.value.code == code


@pytest.mark.parametrize("provider", ["ark", "volc"])
def test_seedance_newer_fields_stay_in_raw(api: Api, provider: str) -> None:
    """Newer tasks carry ``content.audio_url`` (BerriAI/litellm
    ``tests/test_litellm/llms/volcengine/videos/test_volcengine_video_transformation.py``),
    ``generate_audio``, ``draft``, ``draft_task_id``, ``priority``, ``safety_identifier``
    (docs.powertokens.ai / developers.meshapi.ai Seedance references). vtasks reads none of them
    into the Task: they stay in ``raw``, and the task reads as before."""
    added = api.fake.add_task(provider, status="succeeded", quirks=["newer_fields"])
    task = api.client(provider).get_task(added.id)
    assert task.status is TaskStatus.SUCCEEDED
    assert task.video_url == added.video_url
    assert task.raw["content"]["audio_url"].endswith(".mp3")
    assert task.raw["generate_audio"] is True
    assert task.raw["draft"] is False
    assert {"draft_task_id", "priority", "safety_identifier"} <= set(task.raw)
    assert {"completion_tokens", "total_tokens"} <= set(task.raw["usage"])
    assert task.raw["content"]["audio_url"] not in task.to_dict().values()


# ---- veo (unified format) -----------------------------------------------------------------------


def test_veo_progress_is_a_percentage(api: Api) -> None:
    """Some resellers add ``progress``, a percentage (0-100: docs.octopusx.ai's unified-query
    pages, e.g. ``/en/videos/jimeng/unified-query``), an integer or the string ``"0"``."""
    added = api.fake.add_task("veo", lifecycle="succeeded", step_seconds=10, quirks=["progress"])
    client = api.client("veo")
    first = client.get_task(added.id)
    assert first.raw["progress"] == "0"  # a string while pending
    assert first.progress == 0.0
    api.fake.clock.advance(10)
    running = client.get_task(added.id)
    assert running.raw["progress"] == 50
    assert running.progress == 50.0
    api.fake.clock.advance(10)
    done = client.get_task(added.id)
    assert (done.status, done.progress) == (TaskStatus.SUCCEEDED, 100.0)
    assert done.to_dict()["progress"] == 100.0


@pytest.mark.parametrize("provider", ["ark", "volc", "minimax", "vidu", "aitoearn", "veo"])
def test_progress_is_none_unless_the_vendor_sends_one(api: Api, provider: str) -> None:
    """No vendor's own API sends a percentage: vtasks never invents one."""
    added = api.fake.add_task(provider, status="running")
    assert api.client(provider).get_task(added.id).progress is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, 0.0),
        (100, 100.0),
        (42, 42.0),
        (42.5, 42.5),
        ("0", 0.0),
        ("42", 42.0),
        (" 7 ", 7.0),
        ("42.5", 42.5),
        (-1, None),
        (100.5, None),
        ("101", None),
        ("50%", None),
        ("-5", None),
        ("1e1", None),
        ("1_0", None),
        ("nan", None),
        (float("nan"), None),
        (float("inf"), None),
        ("", None),
        (True, None),
        (None, None),
        ([50], None),
    ],
)
def test_as_percent(value: object, expected: float | None) -> None:
    """A number, or a numeric string, from 0 to 100; anything else is no progress at all."""
    assert as_percent(value) == expected


def test_veo_success_is_succeeded(api: Api) -> None:
    """yunwu's status table is pending / processing / success / failed (shellus/mj-studio
    ``docs/api/video-unified-api.md``): ``success`` ends a wait like ``completed``."""
    added = api.fake.add_task("veo", lifecycle=["pending", "processing", "success"])
    task = api.client("veo").wait_for_task(added.id, poll_interval=5, timeout=60)
    assert (task.raw_status, task.status) == ("success", TaskStatus.SUCCEEDED)
    assert task.video_url == api.fake.get_task("veo", added.id).video_url
    assert task.finished_at is not None


def test_veo_unknown_is_a_known_word(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    """One reseller's table has ``unknown``: TaskStatus.UNKNOWN from the table, not a warning."""
    _forget_warnings()  # (a warning is logged once per process: start afresh)
    added = api.fake.add_task("veo", raw_status="unknown")
    with caplog.at_level(logging.WARNING, logger="vtasks"):
        task = api.client("veo").get_task(added.id)
    assert (task.raw_status, task.status) == ("unknown", TaskStatus.UNKNOWN)
    assert not task.is_terminal
    assert not [r for r in caplog.records if r.name.startswith("vtasks")]


def test_veo_detail_with_old_errors_does_not_fail_a_completed_task(api: Api) -> None:
    """Some resellers add ``detail {...}`` (the upstream's payload), with an old
    ``error_message`` / ``video_generation_error`` even on completed tasks
    (docs.deepwl.cn's Veo unified-query page: "some channels return a fuller detail")."""
    added = api.fake.add_task("veo", status="succeeded", quirks=["detail"])
    task = api.client("veo").get_task(added.id)
    assert task.raw["detail"]["video_generation_error"]  # the old error is there...
    assert task.status is TaskStatus.SUCCEEDED  # ...and not read
    assert (task.error, task.error_code) == (None, None)
    assert task.video_url == added.video_url


def test_veo_grok_seconds(api: Api) -> None:
    """Grok answers ``status_update_time`` in seconds (docs.octopusx.ai's unified-query pages):
    read as seconds, not as a date in 1970."""
    added = api.fake.add_task(
        "veo",
        task_id="grok:ea57ae4e-3745-499f-947f-2a7829010d70",
        status="succeeded",
        extra={"status_update_time": 1760545899},
    )
    task = api.client("veo").get_task(added.id)
    assert task.id == "grok:ea57ae4e-3745-499f-947f-2a7829010d70"
    assert task.updated_at == datetime.fromtimestamp(1760545899, tz=UTC)


# ---- minimax ------------------------------------------------------------------------------------


def test_minimax_without_base_resp(api: Api) -> None:
    """``base_resp`` can be missing (live captures): the answer is a success."""
    added = api.fake.add_task("minimax", status="succeeded", quirks=["no_base_resp"])
    task = api.client("minimax").get_task(added.id)
    assert "base_resp" not in task.raw
    assert task.status is TaskStatus.SUCCEEDED
    assert task.video_url == added.video_url  # the files answer had none either


def test_minimax_base_resp_without_status_msg(api: Api) -> None:
    """``base_resp`` can lack ``status_msg``: no message, and a failure still has a reason."""
    ok = api.fake.add_task("minimax", status="succeeded", quirks=["bare_base_resp"])
    task = api.client("minimax").get_task(ok.id)
    assert task.raw["base_resp"] == {"status_code": 0}
    assert task.status is TaskStatus.SUCCEEDED
    failed = api.fake.add_task(
        "minimax", status="failed", error={"code": 3001}, quirks=["bare_base_resp"]
    )
    task = api.client("minimax").get_task(failed.id)
    assert task.raw["base_resp"] == {"status_code": 3001}
    assert (task.status, task.error_code) == (TaskStatus.FAILED, "3001")
    assert task.error  # vtasks' own "no reason given" message


def test_minimax_fail_with_code_3001(api: Api) -> None:
    """A ``Fail`` can carry code 3001, which is not in MiniMax's published table: the task's
    error code, not an error of the request."""
    added = api.fake.add_task(
        "minimax", status="failed", error={"code": 3001, "message": "generation failed"}
    )
    task = api.client("minimax").get_task(added.id)
    assert (task.status, task.error_code, task.error) == (
        TaskStatus.FAILED,
        "3001",
        "generation failed",
    )


def test_minimax_failed_spelling(api: Api) -> None:
    """A reseller's doc lists ``Failed`` (YeSongYun/dmxapi.doc): a failed task, its code in
    ``base_resp`` the task's error rather than an error of the request."""
    added = api.fake.add_task(
        "minimax", raw_status="Failed", error={"code": 1027, "message": "output new_sensitive"}
    )
    task = api.client("minimax").get_task(added.id)
    assert (task.raw_status, task.status) == ("Failed", TaskStatus.FAILED)
    assert task.error_code == "1027"


def test_minimax_raw_keeps_the_files_answer(api: Api) -> None:
    """The files answer (``/v1/files/retrieve``) is kept in the task's raw under ``"file"``."""
    added = api.fake.add_task("minimax", status="succeeded")
    task = api.client("minimax").get_task(added.id)
    assert task.raw["task_id"] == added.id  # the query answer...
    assert task.raw["file_id"] == added.file_id
    assert task.raw["file"]["download_url"] == task.video_url  # ...and the file object
    assert task.raw["file"]["file_id"] == int(added.file_id)


def test_minimax_files_answer_file_id_is_not_trusted(api: Api) -> None:
    """MiniMax's own files example has ``file_id: "${file_id}"``: the query's id stays the id."""
    added = api.fake.add_task("minimax", status="succeeded", quirks=["file_id_placeholder"])
    task = api.client("minimax").get_task(added.id)
    assert task.raw["file"]["file_id"] == "${file_id}"
    assert task.raw["file_id"] == added.file_id
    assert task.video_url == added.video_url


def _origin_less(url: str) -> str:
    return url.split("://", 1)[1]


@pytest.mark.parametrize(
    ("quirk", "shown"),
    [
        ("download_url_without_scheme", _origin_less),
        ("download_url_protocol_relative", lambda url: "//" + _origin_less(url)),
    ],
)
def test_minimax_download_url_without_a_scheme_is_https(
    api: Api, quirk: str, shown: Any, tmp_path: Path
) -> None:
    """MiniMax's own files example has a ``download_url`` without a scheme: ``host/path`` and
    ``//host/path`` are read as https (the simulator only speaks http, so the download fails,
    cleanly)."""
    added = api.fake.add_task("minimax", status="succeeded", quirks=[quirk])
    client = api.client("minimax")
    task = client.get_task(added.id)
    assert task.raw["file"]["download_url"] == shown(added.video_url)
    assert task.video_url == "https://" + _origin_less(added.video_url)
    with pytest.raises(vtasks.DownloadError) as caught:
        client.download(task, tmp_path / "v.mp4")
    assert caught.value.task_id == added.id
    assert list(tmp_path.iterdir()) == []


def test_minimax_unusable_download_url_is_a_clear_error(api: Api, tmp_path: Path) -> None:
    """A download URL that is no URL at all (``"${download_url}"``) gives no video URL, and a
    download is a DownloadError naming the task, not a crash."""
    added = api.fake.add_task("minimax", status="succeeded", quirks=["download_url_placeholder"])
    client = api.client("minimax")
    task = client.get_task(added.id)
    assert task.status is TaskStatus.SUCCEEDED
    assert task.video_url is None
    assert task.raw["file"]["download_url"] == "${download_url}"
    with pytest.raises(vtasks.DownloadError) as caught:
        client.download(added.id, tmp_path / "v.mp4")
    assert added.id in str(caught.value)
    assert api.requests("minimax", "download") == []
    assert list(tmp_path.iterdir()) == []


def test_minimax_zero_bytes_is_not_a_length(api: Api, tmp_path: Path) -> None:
    """Live captures show ``bytes: 0`` in the files answer: the size comes from the transfer."""
    added = api.fake.add_task("minimax", status="succeeded", quirks=["zero_bytes"])
    client = api.client("minimax")
    task = client.get_task(added.id)
    assert task.raw["file"]["bytes"] == 0
    seen: list[tuple[int, int | None]] = []
    client.download(
        task, tmp_path / "v.mp4", on_progress=lambda got, total: seen.append((got, total))
    )
    assert (tmp_path / "v.mp4").read_bytes() == VIDEO_MP4
    assert seen[-1] == (len(VIDEO_MP4), len(VIDEO_MP4))


# The answers of the primary URL that another host could fix (after the primary's own retries),
# as a CDN sends them (a plain page, not the API's JSON error body).
_CDN_PAGE = {"body": b"<Error><Code>NoSuchKey</Code></Error>", "content_type": "application/xml"}
_HOST_FAILURES = {
    "404": ("http_error", {"status": 404, **_CDN_PAGE}, 1),
    "403": ("http_error", {"status": 403, **_CDN_PAGE}, 1),
    "410": ("http_error", {"status": 410, **_CDN_PAGE}, 1),
    "503": ("http_error", {"status": 503, **_CDN_PAGE}, 3),
    "dropped": ("drop", {}, 3),
    "truncated": ("short_body", {"keep": 0.5}, 3),
}


@pytest.mark.parametrize("failure", list(_HOST_FAILURES))
def test_minimax_backup_download_url(api: Api, failure: str, tmp_path: Path) -> None:
    """The files answer can carry ``backup_download_url`` (live captures): a second place to
    download the same video from, tried once the primary URL has failed for good. The key does
    not go to the backup's host."""
    fault, params, attempts = _HOST_FAILURES[failure]
    added = api.fake.add_task("minimax", status="succeeded", quirks=["backup_download_url"])
    client = api.client("minimax")
    task = client.get_task(added.id)
    backup = task.raw["file"]["backup_download_url"]
    assert backup.startswith(api.fake.other_origin_url)
    assert task.video_url == added.video_url  # the primary stays the video URL
    api.fake.inject("minimax", fault, endpoint="download", count=None, **params)
    target = tmp_path / "v.mp4"
    assert client.download(task, target) == target
    assert target.read_bytes() == VIDEO_MP4
    assert list(tmp_path.iterdir()) == [target]
    assert len(api.requests("minimax", "download")) == attempts  # the primary's own retries
    (hop,) = api.fake.other_origin_requests
    assert hop.path.endswith(".mp4")
    assert "authorization" not in hop.headers


def test_minimax_backup_not_needed(api: Api, tmp_path: Path) -> None:
    added = api.fake.add_task("minimax", status="succeeded", quirks=["backup_download_url"])
    api.client("minimax").download(added.id, tmp_path / "v.mp4")
    assert (tmp_path / "v.mp4").read_bytes() == VIDEO_MP4
    assert api.fake.other_origin_requests == []


def test_minimax_backup_not_tried_when_another_host_cannot_help(api: Api, tmp_path: Path) -> None:
    """A 400, or a page served as the video, is the request's or the file's problem."""
    added = api.fake.add_task("minimax", status="succeeded", quirks=["backup_download_url"])
    client = api.client("minimax")
    task = client.get_task(added.id)
    api.fake.inject("minimax", "http_error", endpoint="download", status=400, **_CDN_PAGE)
    with pytest.raises(vtasks.DownloadError) as caught:
        client.download(task, tmp_path / "v.mp4")
    assert isinstance(caught.value.__cause__, vtasks.InvalidRequestError)
    assert api.fake.other_origin_requests == []
    assert list(tmp_path.iterdir()) == []


def test_minimax_backup_failing_too(api: Api, tmp_path: Path) -> None:
    """Both URLs gone: one DownloadError that names the task and says both were tried."""
    added = api.fake.add_task("minimax", status="succeeded", quirks=["backup_download_url"])
    client = api.client("minimax")
    task = client.get_task(added.id)
    api.fake.remove_task("minimax", added.id)  # both hosts now answer 404
    with pytest.raises(vtasks.DownloadError) as caught:
        client.download(task, tmp_path / "v.mp4")
    assert caught.value.task_id == added.id
    assert "other URL" in str(caught.value)
    assert isinstance(caught.value.__cause__, vtasks.NotFoundError)
    assert len(api.requests("minimax", "download")) == 1
    assert len(api.fake.other_origin_requests) == 1
    assert list(tmp_path.iterdir()) == []


def test_minimax_backup_saves_a_scheme_less_primary(api: Api, tmp_path: Path) -> None:
    """A scheme-less primary read as https fails on a host without TLS; the backup still works."""
    added = api.fake.add_task(
        "minimax", status="succeeded", quirks=["download_url_without_scheme", "backup_download_url"]
    )
    api.client("minimax").download(added.id, tmp_path / "v.mp4")
    assert (tmp_path / "v.mp4").read_bytes() == VIDEO_MP4


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://cdn.example/v.mp4", "https://cdn.example/v.mp4"),
        ("http://127.0.0.1:8765/v.mp4", "http://127.0.0.1:8765/v.mp4"),
        ("//cdn.example/v.mp4", "https://cdn.example/v.mp4"),
        ("cdn.example/v.mp4?x=1", "https://cdn.example/v.mp4?x=1"),
        ("www.downloadurl.com", "https://www.downloadurl.com"),
        ("127.0.0.1:8765/v.mp4", "https://127.0.0.1:8765/v.mp4"),
        ("  https://cdn.example/v.mp4 ", "https://cdn.example/v.mp4"),
        ("${download_url}", None),
        ("ftp://cdn.example/v.mp4", None),
        ("https://", None),
        ("https://cdn.example:port/v.mp4", None),
        ("/relative/v.mp4", None),
        ("cdn example/v.mp4", None),
        ("", None),
        (None, None),
        (42, None),
    ],
)
def test_minimax_usable_url(value: object, expected: str | None) -> None:
    assert usable_url(value) == expected


def test_minimax_unusable_download_url_with_a_backup(api: Api, tmp_path: Path) -> None:
    """When only the backup is a URL, it is the video URL."""
    added = api.fake.add_task(
        "minimax", status="succeeded", quirks=["download_url_placeholder", "backup_download_url"]
    )
    client = api.client("minimax")
    task = client.get_task(added.id)
    assert task.video_url == task.raw["file"]["backup_download_url"]
    assert client.download(task, tmp_path / "v.mp4").read_bytes() == VIDEO_MP4
    assert api.requests("minimax", "download") == []  # the main server never had it


# ---- vidu ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "status", "error"),
    [
        ("FieldLacking", 400, vtasks.InvalidRequestError),
        ("FieldUnwanted", 400, vtasks.InvalidRequestError),
        ("FieldItemCountOutOfRange", 400, vtasks.InvalidRequestError),
        ("ImageDownloadFailure", 400, vtasks.InvalidRequestError),
        ("TaskPromptPolicyViolation", 400, vtasks.InvalidRequestError),
        ("ImageFormatInvalid", 400, vtasks.InvalidRequestError),
        ("AuditSubmitIllegal", 400, vtasks.InvalidRequestError),
        ("ImageCheckFaceFailed", 400, vtasks.InvalidRequestError),
        ("ImageObjectsUndetected", 400, vtasks.InvalidRequestError),
        ("NotFound", 404, vtasks.NotFoundError),
    ],
)
def test_vidu_error_codes(api: Api, reason: str, status: int, error: type[vtasks.APIError]) -> None:
    """The rest of Vidu's error-code page (platform.vidu.com/docs/error-code)."""
    api.fake.inject("vidu", "business_error", code=reason, status=status)
    with pytest.raises(error) as caught:
        api.client("vidu").get_task("123")
    assert caught.value.code == reason


def test_vidu_operation_in_process_is_retried(api: Api) -> None:
    """``OperationInProcess``: "operation in process, please retry later" (a 400 at Vidu): a
    RateLimitError, retried like a throttle."""
    added = api.fake.add_task("vidu", status="running")
    api.fake.inject("vidu", "business_error", code="OperationInProcess", status=400)
    assert api.client("vidu").get_task(added.id).id == added.id
    assert [r.status for r in api.requests("vidu", "get")] == [400, 200]


# ---- aitoearn -----------------------------------------------------------------------------------


@pytest.mark.parametrize("outcome", ["succeeded", "failed"])
def test_aitoearn_started_at_is_never_the_submission_time(api: Api, outcome: str) -> None:
    """The server sets ``startedAt`` to the submission time (yikart/AiToEarn
    ``video.service.ts``): it is no generation start, for any status, so Task.started_at is None."""
    added = api.fake.add_task("aitoearn", lifecycle=outcome, step_seconds=10)
    client = api.client("aitoearn")
    for _ in range(3):  # SUBMITTED, InProgress, then the outcome
        task = client.get_task(added.id)
        assert task.raw["startedAt"] == task.raw["submittedAt"]
        assert task.started_at is None
        assert task.created_at is not None
        api.fake.clock.advance(10)
    assert task.is_terminal
    assert task.finished_at is not None


def test_aitoearn_failed_error_has_no_code(api: Api) -> None:
    """A failed task's ``error`` has a message and no code (yikart/AiToEarn): error_code None."""
    added = api.fake.add_task("aitoearn", status="failed", error="upstream refused the prompt")
    task = api.client("aitoearn").get_task(added.id)
    assert task.raw["error"] == {"message": "upstream refused the prompt"}
    assert (task.status, task.error, task.error_code) == (
        TaskStatus.FAILED,
        "upstream refused the prompt",
        None,
    )


def test_aitoearn_default_polling_follows_its_upstream_lag(api: Api) -> None:
    """AiToEarn polls its own upstreams every 30 s, so its statuses lag by up to 30 s: by default
    vtasks polls it no faster. A caller's poll_interval (or poll_schedule) still wins."""
    added = api.fake.add_task("aitoearn", lifecycle="succeeded", step_seconds=20)
    task = api.client("aitoearn").wait_for_task(added.id)
    assert task.status is TaskStatus.SUCCEEDED
    assert api.clock.sleeps == [30.0, 30.0]  # SUBMITTED at 0 s, InProgress at 30 s, done at 60 s
    api.clock.sleeps.clear()
    many = [api.fake.add_task("aitoearn", lifecycle="succeeded", step_seconds=20).id for _ in "ab"]
    assert len(api.client("aitoearn").wait_for_tasks(many)) == 2
    assert set(api.clock.sleeps) == {30.0}
    api.clock.sleeps.clear()
    again = api.fake.add_task("aitoearn", lifecycle="succeeded", step_seconds=20)
    api.client("aitoearn").wait_for_task(again.id, poll_interval=5)
    assert set(api.clock.sleeps) == {5.0}
    api.clock.sleeps.clear()
    schedule = vtasks.PollSchedule(initial=2.0, factor=1.0, maximum=2.0, jitter=0.0)
    other = api.fake.add_task("aitoearn", lifecycle="succeeded", step_seconds=20)
    api.client("aitoearn", poll_schedule=schedule).wait_for_task(other.id)
    assert set(api.clock.sleeps) == {2.0}


def test_other_providers_keep_the_growing_schedule(api: Api) -> None:
    added = api.fake.add_task("ark", lifecycle="succeeded", step_seconds=20)
    api.client("ark").wait_for_task(added.id)
    assert api.clock.sleeps[0] <= 1.2  # about 1 s, then growing
