"""``download``: the simulator's bytes land in the file, atomically, or nothing does."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import AUTH_HEADERS, Api

import vtasks
from vtasks import PROVIDERS, TaskStatus
from vtasks.testing import VIDEO_MP4


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize("provider", PROVIDERS)
def test_download_by_id(api: Api, provider: str, tmp_path: Path) -> None:
    added = api.fake.add_task(provider, status="succeeded")
    target = tmp_path / "out" / "video.mp4"  # the folder is created
    progress: list[tuple[int, int | None]] = []
    result = api.client(provider).download(
        added.id, target, on_progress=lambda got, total: progress.append((got, total))
    )
    assert result == target
    assert target.read_bytes() == VIDEO_MP4 == api.fake.video_bytes
    assert leftovers(target.parent) == ["video.mp4"]  # no temporary file left
    assert progress[-1] == (len(VIDEO_MP4), len(VIDEO_MP4))
    (download,) = api.requests(provider, "download")
    assert download.status == 200
    assert download.headers["accept"] == "*/*"  # a video, not JSON
    assert all(r.headers["accept"] == "application/json" for r in api.requests(provider, "get"))


def test_download_from_task(api: Api, tmp_path: Path) -> None:
    added = api.fake.add_task("vidu", status="succeeded")
    client = api.client("vidu")
    task = client.get_task(added.id)
    client.download(task, tmp_path / "v.mp4")
    assert (tmp_path / "v.mp4").read_bytes() == VIDEO_MP4
    assert len(api.requests("vidu", "get")) == 1  # the Task was not fetched again


def test_existing_file_refused_and_untouched(api: Api, tmp_path: Path) -> None:
    added = api.fake.add_task("ark", status="succeeded")
    target = tmp_path / "video.mp4"
    target.write_bytes(b"precious")
    client = api.client("ark")
    with pytest.raises(vtasks.DownloadExistsError) as info:
        client.download(added.id, target)
    assert isinstance(info.value, FileExistsError)
    assert isinstance(info.value, vtasks.DownloadError)
    assert target.read_bytes() == b"precious"
    assert api.requests("ark", "download") == []
    assert leftovers(tmp_path) == ["video.mp4"]


def test_overwrite_replaces(api: Api, tmp_path: Path) -> None:
    added = api.fake.add_task("aitoearn", status="succeeded")
    target = tmp_path / "video.mp4"
    target.write_bytes(b"old")
    api.client("aitoearn").download(added.id, target, overwrite=True)
    assert target.read_bytes() == VIDEO_MP4
    assert leftovers(tmp_path) == ["video.mp4"]


def test_directory_target_refused(api: Api, tmp_path: Path) -> None:
    added = api.fake.add_task("ark", status="succeeded")
    with pytest.raises(vtasks.DownloadError):
        api.client("ark").download(added.id, tmp_path)
    assert api.requests("ark", "download") == []


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("status", ["running", "failed"])
def test_task_without_video(api: Api, provider: str, status: str, tmp_path: Path) -> None:
    added = api.fake.add_task(provider, status=status)
    with pytest.raises(vtasks.DownloadError) as info:
        api.client(provider).download(added.id, tmp_path / "v.mp4")
    assert added.id in str(info.value)
    assert info.value.task_id == added.id
    assert leftovers(tmp_path) == []
    assert api.requests(provider, "download") == []


@pytest.mark.parametrize("provider", ["ark", "minimax", "vidu"])
def test_broken_transfer_leaves_nothing(api: Api, provider: str, tmp_path: Path) -> None:
    added = api.fake.add_task(provider, status="succeeded")
    api.fake.inject(provider, "short_body", endpoint="download", count=None, keep=0.5)
    target = tmp_path / "v.mp4"
    with pytest.raises(vtasks.DownloadError) as info:
        api.client(provider).download(added.id, target)
    assert not isinstance(info.value, vtasks.DownloadExistsError)
    assert leftovers(tmp_path) == []  # neither the target nor a temporary file
    assert len(api.requests(provider, "download")) == 3  # retried twice
    assert isinstance(info.value.__cause__, vtasks.APIConnectionError)


def test_broken_transfer_retried(api: Api, tmp_path: Path) -> None:
    added = api.fake.add_task("veo", status="succeeded")
    api.fake.inject("veo", "short_body", endpoint="download", length=10)
    target = tmp_path / "v.mp4"
    api.client("veo").download(added.id, target)
    assert target.read_bytes() == VIDEO_MP4
    assert leftovers(tmp_path) == ["v.mp4"]
    assert len(api.requests("veo", "download")) == 2


def test_server_error_retried_then_download_error(api: Api, tmp_path: Path) -> None:
    added = api.fake.add_task("aitoearn", status="succeeded")
    api.fake.inject("aitoearn", "html_error", endpoint="download", status=503, count=None)
    with pytest.raises(vtasks.DownloadError) as info:
        api.client("aitoearn").download(added.id, tmp_path / "v.mp4")
    assert isinstance(info.value.__cause__, vtasks.ServerError)
    assert "503" in str(info.value)
    assert len(api.requests("aitoearn", "download")) == 3
    assert leftovers(tmp_path) == []


def test_gone_video_not_retried(api: Api, tmp_path: Path) -> None:
    client = api.client("ark")
    task = client.get_task(api.fake.add_task("ark", status="succeeded").id)
    api.fake.remove_task("ark", task.id)  # the result URL now answers 404
    with pytest.raises(vtasks.DownloadError) as info:
        client.download(task, tmp_path / "v.mp4")
    assert isinstance(info.value.__cause__, vtasks.NotFoundError)
    assert len(api.requests("ark", "download")) == 1
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("provider", ["ark", "vidu", "aitoearn"])
def test_download_redirect_to_another_origin(api: Api, provider: str, tmp_path: Path) -> None:
    added = api.fake.add_task(provider, status="succeeded")
    api.fake.inject(provider, "redirect", endpoint="download")
    api.client(provider).download(added.id, tmp_path / "v.mp4")
    assert (tmp_path / "v.mp4").read_bytes() == VIDEO_MP4
    (hop,) = api.fake.other_origin_requests
    header, _ = AUTH_HEADERS[provider]
    assert header not in hop.headers
    assert "authorization" not in hop.headers
    assert "x-api-key" not in hop.headers


def test_succeeded_status_has_video(api: Api, tmp_path: Path) -> None:
    added = api.fake.add_task("minimax", lifecycle="succeeded", step_seconds=5)
    client = api.client("minimax")
    task = client.wait_for_task(added.id)
    assert task.status is TaskStatus.SUCCEEDED
    client.download(task, tmp_path / "v.mp4")
    assert (tmp_path / "v.mp4").read_bytes() == VIDEO_MP4


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", b'{"code": 403, "message": "signature expired"}'),
        ("text/html; charset=utf-8", b"<html><title>Portal</title><body>log in</body></html>"),
        ("application/xml", b"<Error><Code>AccessDenied</Code></Error>"),
        ("text/plain", b"upstream gone"),
    ],
)
def test_error_page_sent_as_a_success_is_not_saved(
    api: Api, tmp_path: Path, content_type: str, body: bytes
) -> None:
    """HTTP 200 with a page instead of a video: an error with the page kept, and no file."""
    added = api.fake.add_task("volc", status="succeeded")
    api.fake.inject("volc", "non_json", endpoint="download", body=body, content_type=content_type)
    with pytest.raises(vtasks.DownloadError) as caught:
        api.client("volc").download(added.id, tmp_path / "v.mp4")
    cause = caught.value.__cause__
    assert isinstance(cause, vtasks.ResponseError)
    assert cause.status_code == 200
    assert cause.body == body.decode()
    assert "expected the video" in str(caught.value)
    assert leftovers(tmp_path) == []
    assert len(api.requests("volc", "download")) == 1  # an answer, not a glitch: not retried


@pytest.mark.parametrize("content_type", ["application/octet-stream", "binary/octet-stream", ""])
def test_video_with_a_generic_type_is_saved(api: Api, tmp_path: Path, content_type: str) -> None:
    added = api.fake.add_task("ark", status="succeeded")
    api.fake.inject(
        "ark", "non_json", endpoint="download", body=VIDEO_MP4, content_type=content_type
    )
    api.client("ark").download(added.id, tmp_path / "v.mp4")
    assert (tmp_path / "v.mp4").read_bytes() == VIDEO_MP4
