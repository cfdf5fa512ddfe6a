"""Exit codes, and turning an exception into the one line the CLI prints on stderr.

Import-light: the error classes come from :mod:`vtasks._exceptions` (no httpx).
"""

from __future__ import annotations

import enum
import os

from vtasks._config import api_key_env, base_url_env
from vtasks._exceptions import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    ConfigurationError,
    DownloadExistsError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    TaskMayExistError,
    UnsupportedOperation,
    VTasksError,
    WaitTimeout,
)

__all__ = ["EXIT_CODES", "CliError", "ExitCode", "describe_error", "scrub"]


class ExitCode(enum.IntEnum):
    """The exit statuses of the ``vtasks`` command."""

    OK = 0
    ERROR = 1
    USAGE = 2
    WAIT_TIMEOUT = 3
    TASK_FAILED = 4
    NOT_CANCELLABLE = 5
    TASK_MAY_EXIST = 6
    INTERRUPTED = 130


EXIT_CODES: tuple[tuple[ExitCode, str], ...] = (
    (ExitCode.OK, "success (for wait and download: the task succeeded)"),
    (ExitCode.ERROR, "error: the provider refused or failed, network trouble, bad response"),
    (
        ExitCode.USAGE,
        "usage: bad command line, missing API key, operation the provider does not support",
    ),
    (ExitCode.WAIT_TIMEOUT, "wait: the task did not finish within --timeout"),
    (
        ExitCode.TASK_FAILED,
        "wait, download, create --wait: the task ended failed, cancelled or expired",
    ),
    (ExitCode.NOT_CANCELLABLE, "cancel: the task cannot be cancelled now (running or finished)"),
    (
        ExitCode.TASK_MAY_EXIST,
        "create: the request may have made a task (timeout, 5xx); it was not re-sent: "
        "list recent tasks before creating again",
    ),
    (ExitCode.INTERRUPTED, "interrupted (Ctrl-C); a download in progress leaves no file"),
)
"""Every exit code with its meaning: the ``--help`` epilog and the README are built from this."""


class CliError(Exception):
    """A failure the CLI itself detects, with what to do about it and an exit code.

    Args:
        message: What went wrong.
        hint: What to do about it.
        code: The exit code.
    """

    def __init__(self, message: str, *, hint: str | None = None, code: int = ExitCode.ERROR):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.code = code


def _hint_for(exc: VTasksError, provider: str | None) -> str | None:
    """Suggest the next step for a library error (``None`` when there is nothing useful)."""
    key_var = api_key_env(provider) if provider else "VTASKS_<PROVIDER>_API_KEY"
    url_var = base_url_env(provider) if provider else "VTASKS_<PROVIDER>_BASE_URL"
    if isinstance(exc, PermissionDeniedError):
        return f"the key in {key_var} is not allowed to do this (account, balance or region)"
    if isinstance(exc, AuthenticationError):
        return f"check the key in {key_var} (keys are often bound to a region's base URL)"
    if isinstance(exc, NotFoundError):
        return "check the task id and the provider (some vendors delete tasks after 24 h)"
    if isinstance(exc, RateLimitError):
        return "slow down and try again later"
    if isinstance(exc, ServerError):
        return "the provider is having trouble; try again later"
    if isinstance(exc, APITimeoutError):
        return "the provider is slow to answer; try again or raise --timeout"
    if isinstance(exc, APIConnectionError):
        return f"check the network, or the base URL (--base-url or {url_var})"
    return None


def describe_error(exc: BaseException, provider: str | None) -> tuple[str, int]:
    """Return ``(one line for stderr, exit code)`` for an exception a command raised.

    Args:
        exc: The exception.
        provider: The provider the command talked to, when known (names env vars in hints).

    Returns:
        The line (without the ``vtasks: error:`` prefix) and the exit code.
    """
    if isinstance(exc, CliError):
        text = f"{exc.message}; {exc.hint}" if exc.hint else exc.message
        return text, exc.code
    if isinstance(exc, DownloadExistsError):
        where = f"{os.fspath(exc.path)}" if exc.path is not None else "the target file"
        return f"{where} exists; pass --overwrite to replace it", ExitCode.ERROR
    if isinstance(exc, UnsupportedOperation):
        text = str(exc)
        if provider:
            text = f"{text} (`vtasks get {provider} ID` works)"
        return text, ExitCode.USAGE
    if isinstance(exc, ConfigurationError):
        return str(exc), ExitCode.USAGE
    if isinstance(exc, TaskMayExistError):
        from vtasks._config import PROVIDER_INFO, PROVIDERS

        since = exc.sent_at.strftime("%Y-%m-%dT%H:%M:%SZ") if exc.sent_at else "1h"
        listable = exc.provider in PROVIDERS and PROVIDER_INFO[exc.provider].supports_list
        look = (
            f"look for it with `vtasks list {exc.provider} --since {since}`"
            if listable
            else "the vendor cannot list tasks: look in its console"
        )
        return f"{exc}; {look}", ExitCode.TASK_MAY_EXIST
    if isinstance(exc, WaitTimeout):
        text = f"task {exc.task_id} did not finish" if exc.task_id else "the task did not finish"
        if exc.timeout is not None:
            text += f" within {exc.timeout:g} s"
        if exc.task is not None:
            text += f" (last status: {exc.task.status.value})"
        if exc.provider:
            text = f"{exc.provider}: {text}"
        return f"{text}; wait longer with --timeout", ExitCode.WAIT_TIMEOUT
    if isinstance(exc, VTasksError):
        text = str(exc)
        hint = _hint_for(exc, provider)
        return (f"{text}; {hint}" if hint else text), ExitCode.ERROR
    if isinstance(exc, OSError):
        name = f" {exc.filename!r}" if exc.filename else ""
        return f"{exc.strerror or exc}{name}", ExitCode.ERROR
    return f"unexpected {type(exc).__name__}: {exc} (please report this)", ExitCode.ERROR


def scrub(text: str, provider: str | None) -> str:
    """Remove the provider's API key (from the environment) from ``text``, should it appear.

    The library never puts keys in messages; this is a second fence for what the CLI prints.
    """
    names = [api_key_env(provider)] if provider else []
    names += [name for name in os.environ if name.startswith("VTASKS_") and name.endswith("_KEY")]
    for name in names:
        key = os.environ.get(name, "").strip()
        if len(key) >= 4 and key in text:
            text = text.replace(key, "***")
    return text
