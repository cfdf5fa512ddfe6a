"""What both clients' ``download`` share: where to write, what a finished transfer must look like.

A download streams into a hidden temporary file beside the target and is moved into place only when
complete, so a broken transfer never leaves a partial file under the target's name. With
``overwrite=False`` the move is a hard link, which fails rather than replace a file that appeared
meanwhile.
"""

from __future__ import annotations

import contextlib
import os
import secrets
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
    "file_error",
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


def file_error(doing: str, target: Path, task: Task, exc: OSError) -> DownloadError:
    """The :class:`DownloadError` for a file-system failure (the caller chains ``exc``)."""
    return DownloadError(
        f"cannot {doing} {target} ({exc})",
        path=target,
        task_id=task.id,
        provider=task.provider,
    )


def prepare_target(path: str | os.PathLike[str], *, overwrite: bool, task: Task) -> Path:
    """Resolve the target file; refuse an existing one unless ``overwrite``; create its folder.

    What can be known before the transfer is found out here, so that a target that cannot be
    written costs no download: a name too long is refused by the first look-up (``stat``), a
    folder that cannot be made by ``mkdir``, a read-only one by :func:`open_temporary`.
    """
    target = Path(path).expanduser()
    try:
        _check_target(target, overwrite=overwrite, task=task)
    except DownloadError:
        raise  # DownloadExistsError is an OSError (a FileExistsError) too
    except OSError as exc:  # a name too long to even look up, a folder that cannot be made
        raise file_error("write", target, task, exc) from exc
    return target


def _check_target(target: Path, *, overwrite: bool, task: Task) -> None:
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


# A temporary name keeps at most this much of the target's name (UTF-8 bytes), so that it is
# never longer than the target's own: a name near NAME_MAX must still be writable.
_NAME_KEPT = 64
# The file mode asked for, as open() and every tool asks: the umask (and a default ACL) then
# decide, so the video gets the permissions any file the user makes gets (mkstemp's 0600 not).
_MODE = 0o666
_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)


def open_temporary(target: Path, task: Task) -> tuple[int, Path]:
    """A new hidden file beside ``target`` (same file system, so the final move is atomic).

    Made like ``tempfile.mkstemp`` (a random name, ``O_EXCL``: never an existing file or a
    symbolic link), but with mode ``0o666`` for the umask to trim rather than mkstemp's 0600.
    The random part has 64 bits: a clash with an existing file is not worth a retry loop.
    """
    kept = os.fsencode(target.name)[:_NAME_KEPT].decode("utf-8", "ignore")
    temporary = target.parent / f".{kept}.{secrets.token_hex(8)}.part"
    try:
        return os.open(temporary, _FLAGS, _MODE), temporary
    except OSError as exc:
        raise file_error("write", target, task, exc) from exc


def expected_length(response: httpx.Response) -> int | None:
    """The ``Content-Length`` of an uncompressed answer, when the server gave one."""
    if response.headers.get("content-encoding", "identity") not in ("identity", ""):
        return None  # the header counts compressed bytes; progress counts decoded ones
    return declared_length(response)


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
    try:
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
    except OSError as exc:
        if isinstance(exc, DownloadError):
            raise  # DownloadExistsError is a FileExistsError too
        discard(temporary)
        raise file_error("move the finished file to", target, task, exc) from exc
    return target


def discard(temporary: Path) -> None:
    """Remove a temporary file, if it is still there (best effort: never hides the real error)."""
    with contextlib.suppress(OSError):
        temporary.unlink()
