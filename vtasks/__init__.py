"""vtasks: ask AI video-generation providers what became of a task, through one interface.

::

    import vtasks

    with vtasks.Client("ark") as client:          # key from VTASKS_ARK_API_KEY
        task = client.wait_for_task("cgt-2025...")
        print(task.status, task.video_url)

Everything public is importable from here; the modules behind it are private. ``Client`` and
``AsyncClient`` (which need httpx and the generated clients) load on first use, so that
``import vtasks`` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._config import PROVIDER_INFO, PROVIDERS, ProviderInfo
from ._exceptions import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    CallbackError,
    CallbackSignatureError,
    ConfigurationError,
    DownloadError,
    DownloadExistsError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseError,
    ServerError,
    TaskMayExistError,
    UnsupportedOperation,
    VTasksError,
    WaitTimeout,
)
from ._lifecycle import CancelOutcome, CancelResult
from ._models import TERMINAL_STATUSES, Task, TaskStatus, Usage
from ._retry import PollSchedule, RetryPolicy
from ._version import __version__

if TYPE_CHECKING:
    from ._async_client import AsyncClient
    from ._client import Client
    from ._logs import scrub_http_logs
    from ._rate_limit import RateLimit

__all__ = [
    "PROVIDERS",
    "PROVIDER_INFO",
    "TERMINAL_STATUSES",
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AsyncClient",
    "AuthenticationError",
    "CancelOutcome",
    "CancelResult",
    "CallbackError",
    "CallbackSignatureError",
    "Client",
    "ConfigurationError",
    "DownloadError",
    "DownloadExistsError",
    "InvalidRequestError",
    "NotFoundError",
    "PermissionDeniedError",
    "PollSchedule",
    "ProviderInfo",
    "RateLimit",
    "RateLimitError",
    "ResponseError",
    "RetryPolicy",
    "ServerError",
    "Task",
    "TaskMayExistError",
    "TaskStatus",
    "UnsupportedOperation",
    "Usage",
    "VTasksError",
    "WaitTimeout",
    "__version__",
    "scrub_http_logs",
]

_LAZY = {
    "Client": "._client",
    "AsyncClient": "._async_client",
    "RateLimit": "._rate_limit",
    "scrub_http_logs": "._logs",
}


def __getattr__(name: str) -> Any:
    """Load ``Client`` and ``AsyncClient`` (and httpx with them), and ``RateLimit``, when first used."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'vtasks' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
