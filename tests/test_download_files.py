"""``download`` and the file system: failures are ``DownloadError`` naming the path, files get the
permissions the user's umask gives, and download retries honour ``Retry-After``.

Part of the "hostile servers and careless callers" work: each case here raised a bare ``OSError``
or ``ValueError``, left the file at mode 0600 whatever the umask, or slept a random back-off
instead of the server's ``Retry-After``.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from harness import Api

import vtasks

POSIX = sys.platform != "win32"


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def refused(api: Api, target: Any, **kwargs: Any) -> vtasks.DownloadError:
    """Download an existing task's video to ``target``; return the DownloadError it raises."""
    added = api.fake.add_task("ark", status="succeeded")
    with pytest.raises(vtasks.DownloadError) as info:
        api.client("ark", **kwargs).download(added.id, target)
    error = info.value
    assert error.path is not None
    assert str(error.path) in str(error)  # the path is named
    assert error.task_id == added.id
    return error


def test_parent_is_a_file(api: Api, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("a file, not a folder")
    target = tmp_path / "notes.txt" / "sub" / "v.mp4"
    error = refused(api, target)
    assert isinstance(error.__cause__, OSError)
    assert error.__cause__.errno in (errno.ENOTDIR, errno.EEXIST)
    assert api.requests("ark", "download") == []  # refused before the transfer
    assert leftovers(tmp_path) == ["notes.txt"]


@pytest.fixture
def unwritable_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder no file can be made in: read-only, or (root ignores modes) one of /sys's."""
    if POSIX and os.geteuid() == 0:
        folder = Path("/sys")
        try:
            os.close(os.open(folder / "vtasks-probe", os.O_WRONLY | os.O_CREAT | os.O_EXCL))
        except OSError:
            yield folder
            return
        os.unlink(folder / "vtasks-probe")
        pytest.skip("running as root and /sys is writable: no folder refuses a new file")
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        yield folder
    finally:
        folder.chmod(0o755)


def test_read_only_folder(api: Api, unwritable_folder: Path) -> None:
    error = refused(api, unwritable_folder / "v.mp4")
    assert isinstance(error.__cause__, OSError)
    assert api.requests("ark", "download") == []


def test_read_only_folder_to_create(api: Api, unwritable_folder: Path) -> None:
    error = refused(api, unwritable_folder / "new" / "v.mp4")
    assert isinstance(error.__cause__, OSError)


@pytest.mark.skipif(not POSIX, reason="NAME_MAX is a POSIX limit")
def test_too_long_name(api: Api, tmp_path: Path) -> None:
    error = refused(api, tmp_path / ("v" * 300 + ".mp4"))
    assert isinstance(error.__cause__, OSError)
    assert error.__cause__.errno == errno.ENAMETOOLONG
    assert api.requests("ark", "download") == []  # known before the transfer, not after it
    assert leftovers(tmp_path) == []


@pytest.mark.skipif(not POSIX, reason="NAME_MAX is a POSIX limit")
def test_longest_name_works(api: Api, tmp_path: Path) -> None:
    # The temporary file's name is longer than the target's; it must still fit.
    limit = os.pathconf(tmp_path, "PC_NAME_MAX")
    name = "é" * ((limit - 4) // 2) + "v" * ((limit - 4) % 2) + ".mp4"
    assert len(os.fsencode(name)) == limit
    added = api.fake.add_task("ark", status="succeeded")
    target = api.client("ark").download(added.id, tmp_path / name)
    assert target.read_bytes() == api.fake.video_bytes
    assert leftovers(tmp_path) == [name]


@pytest.mark.parametrize("path", ["v\x00.mp4", "sub\x00dir/v.mp4"])
def test_nul_byte_is_a_bad_argument(api: Api, tmp_path: Path, path: str) -> None:
    # No file system accepts it: a ConfigurationError before any I/O, like any bad argument.
    client = api.client("ark")
    with pytest.raises(vtasks.ConfigurationError, match="NUL"):
        client.download("some-id", tmp_path / path)
    with pytest.raises(vtasks.ConfigurationError, match="NUL"):
        client.download("some-id", str(tmp_path / path))
    assert api.fake.requests == []


class BytesPath:
    def __fspath__(self) -> bytes:
        return b"/tmp/v.mp4"


def test_bytes_path_is_a_bad_argument(api: Api) -> None:
    with pytest.raises(vtasks.ConfigurationError, match="path"):
        api.client("ark").download("some-id", BytesPath())  # type: ignore[arg-type]
    assert api.fake.requests == []


@pytest.mark.skipif(not POSIX, reason="RLIMIT_FSIZE is POSIX")
def test_disk_full(api: Api, tmp_path: Path) -> None:
    # A file-size limit fails a write as a full disk would (EFBIG rather than ENOSPC); Python
    # ignores the SIGXFSZ that comes with it. Lowered only around the download.
    import resource

    added = api.fake.add_task("ark", status="succeeded")
    client = api.client("ark")
    target = tmp_path / "v.mp4"
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (len(api.fake.video_bytes) // 2, hard))
    try:
        with pytest.raises(vtasks.DownloadError) as info:
            client.download(added.id, target)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    assert isinstance(info.value.__cause__, OSError)
    assert info.value.__cause__.errno == errno.EFBIG
    assert str(target) in str(info.value)
    assert len(api.requests("ark", "download")) == 1  # a full disk is not retried
    assert leftovers(tmp_path) == []  # the partial temporary file is gone


# ---- permissions --------------------------------------------------------------------------------


@pytest.fixture(params=[0o022, 0o077, 0o002])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


@pytest.mark.skipif(not POSIX, reason="file modes are POSIX")
@pytest.mark.parametrize("overwrite", [False, True])
def test_file_mode_follows_the_umask(api: Api, tmp_path: Path, umask: int, overwrite: bool) -> None:
    added = api.fake.add_task("vidu", status="succeeded")
    target = tmp_path / "v.mp4"
    if overwrite:
        target.write_bytes(b"old")
        target.chmod(0o600)
    api.client("vidu").download(added.id, target, overwrite=overwrite)
    own = tmp_path / "own.bin"
    own.write_bytes(b"x")  # what a file the user creates gets
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask == stat.S_IMODE(own.stat().st_mode)


# ---- Retry-After --------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [503, 429])
def test_download_retry_honours_retry_after(api: Api, tmp_path: Path, status: int) -> None:
    added = api.fake.add_task("ark", status="succeeded")
    api.fake.inject("ark", "http_error", endpoint="download", status=status, retry_after=7)
    policy = vtasks.RetryPolicy(max_retries=2, backoff_initial=0.001, retry_after_max=60)
    target = api.client("ark", retry_policy=policy).download(added.id, tmp_path / "v.mp4")
    assert target.read_bytes() == api.fake.video_bytes
    assert api.clock.sleeps == [7]
    assert [r.status for r in api.requests("ark", "download")] == [status, 200]


def test_download_retry_after_capped(api: Api, tmp_path: Path) -> None:
    added = api.fake.add_task("ark", status="succeeded")
    api.fake.inject("ark", "http_error", endpoint="download", status=503, retry_after=3600)
    policy = vtasks.RetryPolicy(max_retries=1, retry_after_max=5)
    api.client("ark", retry_policy=policy).download(added.id, tmp_path / "v.mp4")
    assert api.clock.sleeps == [5]
