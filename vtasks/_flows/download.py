"""Downloading a task's video, written once: whole or absent.

The transfer streams into a hidden temporary file beside the target (:mod:`vtasks._download`) and
is moved into place only when complete. Transient failures are retried like any request; the
final error is a :class:`DownloadError` whatever the cause (chained).

When the task's video URL fails for good (its retries spent) in a way another host could fix (HTTP
403 / 404 / 410 / 5xx, no connection, a transfer that broke off), the provider's other URLs of the
same video are tried in turn (:meth:`Adapter.fallback_video_urls`: MiniMax's
``backup_download_url``). Each attempt writes a fresh temporary file, so the target is still whole or
absent; the key goes only to the configured origin, as on every request (:class:`Exchange`).
"""

from __future__ import annotations

import logging
import os
import zlib
from typing import TYPE_CHECKING

import httpx

from .. import _download as dl
from .._answers import describe_non_json
from .._decoding import Truncated
from .._exceptions import (
    APIConnectionError,
    APIError,
    DownloadError,
    DownloadExistsError,
    ResponseError,
    VTasksError,
)
from .._models import Task
from .._providers._base import Request
from .._retry import parse_retry_after
from .exchange import Exchange, call_end, decoder, hops_flow, read_all
from .get import get_task_flow
from .steps import Flow, Progress, Read, Sleep

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["another_host_may_help", "download_flow"]

logger = logging.getLogger("vtasks")

# Download answers that say more about this host than about the video: the file is refused,
# missing or gone here (a CDN node's own state), so another host of the same video may well serve
# it. A 5xx (the host failing) counts too; a 400 or 401 is the request's own problem.
_HOST_STATUSES = frozenset({403, 404, 410})


def download_request(task: Task, url: str | None = None) -> Request:
    """The request for a task's video (its URL is absolute, often on another origin)."""
    return Request(
        endpoint="download",
        method="GET",
        path="",
        task_ids=(task.id,),
        url=url if url is not None else dl.video_url_of(task),
    )


def another_host_may_help(error: DownloadError) -> bool:
    """Whether a failed download (its retries spent) may succeed from another URL of the video.

    Yes for HTTP 403 / 404 / 410 / 5xx, a connection that failed or timed out, and a transfer that
    broke off; no for everything else (a 400 or 401, a page served as the video, the target file).
    """
    if isinstance(error, DownloadExistsError):
        return False
    cause = error.__cause__
    if error.expected_bytes is not None or isinstance(cause, Truncated | zlib.error):
        return True  # the transfer broke off
    if isinstance(cause, APIConnectionError):
        return True
    if isinstance(cause, APIError) and cause.status_code is not None:
        return cause.status_code in _HOST_STATUSES or cause.status_code >= 500
    return False


def download_flow(
    exchange: Exchange,
    task_or_id: Task | str,
    path: str | os.PathLike[str],
    *,
    overwrite: bool,
    progress: bool,
) -> Flow[Path]:
    """Download a task's video to ``path``; :class:`Progress` steps as bytes arrive if asked.

    The video URL first, then the provider's other URLs of the same video while a failure is one
    another host could fix (:func:`another_host_may_help`); progress starts again from 0 on each.
    ``RetryPolicy.total_timeout`` bounds the whole call.
    """
    if isinstance(task_or_id, Task):
        task = task_or_id
    else:
        task = yield from get_task_flow(exchange.adapter, task_or_id)
    requests = [download_request(task)]
    target = dl.prepare_target(path, overwrite=overwrite, task=task)
    requests += [download_request(task, url) for url in exchange.adapter.fallback_video_urls(task)]
    started = exchange.clock.now()
    failed: list[DownloadError] = []
    for request in requests:
        try:
            return (
                yield from _download_from(
                    exchange,
                    request,
                    target,
                    started,
                    overwrite=overwrite,
                    task=task,
                    progress=progress,
                )
            )
        except DownloadError as exc:
            failed.append(exc)
            end = call_end(exchange, started, None)
            if not another_host_may_help(exc) or (end is not None and exchange.clock.now() >= end):
                break
            if len(failed) < len(requests):
                logger.debug(
                    "%s download of task %s: trying another URL of the video after: %s",
                    exchange.provider,
                    task.id,
                    exc,
                )
    raise _gave_up(failed, task)


def _gave_up(failed: list[DownloadError], task: Task) -> DownloadError:
    """The error a download ends with: the last one, saying so when other URLs failed first."""
    last = failed[-1]
    if len(failed) == 1:
        return last
    others = "; ".join(str(error.message) for error in failed[:-1])
    error = DownloadError(
        f"{last.message} (the video's other URL failed first: {others})",
        path=last.path,
        expected_bytes=last.expected_bytes,
        received_bytes=last.received_bytes,
        task_id=task.id,
        provider=task.provider,
    )
    error.__cause__ = last.__cause__
    return error


def _download_from(
    exchange: Exchange,
    request: Request,
    target: Path,
    started: float,
    *,
    overwrite: bool,
    task: Task,
    progress: bool,
) -> Flow[Path]:
    """Download from one URL, retrying transient failures; a DownloadError once retries are spent."""
    attempt = 0
    while True:
        answered: list[httpx.Response] = []  # the answer of this attempt, for its Retry-After
        try:
            return (
                yield from _download_once(
                    exchange,
                    request,
                    target,
                    attempt,
                    answered,
                    until=call_end(exchange, started, None),
                    overwrite=overwrite,
                    task=task,
                    progress=progress,
                )
            )
        except DownloadError:
            raise
        except VTasksError as exc:
            error = exc
        except httpx.HTTPError as exc:
            error = exchange.transport_error(exc, request)
        # Honoured on any retryable answer (a 503 too), as send_flow does.
        retry_after = (
            parse_retry_after(answered[0].headers.get("retry-after")) if answered else None
        )
        delay = exchange.retry_delay(error, attempt, started, retry_after)
        if delay is None:
            raise DownloadError(
                str(error).removeprefix(f"{exchange.provider}: "),
                path=target,
                task_id=task.id,
                provider=task.provider,
            ) from error
        yield Sleep(delay)
        attempt += 1


def _download_once(
    exchange: Exchange,
    request: Request,
    target: Path,
    attempt: int,
    answered: list[httpx.Response],
    *,
    until: float | None,
    overwrite: bool,
    task: Task,
    progress: bool,
) -> Flow[Path]:
    fd, temporary = dl.open_temporary(target, task)
    try:
        with os.fdopen(fd, "wb") as file:
            body = yield from hops_flow(exchange, request, attempt, until)
            response = body.response
            answered.append(response)
            if response.status_code != 200 or dl.is_error_page(response):
                content = yield from read_all(exchange, body)
                raise _answer_error(exchange, request, response, content)
            expected = dl.expected_length(response)
            # Asked for without encoding; a server that encodes anyway is decoded here, and a
            # compressed stream that stops short is a broken transfer, not a shorter video.
            decode = decoder(exchange, body, None)
            received = raw = 0
            while chunk := (yield Read(body)):
                raw += len(chunk)
                for piece in decode.feed(chunk):
                    file.write(piece)
                    received += len(piece)
                if progress:
                    yield Progress(received, expected)
            decode.finish()
        dl.check_complete(raw, dl.declared_length(response), target=target, task=task)
        return dl.finish(temporary, target, overwrite=overwrite, task=task)
    except (Truncated, zlib.error) as exc:
        dl.discard(temporary)
        raise DownloadError(
            f"download of task {task.id} broke off: the "
            f"{body.response.headers.get('content-encoding')} stream "
            + ("ended early" if isinstance(exc, Truncated) else "is corrupt"),
            path=target,
            task_id=task.id,
            provider=task.provider,
        ) from exc
    except OSError as exc:
        dl.discard(temporary)
        if isinstance(exc, DownloadError):
            raise  # DownloadExistsError is a FileExistsError
        # Writing (a full disk, a file-size limit) or closing the file: only the driver's
        # httpx errors are ever thrown into the flow, so an OSError here is the file's.
        raise dl.file_error("write", target, task, exc) from exc
    except BaseException:
        dl.discard(temporary)
        raise


def _answer_error(
    exchange: Exchange, request: Request, response: httpx.Response, content: bytes
) -> VTasksError:
    """The error a download answer other than a video means (its body read)."""
    scrubber = exchange.scrubber
    if response.status_code == 200:
        # A page sent as a success (a captive portal, a CDN's or a reseller's error page):
        # saving it as the video would hide the failure.
        return ResponseError(
            f"expected the video, got {scrubber.text(describe_non_json(response, content))}",
            provider=exchange.provider,
            status_code=200,
            body=scrubber.body(content),
        )
    try:
        exchange.decode(request, response, content)
    except VTasksError as exc:
        return exc
    return ResponseError(
        f"expected the video, got HTTP {response.status_code}",
        provider=exchange.provider,
        status_code=response.status_code,
    )
