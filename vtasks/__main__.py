"""``python -m vtasks`` and the ``vtasks`` command: run the command line (:mod:`vtasks._cli`)."""

from __future__ import annotations

import sys

from vtasks._cli import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
