"""What both clients' ``download`` share: where to write, what a finished transfer must look like.

A download streams into a hidden temporary file beside the target and is moved into place only when
complete, so a broken transfer never leaves a partial file under the target's name. With
``overwrite=False`` the move is a hard link, which fails rather than replace a file that appeared
meanwhile.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from ._exceptions import DownloadError, DownloadExistsError
from ._models import Task

if TYPE_CHECKING:
    import httpx

__all__ = [
    "CHUNK_SIZE",
    "check_complete",
    "declared_length",
    "discard",
    "expected_length",
    "finish",
    "is_error_page",
    "open_temporary",
    "prepare_target",
    "video_url_of",
]

CHUNK_SIZE = 256 * 1024


def video_url_of(task: Task) -> str:
    """The URL to download, or a :class:`DownloadError` saying why there is none yet."""
    if task.video_url:
        return task.video_url
    state = f"is {task.status.value}" if not task.is_terminal else f"ended {task.status.value}"
    raise DownloadError(
        f"task {task.id} {state} and has no video URL to download",
        task_id=task.id,
        provider=task.provider,
    )


def prepare_target(path: str | os.PathLike[str], *, overwrite: bool, task: Task) -> Path:
    """Resolve the target file; refuse an existing one unless ``overwrite``; create its folder."""
    target = Path(path).expanduser()
    if target.is_dir():
        raise DownloadError(
            f"{target} is a directory; give the path of the file to write",
            path=target,
            task_id=task.id,
            provider=task.provider,
        )
    if target.exists() and not overwrite:
        raise DownloadExistsError(
            f"{target} exists; pass overwrite=True to replace it",
            path=target,
            task_id=task.id,
            provider=task.provider,
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


def open_temporary(target: Path) -> tuple[int, Path]:
    """A new hidden file beside ``target`` (same file system, so the final move is atomic)."""
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    return fd, Path(name)


def expected_length(response: httpx.Response) -> int | None:
    """The ``Content-Length`` of an uncompressed answer, when the server gave one."""
    if response.headers.get("content-encoding", "identity") not in ("identity", ""):
        return None  # the header counts compressed bytes; httpx hands out decoded ones
    value = response.headers.get("content-length")
    if value is None or not value.strip().isdigit():
        return None
    return int(value)


def declared_length(response: httpx.Response) -> int | None:
    """The ``Content-Length`` as sent (of the bytes on the wire, encoded or not)."""
    value = response.headers.get("content-length")
    if value is None or not value.strip().isdigit():
        return None
    return int(value)


# Media types that are never a video: what error pages come as.
_PAGE_TYPES = frozenset(
    {"text/html", "text/plain", "application/json", "application/xml", "text/xml"}
)


def is_error_page(response: httpx.Response) -> bool:
    """Whether a download answer carries a page (HTML, JSON, XML, text) rather than a video.

    Judged by ``Content-Type`` only, so a video served with a missing or generic type
    (``application/octet-stream``) is still taken.
    """
    media = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return media in _PAGE_TYPES or media.endswith(("+json", "+xml"))


def check_complete(received: int, expected: int | None, *, target: Path, task: Task) -> None:
    """Raise :class:`DownloadError` for a transfer shorter (or longer) than announced."""
    if expected is not None and received != expected:
        raise DownloadError(
            f"download of task {task.id} broke off: {received} of {expected} bytes",
            path=target,
            expected_bytes=expected,
            received_bytes=received,
            task_id=task.id,
            provider=task.provider,
        )


def finish(temporary: Path, target: Path, *, overwrite: bool, task: Task) -> Path:
    """Move the complete file into place."""
    if overwrite:
        os.replace(temporary, target)
        return target
    try:
        os.link(temporary, target)
    except FileExistsError:
        raise DownloadExistsError(
            f"{target} appeared while downloading; pass overwrite=True to replace it",
            path=target,
            task_id=task.id,
            provider=task.provider,
        ) from None
    finally:
        discard(temporary)
    return target


def discard(temporary: Path) -> None:
    """Remove a temporary file, if it is still there."""
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
