"""Serve succeeded tasks' result files (``/_files/<provider>/<id>.mp4|.jpg|.mp3|-wm.mp4``)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from ._http import Response
from ._media import AUDIO_MP3, COVER_JPEG, VIDEO_MP4
from ._store import ProviderStore

__all__ = ["serve_file"]

_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
_SUFFIXES = (
    ("-wm.mp4", VIDEO_MP4, "video/mp4"),
    (".mp4", VIDEO_MP4, "video/mp4"),
    (".jpg", COVER_JPEG, "image/jpeg"),
    (".mp3", AUDIO_MP3, "audio/mpeg"),
)


def _not_found() -> Response:
    return Response(404, b"Not Found\n", content_type="text/plain; charset=utf-8")


def serve_file(
    store: ProviderStore | None, name: str, now: float, headers: Mapping[str, str]
) -> Response:
    """Answer a result-file download; 404 unless the task exists and has succeeded.

    Supports a single ``Range: bytes=a-b`` (206, or 416 when unsatisfiable).
    """
    if store is None:
        return _not_found()
    found = next((entry for entry in _SUFFIXES if name.endswith(entry[0])), None)
    if found is None:
        return _not_found()
    suffix, data, media_type = found
    task = store.get(name[: -len(suffix)])
    if task is None or task.phases[task.phase_index(now)].status != "succeeded":
        return _not_found()
    common = [("Accept-Ranges", "bytes"), ("Cache-Control", "private, max-age=86400")]
    spec = headers.get("range")
    match = _RANGE.fullmatch(spec.strip()) if spec else None
    if match is None or match.group(0) == "bytes=-":
        return Response(200, data, content_type=media_type, headers=common)
    size = len(data)
    first, last = match.group(1), match.group(2)
    if first:
        start = int(first)
        end = min(int(last), size - 1) if last else size - 1
    else:
        start = max(0, size - int(last))
        end = size - 1
    if start >= size or start > end:
        return Response(
            416,
            b"",
            content_type=media_type,
            headers=[*common, ("Content-Range", f"bytes */{size}")],
        )
    return Response(
        206,
        data[start : end + 1],
        content_type=media_type,
        headers=[*common, ("Content-Range", f"bytes {start}-{end}/{size}")],
    )
