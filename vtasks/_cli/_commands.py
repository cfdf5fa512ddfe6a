"""The commands: get, list, wait, download (they talk to a provider), providers and serve-fake.

Each takes the parsed arguments and a :class:`Console` and returns
the exit code; failures are raised and turned into one stderr line by :func:`vtasks._cli.main`.
"""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from vtasks._config import PROVIDER_INFO, PROVIDERS, api_key_env, base_url_env
from vtasks._models import Task, TaskStatus

from ._errors import CliError, ExitCode
from ._output import (
    Console,
    format_bytes,
    print_json,
    print_table,
    print_task_card,
    task_cells,
)
from ._progress import DownloadProgress, StatusLine, WaitProgress

if TYPE_CHECKING:
    from vtasks._client import Client

__all__ = [
    "open_client",
    "run_download",
    "run_get",
    "run_list",
    "run_providers",
    "run_serve_fake",
    "run_wait",
]

_HTTP_TIMEOUT = 30.0
_WAIT_TIMEOUT = 600.0
_LIST_COLUMNS = ("ID", "STATUS", "RAW STATUS", "MODEL", "CREATED (UTC)", "UPDATED (UTC)")


def open_client(args: argparse.Namespace, *, http_timeout: float | None = None) -> Client:
    """A :class:`vtasks.Client` for ``args.provider``, its key from the environment only.

    Raises:
        CliError: No key in ``VTASKS_<PROVIDER>_API_KEY`` (exit code 2).
    """
    provider: str = args.provider
    variable = api_key_env(provider)
    if not os.environ.get(variable, "").strip():
        raise CliError(
            f"no API key for {provider}",
            hint=f"set the environment variable {variable} (try `vtasks demo` to run without one)",
            code=ExitCode.USAGE,
        )
    _check_base_url(args)
    from vtasks._client import Client  # httpx and the generated clients load only here

    timeout = http_timeout if http_timeout is not None else (args.timeout or _HTTP_TIMEOUT)
    return Client(provider, base_url=args.base_url, timeout=timeout)


def _check_base_url(args: argparse.Namespace) -> None:
    """Refuse a base URL that cannot be parsed (a port out of range, an unclosed ``[``).

    The library's own check looks at the scheme only; the rest surfaced as a bare ValueError.

    Raises:
        CliError: The URL from ``--base-url`` or the environment does not parse (exit code 2).
    """
    variable = base_url_env(args.provider)
    url = args.base_url if args.base_url is not None else os.environ.get(variable, "").strip()
    if not url:
        return
    try:
        _ = urlsplit(url).port  # parses the whole authority, port included
    except ValueError as exc:
        where = "--base-url" if args.base_url is not None else variable
        raise CliError(
            f"the base URL {url!r} is not a valid URL ({exc})",
            hint=f"check {where}",
            code=ExitCode.USAGE,
        ) from None


def _output_path(text: str) -> Path:
    """``-o PATH`` with a leading ``~`` or ``~user`` expanded.

    Raises:
        CliError: ``~user`` names no user, or there is no home folder (exit code 2).
    """
    try:
        return Path(text).expanduser()
    except RuntimeError:  # what pathlib raises for an unknown user or a missing home
        head = text.split(os.sep, 1)[0]
        raise CliError(
            f"cannot expand {head!r} in -o {text!r}: no such user or no home folder",
            hint="give the path without ~",
            code=ExitCode.USAGE,
        ) from None


def _emit(task: Task, args: argparse.Namespace, console: Console) -> None:
    if args.json:
        print_json(task.to_dict(), out=console.out)
    else:
        print_task_card(task, out=console.out, style=console.style)


def run_get(args: argparse.Namespace, console: Console) -> int:
    """``vtasks get PROVIDER ID``: show one task."""
    with open_client(args) as client:
        task = client.get_task(args.task_id)
    _emit(task, args, console)
    return ExitCode.OK


def run_list(args: argparse.Namespace, console: Console) -> int:
    """``vtasks list PROVIDER``: list tasks, newest first, following every page."""
    provider: str = args.provider
    if not PROVIDER_INFO[provider].supports_list:
        listable = ", ".join(p for p in PROVIDERS if PROVIDER_INFO[p].supports_list)
        raise CliError(
            f"{provider} has no endpoint that lists tasks",
            hint=f"show one task with `vtasks get {provider} ID`; list works on {listable}",
            code=ExitCode.USAGE,
        )
    with open_client(args) as client:
        tasks = client.list_tasks(
            status=args.status,
            created_after=args.since,
            created_before=args.until,
            page_size=args.page_size,
            limit=args.limit,
        )
        if args.json:
            for task in tasks:  # streamed: each page prints as it arrives
                print_json(task.to_dict(), out=console.out)
            return ExitCode.OK
        found = list(tasks)
    columns = list(_LIST_COLUMNS)
    if any(task.error for task in found):
        columns.append("ERROR")
    print_table(
        columns,
        (task_cells(task, columns) for task in found),
        out=console.out,
        style=console.style,
        status_column=columns.index("STATUS"),
    )
    count = len(found)
    console.out.write(console.style.dim(f"{count} task{'' if count == 1 else 's'}") + "\n")
    return ExitCode.OK


def _failed_line(task: Task) -> str:
    why = f": {task.error}" if task.error else ""
    code = f" (code {task.error_code})" if task.error_code and task.error_code != task.error else ""
    return f"vtasks: {task.provider} task {task.id} ended {task.status.value}{why}{code}"


def run_wait(args: argparse.Namespace, console: Console) -> int:
    """``vtasks wait PROVIDER ID``: poll until the task finishes; exit 4 unless it succeeded."""
    from vtasks._exceptions import WaitTimeout

    timeout: float = args.timeout or _WAIT_TIMEOUT
    line = StatusLine(console.err, tty=console.err_tty)
    label = f"{args.provider} {args.task_id}"
    with (
        open_client(args, http_timeout=min(_HTTP_TIMEOUT, timeout)) as client,
        WaitProgress(line, console.err_style, label) as progress,
    ):
        try:
            task = client.wait_for_task(
                args.task_id, timeout=timeout, poll_interval=args.interval, on_poll=progress
            )
        except WaitTimeout as exc:
            line.clear()
            if exc.task is not None:
                _emit(exc.task, args, console)  # the last state seen
            raise
        progress.done(task)
    _emit(task, args, console)
    if task.status is TaskStatus.SUCCEEDED:
        return ExitCode.OK
    console.err_line(_failed_line(task))
    return ExitCode.TASK_FAILED


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _default_name(task: Task, url: str) -> str:
    """``<id><ext>``, the id made safe for a file name, the extension from the URL (or .mp4)."""
    suffix = PurePosixPath(urlsplit(url).path).suffix
    if not re.fullmatch(r"\.[A-Za-z0-9]{1,5}", suffix):
        suffix = ".mp4"
    # An id of no safe characters (all CJK, say) would leave just the hidden file ".mp4".
    return (_UNSAFE.sub("_", task.id).strip("._") or "video") + suffix


def run_download(args: argparse.Namespace, console: Console) -> int:
    """``vtasks download PROVIDER ID``: save a finished task's video; exit 4 if it failed."""
    with open_client(args) as client:
        task = client.get_task(args.task_id)
        if task.is_terminal and task.status is not TaskStatus.SUCCEEDED:
            console.err_line(f"{_failed_line(task)}; there is no video")
            if args.json:
                print_json(task.to_dict(), out=console.out)
            return ExitCode.TASK_FAILED
        if not task.video_url and task.is_terminal:
            raise CliError(
                f"{task.provider} task {task.id} succeeded but the provider gave no video URL",
                hint="result URLs expire (often after 24 h); check with: "
                f"vtasks get {task.provider} {task.id} --json",
            )
        if not task.video_url:
            raise CliError(
                f"{task.provider} task {task.id} is {task.status.value}, no video yet",
                hint=f"wait for it first: vtasks wait {task.provider} {task.id}",
            )
        name = _default_name(task, task.video_url)
        target = _output_path(args.output) if args.output else Path(name)
        # An existing folder, or a path written as one ("videos/"), gets the default name inside.
        if target.is_dir() or (args.output and args.output.endswith(("/", os.sep))):
            target = target / name
        line = StatusLine(console.err, tty=console.err_tty)
        progress = DownloadProgress(line, f"{task.provider} {task.id}")
        try:
            path = client.download(task, target, overwrite=args.overwrite, on_progress=progress)
        except BaseException:
            progress.abort()
            raise
        progress.done(str(path))
    if args.json:
        print_json(task.to_dict(), out=console.out)
    else:
        size = format_bytes(path.stat().st_size)
        console.out.write(console.text(f"saved {path} ({size})") + "\n")
    return ExitCode.OK


def provider_rows() -> list[dict[str, object]]:
    """Each provider's facts for ``vtasks providers`` (and its ``--json``)."""
    rows: list[dict[str, object]] = []
    for name in PROVIDERS:
        info = PROVIDER_INFO[name]
        operations = ["get", *(["list"] if info.supports_list else []), "wait", "download"]
        rows.append(
            {
                "provider": name,
                "title": info.title,
                "default_base_url": info.default_base_url,
                "auth": info.auth,
                "get_path": info.get_path,
                "list_path": info.list_path,
                "extra_paths": list(info.extra),
                "operations": operations,
                "api_key_env": api_key_env(name),
                "base_url_env": base_url_env(name),
                "api_key_set": bool(os.environ.get(api_key_env(name), "").strip()),
            }
        )
    return rows


def run_providers(args: argparse.Namespace, console: Console) -> int:
    """``vtasks providers``: endpoints, auth and supported operations of each provider."""
    rows = provider_rows()
    if args.json:
        for row in rows:
            print_json(row, out=console.out)
        return ExitCode.OK
    table = []
    for row in rows:
        paths = [f"get  {row['get_path']}"]
        if row["list_path"]:
            paths.append(f"list {row['list_path']}")
        paths += [f"     {extra}" for extra in row["extra_paths"]]  # type: ignore[attr-defined]
        key = f"{row['api_key_env']} ({'set' if row['api_key_set'] else 'not set'})"
        table.append(
            [
                f"{row['provider']}\n{row['title']}",
                f"{row['default_base_url']}\n" + "\n".join(paths),
                f"{row['auth']}\n{key}",
                ", ".join(row["operations"]),  # type: ignore[arg-type]
            ]
        )
    print_table(
        ["PROVIDER", "ENDPOINTS (base URL + paths)", "AUTH / KEY VARIABLE", "OPERATIONS"],
        table,
        out=console.out,
        style=console.style,
        gap=True,
    )
    return ExitCode.OK


def run_serve_fake(args: argparse.Namespace, console: Console) -> int:
    """``vtasks serve-fake``: run :func:`vtasks.testing.main` with the given options."""
    from vtasks.testing import main as serve

    argv = ["--host", args.host, "--port", str(args.port), "--speed", str(args.speed)]
    if args.seed_demo:
        argv.append("--seed-demo")
    for limit in args.rate_limit:
        argv += ["--rate-limit", limit]
    return serve(argv)
