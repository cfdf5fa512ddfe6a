"""Map a request (method + path) to (provider, endpoint, task id): the vendors' documented paths.

Routing is method-aware because several vendors put two operations on one path: Ark's (and
volc's) and AiToEarn's create ``POST`` the list path, and Ark's cancel / delete is a ``DELETE`` of
the get path.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple
from urllib.parse import unquote

__all__ = ["Route", "resolve"]


class Route(NamedTuple):
    """Where a request leads.

    Attributes:
        provider: The provider key.
        endpoint: ``"get"``, ``"list"``, ``"files"``, ``"download"``, ``"create"`` or
            ``"cancel"``; when the method is not one the path takes, the endpoint of the path's
            first method (the request is then answered 405).
        task_id: The percent-decoded id from the path, if the route has one.
        rest: For downloads, the file name within the provider's folder; for Vidu's creates, the
            kind of task (``"text2video"``, ``"img2video"``, ...).
        allow: The methods the path takes (for the 405 answer's ``Allow`` header).
    """

    provider: str
    endpoint: str
    task_id: str | None = None
    rest: str = ""
    allow: tuple[str, ...] = ("GET",)


_Methods = Mapping[str, str]  # method -> endpoint

_ARK_TASKS: _Methods = {"GET": "list", "POST": "create"}
_ARK_TASK: _Methods = {"GET": "get", "DELETE": "cancel"}

# path -> (provider, methods, rest)
_EXACT: dict[str, tuple[str, _Methods, str]] = {
    "/api/v3/contents/generations/tasks": ("ark", _ARK_TASKS, ""),
    "/volc/v1/contents/generations/tasks": ("volc", _ARK_TASKS, ""),
    "/v1/video/query": ("veo", {"GET": "get"}, ""),
    "/v1/video/create": ("veo", {"POST": "create"}, ""),
    "/v1/query/video_generation": ("minimax", {"GET": "get"}, ""),
    "/v1/video_generation": ("minimax", {"POST": "create"}, ""),
    "/v1/files/retrieve": ("minimax", {"GET": "files"}, ""),
    "/ent/v2/tasks": ("vidu", {"GET": "list"}, ""),
    "/api/ai/video/generations": ("aitoearn", {"GET": "list", "POST": "create"}, ""),
}
for _kind in ("text2video", "img2video", "start-end2video", "reference2video"):
    _EXACT[f"/ent/v2/{_kind}"] = ("vidu", {"POST": "create"}, _kind)

# (prefix, provider, required suffix, methods) for routes of the form prefix + {id} + suffix.
_PARAM: tuple[tuple[str, str, str, _Methods], ...] = (
    ("/api/v3/contents/generations/tasks/", "ark", "", _ARK_TASK),
    ("/volc/v1/contents/generations/tasks/", "volc", "", _ARK_TASK),
    ("/ent/v2/tasks/", "vidu", "/creations", {"GET": "get"}),
    ("/ent/v2/tasks/", "vidu", "/cancel", {"POST": "cancel"}),
    ("/api/ai/video/generations/", "aitoearn", "", {"GET": "get"}),
)


def _pick(provider: str, methods: _Methods, method: str, task_id: str | None, rest: str) -> Route:
    endpoint = methods.get(method) or next(iter(methods.values()))
    return Route(provider, endpoint, task_id, rest, tuple(methods))


def resolve(path: str, method: str = "GET") -> Route | None:
    """Return the route for a (still percent-encoded) path, or ``None`` if nothing matches."""
    hit = _EXACT.get(path)
    if hit is not None:
        provider, methods, rest = hit
        return _pick(provider, methods, method, None, rest)
    if path.startswith("/_files/"):
        provider, _, name = path[len("/_files/") :].partition("/")
        if provider and name and "/" not in name:
            return Route(provider, "download", None, unquote(name), ("GET", "HEAD"))
        return None
    for prefix, provider, suffix, methods in _PARAM:
        if path.startswith(prefix) and path.endswith(suffix):
            raw = path[len(prefix) : len(path) - len(suffix)]
            if raw and "/" not in raw:
                return _pick(provider, methods, method, unquote(raw), "")
    return None
