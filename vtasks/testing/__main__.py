"""``python -m vtasks.testing``: run the simulator until interrupted."""

from __future__ import annotations

import sys

from . import main

if __name__ == "__main__":
    sys.exit(main())
