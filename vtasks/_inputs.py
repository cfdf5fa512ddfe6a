"""The normalized inputs of a create: what a caller asks for, checked before any request.

:func:`create_spec` turns ``create_task``'s keyword arguments into a :class:`CreateSpec`:
types and ranges checked, images resolved (an http(s) or ``data:`` URL as given, a local file
read into a ``data:`` URL), ``extra`` copied and proven JSON-serializable. Anything wrong is a
:class:`~vtasks.ConfigurationError` before a byte goes out. What each vendor can do with the
inputs (which combinations, how many images, how large) is the provider adapter's to decide
(``Adapter.create_request``), also before any request.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs

from ._exceptions import ConfigurationError

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_PROMPT_CHARS",
    "CreateSpec",
    "Image",
    "create_spec",
    "image_input",
]

MAX_FILE_BYTES = 50 * 1024 * 1024
"""The largest local image read at all (each vendor's own limit is checked by its adapter)."""

MAX_PROMPT_CHARS = 20_000
"""The longest prompt accepted before a vendor's own, smaller limit is checked."""

_IMAGE_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".bmp": "image/bmp",
    ".gif": "image/gif",
    ".heic": "image/heic",
    ".heif": "image/heif",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
}


@attrs.frozen
class Image:
    """One image input, as it will be sent.

    Attributes:
        url: An ``http(s)://`` URL, or a ``data:<mime>;base64,...`` URL.
        path: The local file it was read from (``None`` for a URL given as such).
        size: The image's size in bytes, when known (a file, a ``data:`` URL).
        mime: Its media type, when known.
    """

    url: str
    path: Path | None = None
    size: int | None = None
    mime: str | None = None

    @property
    def is_data(self) -> bool:
        """Whether it travels inline (a ``data:`` URL) rather than as a link."""
        return self.url.startswith("data:")

    @property
    def base64(self) -> str | None:
        """The base64 payload of a ``data:`` URL (some vendors take it bare), else ``None``."""
        if not self.is_data:
            return None
        return self.url.partition(",")[2]

    def __repr__(self) -> str:
        # A data URL is megabytes of base64: show what it is, not what it holds.
        shown = f"data:{self.mime};base64,... ({self.size} bytes)" if self.is_data else self.url
        where = f", path={str(self.path)!r}" if self.path is not None else ""
        return f"Image({shown!r}{where})"


def _mime(path: Path) -> str:
    import mimetypes

    mime = _IMAGE_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0]
    if not mime or not mime.startswith("image/"):
        raise ConfigurationError(
            f"{path} does not look like an image (by its name); use .jpg, .png or .webp"
        )
    return mime


def image_input(value: object, what: str) -> Image:
    """An :class:`Image` from a URL, a ``data:`` URL or a local file path.

    Raises:
        ConfigurationError: Not a string or path, an unusable URL, a missing, unreadable or
            oversized file.
    """
    if isinstance(value, Image):
        return value
    if isinstance(value, str) and value.startswith(("http://", "https://")):
        if len(value) > 8192 or any(ch in value for ch in " \r\n\t"):
            raise ConfigurationError(f"{what} is not a usable URL: {value[:80]!r}")
        return Image(url=value)
    if isinstance(value, str) and value.startswith("data:"):
        head, sep, payload = value.partition(",")
        if not sep or ";base64" not in head or not head[5:].startswith("image/"):
            raise ConfigurationError(f"{what} must be a data:image/...;base64, URL")
        return Image(url=value, size=len(payload) * 3 // 4, mime=head[5:].split(";")[0])
    if not isinstance(value, str | os.PathLike):
        raise ConfigurationError(f"{what} must be a URL or a file path, not {type(value).__name__}")
    path = Path(os.fspath(value)).expanduser()
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise ConfigurationError(f"{what}: {path} is not a file")
        if size > MAX_FILE_BYTES:
            raise ConfigurationError(
                f"{what}: {path} is {size:,} bytes, over the {MAX_FILE_BYTES:,} vtasks reads"
            )
        mime = _mime(path)
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigurationError(f"{what}: cannot read {path}: {exc.strerror or exc}") from exc
    encoded = base64.b64encode(data).decode("ascii")
    return Image(url=f"data:{mime};base64,{encoded}", path=path, size=len(data), mime=mime)


@attrs.frozen
class CreateSpec:
    """What a caller asked to create, normalized (see ``Client.create_task``).

    Attributes:
        model: The vendor's model name.
        prompt: The text prompt, or ``None``.
        first_frame: The image the video starts from.
        last_frame: The image it ends on.
        reference_images: Images of subjects or style to keep (not frames).
        duration: Seconds of video.
        resolution: The vendor's resolution word (``720p``, ``1080P``), passed as given.
        aspect_ratio: ``16:9``, ``9:16``, ...
        seed: The random seed.
        callback_url: Where the vendor should POST state changes.
        extra: Vendor-specific fields, sent verbatim at the top level of the body (they win
            over the mapped ones).
    """

    model: str
    prompt: str | None = None
    first_frame: Image | None = None
    last_frame: Image | None = None
    reference_images: tuple[Image, ...] = ()
    duration: float | None = None
    resolution: str | None = None
    aspect_ratio: str | None = None
    seed: int | None = None
    callback_url: str | None = None
    extra: Mapping[str, Any] = attrs.field(factory=dict)

    @property
    def images(self) -> tuple[Image, ...]:
        """Every image given: first frame, last frame, then the references."""
        frames = tuple(i for i in (self.first_frame, self.last_frame) if i is not None)
        return frames + self.reference_images

    @property
    def prompt_digest(self) -> str | None:
        """SHA-256 of the prompt (hex): to find the task later without keeping the text."""
        if self.prompt is None:
            return None
        return hashlib.sha256(self.prompt.encode("utf-8")).hexdigest()


def _text(name: str, value: object, *, required: bool = False, limit: int = 256) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigurationError(f"{name} must be a non-empty string, not {value!r:.80}")
    if len(value) > limit:
        raise ConfigurationError(f"{name} is {len(value):,} characters, over {limit:,}")
    return value


def create_spec(
    *,
    model: object,
    prompt: object = None,
    first_frame: object = None,
    last_frame: object = None,
    reference_images: Iterable[object] | None = None,
    duration: object = None,
    resolution: object = None,
    aspect_ratio: object = None,
    seed: object = None,
    callback_url: object = None,
    extra: Mapping[str, Any] | None = None,
) -> CreateSpec:
    """Check ``create_task``'s arguments into a :class:`CreateSpec` (local files are read here).

    Raises:
        ConfigurationError: Any argument of the wrong type, range or form.
    """
    model_text = _text("model", model, required=True)
    assert model_text is not None
    prompt_text = _text("prompt", prompt, limit=MAX_PROMPT_CHARS)
    if duration is not None and (
        isinstance(duration, bool)
        or not isinstance(duration, int | float)
        or not math.isfinite(duration)
        or not 0 < duration <= 3600
    ):
        raise ConfigurationError(f"duration must be seconds in (0, 3600], not {duration!r:.80}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise ConfigurationError(f"seed must be an integer, not {seed!r:.80}")
    if isinstance(reference_images, str | bytes | os.PathLike):
        raise ConfigurationError("reference_images must be a list of URLs or paths, not one")
    references = tuple(
        image_input(item, f"reference_images[{index}]")
        for index, item in enumerate(reference_images or ())
    )
    url = _text("callback_url", callback_url, limit=2048)
    if url is not None and not url.startswith(("https://", "http://")):
        raise ConfigurationError(f"callback_url must be an http(s) URL, not {url[:80]!r}")
    if extra is not None and not isinstance(extra, Mapping):
        raise ConfigurationError(f"extra must be a mapping, not {type(extra).__name__}")
    extras = dict(extra or {})
    try:
        json.dumps(extras, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(f"extra must be JSON-serializable: {exc}") from None
    return CreateSpec(
        model=model_text,
        prompt=prompt_text,
        first_frame=None if first_frame is None else image_input(first_frame, "first_frame"),
        last_frame=None if last_frame is None else image_input(last_frame, "last_frame"),
        reference_images=references,
        duration=None if duration is None else float(duration),
        resolution=_text("resolution", resolution, limit=32),
        aspect_ratio=_text("aspect_ratio", aspect_ratio, limit=32),
        seed=seed,
        callback_url=url,
        extra=extras,
    )
