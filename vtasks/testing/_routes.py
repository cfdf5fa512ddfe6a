"""Map a request path to (provider, endpoint, task id): the vendors' documented paths."""

from __future__ import annotations

from typing import NamedTuple
from urllib.parse import unquote

__all__ = ["Route", "resolve"]


class Route(NamedTuple):
    """Where a path leads.

    Attributes:
        provider: The provider key.
        endpoint: ``"get"``, ``"list"``, ``"files"`` or ``"download"``.
        task_id: The percent-decoded id from the path, if the route has one.
        rest: For downloads, the file name within the provider's folder.
    """

    provider: str
    endpoint: str
    task_id: str | None = None
    rest: str = ""


_EXACT: dict[str, Route] = {
    "/api/v3/contents/generations/tasks": Route("ark", "list"),
    "/volc/v1/contents/generations/tasks": Route("volc", "list"),
    "/v1/video/query": Route("veo", "get"),
    "/v1/query/video_generation": Route("minimax", "get"),
    "/v1/files/retrieve": Route("minimax", "files"),
    "/ent/v2/tasks": Route("vidu", "list"),
    "/api/ai/video/generations": Route("aitoearn", "list"),
}

# prefix -> (provider, required suffix) for routes of the form prefix + {id} + suffix.
_PARAM: tuple[tuple[str, str, str], ...] = (
    ("/api/v3/contents/generations/tasks/", "ark", ""),
    ("/volc/v1/contents/generations/tasks/", "volc", ""),
    ("/ent/v2/tasks/", "vidu", "/creations"),
    ("/api/ai/video/generations/", "aitoearn", ""),
)


def resolve(path: str) -> Route | None:
    """Return the route for a (still percent-encoded) path, or ``None`` if nothing matches."""
    hit = _EXACT.get(path)
    if hit is not None:
        return hit
    if path.startswith("/_files/"):
        provider, _, name = path[len("/_files/") :].partition("/")
        if provider and name and "/" not in name:
            return Route(provider, "download", None, unquote(name))
        return None
    for prefix, provider, suffix in _PARAM:
        if path.startswith(prefix) and path.endswith(suffix):
            raw = path[len(prefix) : len(path) - len(suffix)]
            if raw and "/" not in raw:
                return Route(provider, "get", unquote(raw))
    return None
