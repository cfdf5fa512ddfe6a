"""A vendor-callback receiver on the standard library's ``http.server``, with vtasks.callbacks.

Run it (``--help`` for the options)::

    export VTASKS_CALLBACK_TOKEN=$(python -c "import secrets; print(secrets.token_urlsafe(32))")
    export VTASKS_VIDU_API_KEY=...     # Vidu signs its callbacks with the key that created the task
    python examples/callbacks_stdlib.py --port 8080

and create tasks with these callback URLs (behind your HTTPS front end)::

    ark, volc, minimax:  https://you.example/hooks/<provider>?token=$VTASKS_CALLBACK_TOKEN
    vidu:                https://you.example/hooks/vidu

Each request is answered at once (MiniMax wants its challenge echoed within 3 s, Ark an
acknowledgement within 5 s); then the task it names is re-fetched from the vendor's API
(``VTASKS_<PROVIDER>_API_KEY``) and printed. Re-fetching is the safe pattern: Ark and MiniMax
sign nothing, and Vidu's signature does not cover the body. Tested in ``tests/test_examples.py``
against the simulator (``vtasks.testing.FakeProviders``), which delivers callbacks as the vendors do.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import vtasks
from vtasks import callbacks

PROVIDERS = ("ark", "volc", "minimax", "vidu")
"""The providers that push callbacks; each has the path ``/hooks/<provider>``."""


def secrets_from_env(environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """Provider -> the secret :func:`vtasks.callbacks.parse` checks, from the environment."""
    token = environ.get("VTASKS_CALLBACK_TOKEN")
    secrets = dict.fromkeys(("ark", "volc", "minimax"), token) if token else {}
    if environ.get("VTASKS_VIDU_API_KEY"):
        secrets["vidu"] = environ["VTASKS_VIDU_API_KEY"]
    return secrets


def make_server(
    secrets: Mapping[str, str],
    on_task: Callable[[vtasks.Task], object],
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    now: Callable[[], float] | None = None,
) -> ThreadingHTTPServer:
    """A server that answers callbacks on ``/hooks/<provider>`` and hands each task to ``on_task``.

    Args:
        secrets: Provider -> URL token (Ark, volc, MiniMax) or API key (Vidu). A provider
            without one accepts unverified pushes (Vidu: answers 500, it cannot verify).
        on_task: Called with each pushed task, after the vendor has its answer.
        host: The address to listen on.
        port: The port (``0``: any free one; see ``server.server_address``).
        now: The clock to judge Vidu's ``Date`` by (tests pass the simulator's).
    """
    nonces = callbacks.NonceCache()

    class Handler(BaseHTTPRequestHandler):
        def _answer(
            self, status: int, body: bytes, headers: tuple[tuple[str, str], ...] = ()
        ) -> None:
            self.send_response(status)
            for name, value in headers or (("Content-Type", "application/json"),):
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()

        def _refuse(self, status: int, message: str) -> None:
            self._answer(status, json.dumps({"error": message}).encode())

        def _handle(self) -> None:
            before, hooks, provider = self.path.partition("?")[0].partition("/hooks/")
            if before or not hooks or provider not in PROVIDERS:
                self._refuse(404, "no such hook")
                return
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                self._refuse(400, "bad Content-Length")
                return
            # Read no more than the parser accepts (one byte past it says "too big").
            body = self.rfile.read(min(length, callbacks.MAX_BODY_BYTES + 1))
            if length > len(body):
                self.close_connection = True  # the rest stays unread
            try:
                result = callbacks.parse(
                    provider,
                    method=self.command,
                    url=self.path,
                    headers=self.headers,
                    body=body,
                    secret=secrets.get(provider),
                    now=now() if now is not None else None,
                    seen_nonce=nonces,
                )
            except callbacks.CallbackError as exc:  # a forgery, a replay, not a callback
                self._refuse(exc.response_status, str(exc))
                return
            except vtasks.ConfigurationError as exc:  # this server's set-up (Vidu without a key)
                self._refuse(500, str(exc))
                return
            self._answer(result.status, result.body, result.headers)
            if result.task is not None:  # None: MiniMax's challenge, answered above
                on_task(result.task)

        do_POST = do_GET = do_PUT = do_DELETE = do_PATCH = _handle  # noqa: N815 - http.server's names

    return ThreadingHTTPServer((host, port), Handler)


def refetch_and_print(task: vtasks.Task) -> None:
    """The safe pattern: ask the vendor's API about the task the push names, and act on that."""
    with vtasks.Client(task.provider) as client:  # key from VTASKS_<PROVIDER>_API_KEY
        fresh = client.get_task(task.id)
    print(f"{fresh.provider} {fresh.id}: {fresh.status.value} {fresh.video_url or ''}", flush=True)


def main(argv: list[str] | None = None) -> int:
    """Serve until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8080, help="port to listen on")
    args = parser.parse_args(argv)
    with make_server(
        secrets_from_env(), refetch_and_print, host=args.host, port=args.port
    ) as server:
        print(
            f"listening on http://{args.host}:{server.server_address[1]}/hooks/<provider>",
            flush=True,
        )
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
