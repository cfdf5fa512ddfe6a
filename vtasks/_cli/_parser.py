"""The ``vtasks`` argument parser: commands, options, and the help text with exit codes.

Import-light on purpose: ``vtasks --help`` loads this module and nothing that talks HTTP.
"""

from __future__ import annotations

import argparse

from vtasks import __version__
from vtasks._config import PROVIDERS
from vtasks._models import TaskStatus

from ._errors import EXIT_CODES
from ._values import (
    parse_duration,
    parse_extra,
    parse_port,
    parse_positive_int,
    parse_rate_limit,
    parse_speed,
    parse_task_id,
    parse_when,
)

__all__ = ["COMMANDS", "build_parser", "commands_text", "epilog", "exit_codes_text"]

COMMANDS: dict[str, tuple[str, str]] = {
    "get": ("PROVIDER ID", "show one task"),
    "list": (
        "PROVIDER [--status S ...] [--since T] [--until T] [--limit N] [--page-size N]",
        "list a provider's tasks, newest first (follows every page)",
    ),
    "wait": (
        "PROVIDER ID [--timeout S] [--interval S]",
        "wait until a task finishes, showing progress on stderr",
    ),
    "download": (
        "PROVIDER ID [-o PATH] [--overwrite]",
        "download a finished task's video, showing progress on stderr",
    ),
    "create": (
        "PROVIDER --model M [--prompt P] [--image FILE|URL ...] [--last-frame FILE|URL] [--wait]",
        "create a task (sent once: never re-sent when its outcome is unknown)",
    ),
    "cancel": (
        "PROVIDER ID [--delete]",
        "cancel an unfinished task (--delete: delete a finished one's record, where possible)",
    ),
    "check": (
        "PROVIDER [--task-id ID ...]",
        "check live answers against the curated spec (exit 1 on drift; needs vtasks[check])",
    ),
    "providers": ("", "show each provider's endpoints, auth and operations"),
    "serve-fake": (
        "[--port N] [--speed X] [--seed-demo] [--rate-limit PROVIDER=N ...]",
        "serve the built-in simulator of every provider's API until Ctrl-C",
    ),
    "demo": (
        "",
        "run create, get, list, wait, download and cancel on every provider against the simulator",
    ),
}
"""Command -> (arguments synopsis, one-line help): the help text and the README use this."""

_DESCRIPTION = """\
Ask AI video-generation providers what became of a video task: one status vocabulary,
UTC times and the same output for every provider.

Try it without an API key: vtasks demo"""

_EXAMPLES = """\
examples:
  vtasks get ark cgt-20250601123456-abcde
  vtasks list vidu --status failed --since 24h --json
  vtasks wait minimax 337433671976378 --timeout 15m
  vtasks download ark cgt-20250601123456-abcde -o videos/"""


def commands_text() -> str:
    """The ``commands:`` block of ``vtasks --help``: each command with its arguments."""
    lines = [f"{name} {synopsis}".rstrip() for name, (synopsis, _) in COMMANDS.items()]
    width = max(len(line) for line in lines if len(line) <= 40)
    out = ["commands:"]
    for line, (_, help_text) in zip(lines, COMMANDS.values(), strict=True):
        if len(line) > width:
            out += [f"  {line}", f"  {'':{width}}  {help_text}"]
        else:
            out.append(f"  {line:{width}}  {help_text}")
    return "\n".join(out)


def exit_codes_text() -> str:
    """The ``exit codes:`` block of the help texts."""
    codes = "\n".join(f"  {int(code):<4} {meaning}" for code, meaning in EXIT_CODES)
    return f"exit codes:\n{codes}\n"


def epilog() -> str:
    """The text after the option list of ``vtasks --help``: examples, environment, exit codes."""
    # Which providers can list is a fact of each provider's home module: naming them here would
    # load all six modules for every `--help`, so the help points at `vtasks providers` instead.
    return (
        f"{_EXAMPLES}\n\n"
        "environment:\n"
        "  VTASKS_<PROVIDER>_API_KEY   the provider's API key (read only from here, never an option)\n"
        "  VTASKS_<PROVIDER>_BASE_URL  another base URL (a region, a reseller, a simulator)\n"
        "  NO_COLOR                    set to turn colour off\n\n"
        f"providers: {', '.join(PROVIDERS)}\n"
        "  `vtasks providers` shows each one's endpoints and which can list\n\n" + exit_codes_text()
    )


def _add_common(parser: argparse.ArgumentParser, *, timeout_help: str) -> None:
    group = parser.add_argument_group("common options")
    group.add_argument(
        "--base-url",
        metavar="URL",
        help="scheme and host the provider's paths go after "
        "(default: VTASKS_<PROVIDER>_BASE_URL or the provider's public endpoint)",
    )
    group.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object per task per line (JSON Lines) and nothing else on stdout",
    )
    group.add_argument("--timeout", type=parse_duration, metavar="SECONDS", help=timeout_help)


def _add_provider(parser: argparse.ArgumentParser, *, with_id: bool = True) -> None:
    parser.add_argument(
        "provider", choices=PROVIDERS, metavar="PROVIDER", help=", ".join(PROVIDERS)
    )
    if with_id:
        parser.add_argument(
            "task_id", type=parse_task_id, metavar="ID", help="the task id, as the provider gave it"
        )


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Keeps descriptions and epilogs as written; leaves room for the command names."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=30)


_HTTP_TIMEOUT_HELP = "seconds for each HTTP request (default 30)"


def build_parser() -> argparse.ArgumentParser:
    """Build the parser; each command's ``command`` default names what to run."""
    parser = argparse.ArgumentParser(
        prog="vtasks",
        description=f"{_DESCRIPTION}\n\n{commands_text()}",
        epilog=epilog(),
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=f"vtasks {__version__}")
    commands = parser.add_subparsers(
        metavar="COMMAND", required=True, help="one of the commands above; COMMAND --help for more"
    )

    def command(name: str) -> argparse.ArgumentParser:
        help_text = COMMANDS[name][1]
        sub = commands.add_parser(
            name,
            description=help_text[0].upper() + help_text[1:] + ".",
            epilog=exit_codes_text(),
            formatter_class=_Formatter,
        )
        sub.set_defaults(command=name)
        return sub

    get = command("get")
    _add_provider(get)
    _add_common(get, timeout_help=_HTTP_TIMEOUT_HELP)

    listing = command("list")
    _add_provider(listing, with_id=False)
    listing.add_argument(
        "--status",
        nargs="+",
        action="extend",
        type=str.lower,
        choices=[s.value for s in TaskStatus],
        metavar="S",
        help=f"only tasks in these statuses ({', '.join(s.value for s in TaskStatus)})",
    )
    when = "ISO-8601 (2025-01-31, 2025-01-31T08:00:00Z; UTC unless an offset is given) or an age (90m, 24h, 7d)"
    listing.add_argument(
        "--since", type=parse_when, metavar="T", help=f"only tasks created at or after T: {when}"
    )
    listing.add_argument(
        "--until", type=parse_when, metavar="T", help="only tasks created before T (same forms)"
    )
    listing.add_argument(
        "--limit", type=parse_positive_int, metavar="N", help="stop after N tasks (default: all)"
    )
    listing.add_argument(
        "--page-size",
        type=parse_positive_int,
        metavar="N",
        help="tasks per request (default: the provider's)",
    )
    _add_common(listing, timeout_help=_HTTP_TIMEOUT_HELP)

    wait = command("wait")
    _add_provider(wait)
    wait.add_argument(
        "--interval",
        type=parse_duration,
        metavar="SECONDS",
        help="seconds between polls (default: growing from 1 s to 15 s)",
    )
    _add_common(wait, timeout_help="how long to wait in all, e.g. 600, 15m (default 10m)")

    download = command("download")
    _add_provider(download)
    download.add_argument(
        "-o",
        "--output",
        metavar="PATH",
        help="file to write, or a folder to write <ID>.mp4 into: an existing one, or any path "
        "ending in / (default: ./<ID>.mp4)",
    )
    download.add_argument(
        "--overwrite", action="store_true", help="replace PATH if it exists (default: refuse)"
    )
    _add_common(download, timeout_help=_HTTP_TIMEOUT_HELP)

    create = command("create")
    _add_provider(create, with_id=False)
    create.add_argument("--model", required=True, metavar="M", help="the vendor's model name")
    create.add_argument("--prompt", metavar="P", help="the text prompt")
    create.add_argument(
        "--image",
        action="append",
        metavar="FILE|URL",
        help="the first frame; repeat for reference images instead (files are sent inline)",
    )
    create.add_argument("--last-frame", metavar="FILE|URL", help="the frame the video ends on")
    create.add_argument(
        "--reference", action="append", metavar="FILE|URL", help="a reference image (repeatable)"
    )
    create.add_argument("--duration", type=float, metavar="SECONDS", help="video length")
    create.add_argument("--resolution", metavar="R", help="e.g. 720p (the vendor's words)")
    create.add_argument("--aspect-ratio", metavar="W:H", help="e.g. 16:9")
    create.add_argument("--seed", type=int, metavar="N", help="the random seed")
    create.add_argument("--callback-url", metavar="URL", help="where the vendor POSTs updates")
    create.add_argument(
        "--extra",
        action="append",
        type=parse_extra,
        metavar="KEY=VALUE",
        help="a vendor field sent as is (VALUE as JSON when it parses; repeatable)",
    )
    create.add_argument(
        "--wait", action="store_true", help="wait until the task finishes (exit 0, 3 or 4)"
    )
    _add_common(create, timeout_help="with --wait: how long to wait in all (default 10m)")

    cancel = command("cancel")
    _add_provider(cancel)
    cancel.add_argument(
        "--delete",
        action="store_true",
        help="also delete a finished task's record (Ark); never done without it",
    )
    _add_common(cancel, timeout_help=_HTTP_TIMEOUT_HELP)

    check = command("check")
    _add_provider(check, with_id=False)
    check.add_argument(
        "--task-id",
        dest="task_ids",
        action="append",
        type=parse_task_id,
        metavar="ID",
        help="also check this task's answer (repeat for more; default: the newest listed task)",
    )
    _add_common(check, timeout_help=_HTTP_TIMEOUT_HELP)

    providers = command("providers")
    providers.add_argument(
        "--json", action="store_true", help="print one JSON object per provider per line"
    )

    fake = command("serve-fake")
    fake.add_argument(
        "--port", type=parse_port, default=0, help="port to listen on (default: any free)"
    )
    fake.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    fake.add_argument(
        "--speed",
        type=parse_speed,
        default=1.0,
        help="simulated seconds per real second (default 1)",
    )
    fake.add_argument(
        "--seed-demo", action="store_true", help="add demo tasks in every status to each provider"
    )
    fake.add_argument(
        "--rate-limit",
        type=parse_rate_limit,
        action="append",
        default=[],
        metavar="PROVIDER=N",
        help="enforce N requests per second on PROVIDER, answering its 429 above (repeatable)",
    )

    command("demo")
    return parser
