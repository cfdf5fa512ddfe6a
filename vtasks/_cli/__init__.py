"""The ``vtasks`` command line.

:func:`main` parses the arguments, runs one command and turns any failure into one line on stderr
and an exit code (see :data:`vtasks._cli._errors.EXIT_CODES`): never a traceback, never a key.
The commands, and with them httpx and the generated clients, load only when a command runs, so
``vtasks --help`` stays fast.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Sequence
from typing import IO

from ._errors import ExitCode, describe_error, scrub
from ._parser import build_parser

__all__ = ["main"]

# Command -> (module, function); imported on use.
_COMMANDS = {
    "get": ("._commands", "run_get"),
    "list": ("._commands", "run_list"),
    "wait": ("._commands", "run_wait"),
    "download": ("._commands", "run_download"),
    "create": ("._lifecycle", "run_create"),
    "cancel": ("._lifecycle", "run_cancel"),
    "check": ("._check", "run_check"),
    "providers": ("._commands", "run_providers"),
    "serve-fake": ("._commands", "run_serve_fake"),
    "demo": ("._demo", "run_demo"),
}


def _exit_status(code: object) -> int:
    """The int behind a ``SystemExit`` code (``None`` is 0; a message is 1)."""
    if code is None:
        return 0
    return code if isinstance(code, int) else 1


def _show_warnings(stream: IO[str], encoding: str | None) -> None:
    """Print the library's warnings (e.g. an unknown status) as ``vtasks: warning: ...`` lines."""
    import logging

    from ._output import terminal_text

    class SafeFormatter(logging.Formatter):
        """Escapes what a warning quotes from the vendor, as every other line the CLI prints."""

        def format(self, record: logging.LogRecord) -> str:
            return terminal_text(super().format(record), encoding)

    logger = logging.getLogger("vtasks")
    if not any(getattr(h, "_vtasks_cli", False) for h in logger.handlers):
        handler = logging.StreamHandler(stream)
        handler.setLevel(logging.WARNING)
        handler.setFormatter(SafeFormatter("vtasks: warning: %(message)s"))
        handler._vtasks_cli = True  # type: ignore[attr-defined]
        logger.addHandler(handler)


def _quiet_stdout() -> None:
    """Point stdout at /dev/null after a broken pipe, as the Python docs advise for SIGPIPE.

    The interpreter's final flush of what is still buffered then cannot fail again
    ("Exception ignored ... BrokenPipeError").
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, sys.stdout.fileno())
        finally:
            os.close(devnull)
    except (AttributeError, OSError, ValueError):
        pass  # no stdout, or not a file (a test's StringIO): nothing will be flushed at exit


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``vtasks`` command line and return its exit code.

    Args:
        argv: The arguments (default: ``sys.argv[1:]``).

    Returns:
        The exit code: 0 ok, 1 error, 2 usage, 3 wait timed out, 4 the task ended failed,
        cancelled or expired (``wait`` / ``download``), 130 interrupted.
    """
    from ._output import Console, forgive_encoding_errors

    forgive_encoding_errors()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors (argparse printed them)
        return _exit_status(exc.code)

    console = Console.from_std()
    _show_warnings(console.err, console.err_encoding)
    provider: str | None = getattr(args, "provider", None)
    module, name = _COMMANDS[args.command]
    try:
        run: Callable[..., int] = getattr(importlib.import_module(module, __name__), name)
        code = run(args, console)
        # Flushed here, not at exit, so that a reader who went away shows as BrokenPipeError now.
        console.out.flush()
        return code
    except KeyboardInterrupt:
        console.err_line("vtasks: interrupted")
        return ExitCode.INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`vtasks list ark | head`): stop quietly, exit 0. Like ripgrep,
        # not like a process killed by SIGPIPE (141): in `set -o pipefail` scripts a reader that
        # has read enough is no failure.
        _quiet_stdout()
        return ExitCode.OK
    except Exception as exc:
        message, code = describe_error(exc, provider)
        console.err_line(f"vtasks: error: {scrub(message, provider)}")
        return code
