"""Command line: serve the simulator on loopback until Ctrl-C (or SIGTERM)."""

from __future__ import annotations

import argparse
import math
import signal
import sys
import threading
from types import FrameType
from typing import TextIO

from ._demo import seed_demo
from ._fake import FakeProviders
from ._vendors import PROVIDERS

__all__ = ["main"]


def _rate_limit(text: str) -> tuple[str, float]:
    """``PROVIDER=N`` -> ``(provider, N)``; N requests per second, a positive finite number."""
    provider, sep, number = text.strip().partition("=")
    try:
        value = float(number)
    except ValueError:
        value = math.nan
    if not sep or provider not in PROVIDERS or not 0 < value < math.inf:  # nan: False
        raise argparse.ArgumentTypeError(
            f"{text[:40]!r} is not PROVIDER=N (a provider and requests per second > 0)"
        )
    return provider, value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m vtasks.testing",
        description="Serve a loopback simulator of every provider's video-task API.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind (default: any free)")
    parser.add_argument("--seed-demo", action="store_true", help="add demo tasks to every provider")
    parser.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="simulated seconds per real second (default 1; 0 freezes time)",
    )
    parser.add_argument(
        "--rate-limit",
        type=_rate_limit,
        action="append",
        default=[],
        metavar="PROVIDER=N",
        help="enforce N requests per second on PROVIDER (a second's worth of burst), answering"
        " the vendor's 429 above it; repeatable",
    )
    return parser


def _print_banner(fake: FakeProviders, out: TextIO, limits: dict[str, float]) -> None:
    print(f"vtasks fake providers listening on {fake.base_url}", file=out)
    for provider, per_second in limits.items():
        print(f"  {provider} enforces {per_second:g} requests per second (429 above)", file=out)
    for provider in PROVIDERS:
        print(
            f"  {provider:<9} base_url={fake.base_url}  api_key={fake.api_keys[provider]}", file=out
        )
    print("Environment for the vtasks CLI:", file=out)
    for name, value in fake.env().items():
        print(f"  export {name}={value}", file=out)


def main(
    argv: list[str] | None = None, *, out: TextIO | None = None, stop: threading.Event | None = None
) -> int:
    """Run the simulator until interrupted; return the exit code (0 on Ctrl-C / SIGTERM).

    Args:
        argv: Arguments (default: ``sys.argv[1:]``).
        out: Where to print (default: stdout).
        stop: An event that ends the run when set (for embedding and tests).
    """
    args = _parser().parse_args(argv)
    out = out or sys.stdout
    stop = stop or threading.Event()
    try:
        limits = dict(args.rate_limit)
        fake = FakeProviders(
            host=args.host, port=args.port, speed=args.speed, rate_limits=limits
        ).start()
    except OSError as exc:
        print(
            f"error: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}",
            file=sys.stderr,
        )
        return 1
    previous = None
    if threading.current_thread() is threading.main_thread():

        def _on_term(signum: int, frame: FrameType | None) -> None:
            stop.set()

        previous = signal.signal(signal.SIGTERM, _on_term)
    try:
        _print_banner(fake, out, limits)
        if args.seed_demo:
            for provider, tasks in seed_demo(fake).items():
                listing = ", ".join(f"{t.id} ({t.status})" for t in tasks)
                print(f"  demo {provider}: {listing}", file=out)
        print("Press Ctrl-C to stop.", file=out, flush=True)
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return 0
