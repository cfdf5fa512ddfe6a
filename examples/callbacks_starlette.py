"""A vendor-callback receiver as a Starlette (ASGI) app, with vtasks.callbacks.

Needs ``pip install starlette uvicorn``. Run it::

    export VTASKS_CALLBACK_TOKEN=$(python -c "import secrets; print(secrets.token_urlsafe(32))")
    export VTASKS_VIDU_API_KEY=...     # Vidu signs its callbacks with the key that created the task
    python examples/callbacks_starlette.py --port 8080
    # or: uvicorn --app-dir examples callbacks_starlette:app --port 8080

and create tasks with these callback URLs (behind your HTTPS front end)::

    ark, volc, minimax:  https://you.example/hooks/<provider>?token=$VTASKS_CALLBACK_TOKEN
    vidu:                https://you.example/hooks/vidu

Each request is answered at once; the task it names is then re-fetched from the vendor's API
in a background task (Starlette runs it after the answer is sent) and printed. Re-fetching is the
safe pattern: Ark and MiniMax sign nothing, and Vidu's signature does not cover the body.
Tested in ``tests/test_examples.py`` on uvicorn, fed by the simulator.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Mapping

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

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


async def _capped_body(request: Request) -> bytes:
    """The body, but no more than one byte past what the parser accepts (it then says 413)."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > callbacks.MAX_BODY_BYTES:
            break
    return bytes(body)


def _raw_url(request: Request) -> str:
    """The request target as sent (``request.url`` has the path decoded).

    Vidu signs the callback URL's path still percent-encoded, and its query as written.
    """
    path = request.scope.get("raw_path") or request.url.path.encode()
    query = request.scope.get("query_string") or b""
    return path.decode("latin-1") + (f"?{query.decode('latin-1')}" if query else "")


def create_app(
    secrets: Mapping[str, str],
    on_task: Callable[[vtasks.Task], object],
    *,
    now: Callable[[], float] | None = None,
) -> Starlette:
    """An app that answers callbacks on ``POST /hooks/{provider}``; ``on_task`` gets each task.

    Args:
        secrets: Provider -> URL token (Ark, volc, MiniMax) or API key (Vidu). A provider
            without one accepts unverified pushes (Vidu: answers 500, it cannot verify).
        on_task: Called with each pushed task once the answer is sent (in Starlette's thread
            pool, so it may block: re-fetch the task there).
        now: The clock to judge Vidu's ``Date`` by (tests pass the simulator's).
    """
    nonces = callbacks.NonceCache()

    async def hook(request: Request) -> Response:
        provider = request.path_params["provider"]
        if provider not in PROVIDERS:
            return JSONResponse({"error": "no such hook"}, status_code=404)
        try:
            result = callbacks.parse(
                provider,
                method=request.method,
                url=_raw_url(request),
                headers=request.headers,
                body=await _capped_body(request),
                secret=secrets.get(provider),
                now=now() if now is not None else None,
                seen_nonce=nonces,
            )
        except callbacks.CallbackError as exc:  # a forgery, a replay, not a callback
            return JSONResponse({"error": str(exc)}, status_code=exc.response_status)
        except vtasks.ConfigurationError as exc:  # this server's set-up (Vidu without a key)
            return JSONResponse({"error": str(exc)}, status_code=500)
        later = BackgroundTask(on_task, result.task) if result.task is not None else None
        return Response(
            result.body, status_code=result.status, headers=dict(result.headers), background=later
        )

    return Starlette(routes=[Route("/hooks/{provider}", hook, methods=["POST"])])


def refetch_and_print(task: vtasks.Task) -> None:
    """The safe pattern: ask the vendor's API about the task the push names, and act on that."""
    with vtasks.Client(task.provider) as client:  # key from VTASKS_<PROVIDER>_API_KEY
        fresh = client.get_task(task.id)
    print(f"{fresh.provider} {fresh.id}: {fresh.status.value} {fresh.video_url or ''}", flush=True)


app = create_app(secrets_from_env(), refetch_and_print)
"""The app for ``uvicorn callbacks_starlette:app``, its secrets from the environment."""


def main(argv: list[str] | None = None) -> int:
    """Serve with uvicorn until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8080, help="port to listen on")
    args = parser.parse_args(argv)
    import uvicorn

    uvicorn.run(app, host=args.host, port=args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
