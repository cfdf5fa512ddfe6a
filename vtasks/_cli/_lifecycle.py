"""``vtasks create`` and ``vtasks cancel``.

``create`` sends the request once (the library's rule): when its outcome is unknown the exit
code is 6 and the line says how to find the task, so a script never re-runs a paid create
blindly. ``--wait`` then waits as ``vtasks wait`` does (exit 0, 3 or 4). ``cancel`` exits 0 when
the task was cancelled (or, with ``--delete``, its record deleted), 5 when it cannot be
cancelled now, with its status.
"""

from __future__ import annotations

import argparse
from typing import Any

from vtasks._config import PROVIDER_INFO, PROVIDERS
from vtasks._models import Task, TaskStatus

from ._commands import open_client
from ._errors import CliError, ExitCode
from ._output import Console, print_json, print_task_card
from ._progress import StatusLine, WaitProgress

__all__ = ["run_cancel", "run_create"]

_WAIT_TIMEOUT = 600.0
_HTTP_TIMEOUT = 60.0  # a create may take longer to answer than a query


def _images(args: argparse.Namespace) -> dict[str, Any]:
    """``--image`` / ``--last-frame`` / ``--reference`` as ``create_task`` keywords.

    One ``--image`` is the first frame; several are reference images (a first frame and a last
    frame are ``--image`` and ``--last-frame``).
    """
    images: list[str] = args.image or []
    references: list[str] = list(args.reference or [])
    if len(images) > 1:
        if args.last_frame:
            raise CliError(
                "several --image with --last-frame: which one is the first frame?",
                hint="give one --image (the first frame) with --last-frame, or use --reference",
                code=ExitCode.USAGE,
            )
        references = images + references
        images = []
    return {
        "first_frame": images[0] if images else None,
        "last_frame": args.last_frame,
        "reference_images": references or None,
    }


def _emit(task: Task, args: argparse.Namespace, console: Console) -> None:
    if args.json:
        print_json(task.to_dict(), out=console.out)
    else:
        print_task_card(task, out=console.out, style=console.style)


def run_create(args: argparse.Namespace, console: Console) -> int:
    """``vtasks create PROVIDER --model M [--prompt P] [...] [--wait]``."""
    provider: str = args.provider
    if not PROVIDER_INFO[provider].supports_create:
        able = ", ".join(p for p in PROVIDERS if PROVIDER_INFO[p].supports_create)
        hint = f"create works on {able}" if able else "no provider's create is wired up yet"
        raise CliError(f"vtasks cannot create {provider} tasks", hint=hint, code=ExitCode.USAGE)
    inputs = {
        "model": args.model,
        "prompt": args.prompt,
        **_images(args),
        "duration": args.duration,
        "resolution": args.resolution,
        "aspect_ratio": args.aspect_ratio,
        "seed": args.seed,
        "callback_url": args.callback_url,
        "extra": dict(args.extra or []) or None,
    }
    timeout: float = args.timeout or _WAIT_TIMEOUT
    with open_client(args, http_timeout=_HTTP_TIMEOUT) as client:
        task = client.create_task(**inputs)
        if not args.wait:
            _emit(task, args, console)
            return ExitCode.OK
        # The id first, on stderr: whatever happens while waiting, the paid task is not lost.
        console.err_line(f"vtasks: created {provider} task {task.id}")
        line = StatusLine(console.err, tty=console.err_tty)
        with WaitProgress(line, console.err_style, f"{provider} {task.id}") as progress:
            task = client.wait_for_task(task.id, timeout=timeout, on_poll=progress)
            progress.done(task)
    _emit(task, args, console)
    if task.status is TaskStatus.SUCCEEDED:
        return ExitCode.OK
    console.err_line(f"vtasks: {provider} task {task.id} ended {task.status.value}")
    return ExitCode.TASK_FAILED


def run_cancel(args: argparse.Namespace, console: Console) -> int:
    """``vtasks cancel PROVIDER ID [--delete]``: 0 cancelled or deleted, 5 not cancellable now."""
    with open_client(args) as client:
        result = client.cancel_task(args.task_id, delete=args.delete)
    if args.json:
        print_json(result.to_dict(), out=console.out)
    else:
        print_task_card(result.task, out=console.out, style=console.style)
    what = {"cancelled": "cancelled", "deleted": "deleted (its record)"}.get(result.outcome.value)
    if what is not None:
        console.err_line(f"vtasks: {args.provider} task {args.task_id} {what}")
        return ExitCode.OK
    console.err_line(
        f"vtasks: {args.provider} task {args.task_id} cannot be cancelled now: {result.reason}"
    )
    return ExitCode.NOT_CANCELLABLE
