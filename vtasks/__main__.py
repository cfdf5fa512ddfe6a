"""``python -m vtasks`` and the ``vtasks`` command: run the command line (:mod:`vtasks._cli`)."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Sequence

from vtasks._cli import main as _cli_main
from vtasks._cli._errors import ExitCode

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``vtasks`` command line as a process and return its exit code.

    After Ctrl-C the process ends at once: requests still in flight on worker threads (a list
    reading several pages in parallel) would otherwise hold the interpreter's exit until they time
    out. Nothing is lost: the command has already cleaned up (a partial download is removed).
    """
    code = _cli_main(argv)
    if code == ExitCode.INTERRUPTED:
        for stream in (sys.stdout, sys.stderr):
            # A closed or broken stream: nothing left to save.
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        os._exit(code)
    return code


if __name__ == "__main__":
    sys.exit(main())
