"""The API key never shows: not in a log line, an error, a repr, a task, CLI output, or another origin.

Every provider runs a full cycle with both clients and DEBUG logging on for ``vtasks``, ``httpx``,
``httpcore`` and the root logger: get, list (where the vendor lists), wait, download, an error
answer, an error answer whose vendor text echoes the key, a retried answer, a persistent rate
limit, a redirect to another origin. Everything a user can see is then searched for the key (and
for its random tail alone, which catches a shortened or re-encoded key): every log record (message,
arguments, exception text), every exception's ``str``, ``repr``, ``args`` and attributes (chained
causes included), ``repr(client)``, each task's ``repr``, ``to_dict()`` and ``raw``, captured
stdout/stderr, and the CLI's output run as a user runs it (``python -m vtasks``).

Cross-origin redirects must never deliver the key, for all three auth schemes (``Bearer``,
``Token``, ``X-Api-Key``), also when the caller's own ``httpx`` client carries the key in its
default headers or as client-wide auth.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import subprocess
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from harness import AUTH_HEADERS, LISTING, Api

import vtasks
from vtasks import Task
from vtasks.testing import FakeProviders

TAILS = {p: secrets.token_hex(10) for p in vtasks.PROVIDERS}
KEYS = {p: f"vt-{p}-{TAILS[p]}" for p in vtasks.PROVIDERS}
POLICY = vtasks.RetryPolicy(
    max_retries=2, backoff_initial=0.001, backoff_max=0.002, retry_after_max=0.01
)
LOGGERS = ("", "vtasks", "httpx", "httpcore")

# A vendor error that quotes the key back (some gateways do: "invalid key sk-..."), per provider.
ECHO_BODIES: dict[str, Callable[[str], tuple[int, Any]]] = {
    "ark": lambda key: (
        401,
        {
            "error": {
                "code": "AuthenticationError",
                "message": f"The API key {key} is invalid.",
                "param": key,
            }
        },
    ),
    "volc": lambda key: (
        401,
        {"error": {"code": "AuthenticationError", "message": f"bad key: Bearer {key}"}},
    ),
    "veo": lambda key: (
        401,
        {"error": {"code": "invalid_api_key", "message": f"Incorrect API key provided: {key}"}},
    ),
    "minimax": lambda key: (
        200,
        {
            "base_resp": {
                "status_code": 1004,
                "status_msg": f"login fail: token {key} not match group",
            }
        },
    ),
    "vidu": lambda key: (
        401,
        {
            "code": 401,
            "reason": "Unauthorized",
            "message": f"token {key} unknown",
            "metadata": {"token": key},
        },
    ),
    "aitoearn": lambda key: (
        200,
        {"code": 19000, "message": f"API key {key} invalid", "data": {"apiKey": key}},
    ),
}


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeProviders]:
    """One simulator with random keys (overrides conftest's per-test simulator)."""
    with FakeProviders(api_keys=KEYS) as simulator:
        yield simulator


@pytest.fixture
def fresh(fake: FakeProviders) -> FakeProviders:
    fake.clear_faults()
    fake.clear_requests()
    return fake


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def leaks(text: str, provider: str) -> bool:
    return TAILS[provider] in text or KEYS[provider] in text


def exception_texts(error: BaseException) -> Iterator[str]:
    """Everything a user may print of an exception, its attributes and its chained causes."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield str(current)
        yield repr(current)
        yield repr(current.args)
        for name, value in vars(current).items():
            yield f"{name}={value!r}"
        current = current.__cause__ or current.__context__


def record_texts(caplog: pytest.LogCaptureFixture) -> Iterator[str]:
    for record in caplog.records:
        yield record.getMessage()
        yield repr(record.args)
        if record.exc_info and record.exc_info[1] is not None:
            yield from exception_texts(record.exc_info[1])
        if record.exc_text:
            yield record.exc_text
    yield caplog.text


def assert_clean(provider: str, *texts: str) -> None:
    dirty = [text for text in texts if leaks(text, provider)]
    assert not dirty, f"the {provider} key shows in: {dirty[0][:300]!r}"


def task_texts(task: Task) -> Iterator[str]:
    yield repr(task)
    yield json.dumps(task.to_dict())
    yield json.dumps(task.raw, default=repr)


def outcome(call: Any) -> Any:
    try:
        return call()
    except vtasks.VTasksError as error:
        return error


# ---- full cycles --------------------------------------------------------------------------------


@pytest.mark.parametrize("provider", vtasks.PROVIDERS)
def test_full_cycle_never_shows_the_key(
    api: Api,
    fresh: FakeProviders,
    debug_logs: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    provider: str,
) -> None:
    client = api.client(provider, retry_policy=POLICY)
    results: list[Any] = [repr(client.raw), str(client.raw)]

    done = fresh.add_task(provider, status="succeeded")
    running = fresh.add_task(provider, lifecycle=[("running", 6.0), "succeeded"])
    results.append(client.get_task(done.id))
    if provider in LISTING:
        results.extend(client.list_tasks())
    else:
        results.append(outcome(client.list_tasks))  # UnsupportedOperation
    results.append(client.wait_for_task(running.id, poll_interval=2))
    results.append(client.download(done.id, tmp_path / "video.mp4"))

    # An error answer: a task the vendor does not know.
    unknown = {"aitoearn": "0" * 24, "minimax": "1"}.get(provider, "no-such-task")
    results.append(outcome(lambda: client.get_task(unknown)))
    # A vendor error that quotes the key back, every field of it.
    status, body = ECHO_BODIES[provider](KEYS[provider])
    fresh.inject(
        provider, "http_error", endpoint="get", status=status, body=json.dumps(body), count=None
    )
    results.append(outcome(lambda: client.get_task(done.id)))
    fresh.clear_faults()
    # ...also where the body is not JSON, and quoted (URL-encoded) in HTML.
    page = f"<html><title>denied {KEYS[provider]}</title><a href='/?key={KEYS[provider]}'></html>"
    fresh.inject(provider, "html_error", endpoint="get", status=403, body=page, count=None)
    results.append(outcome(lambda: client.get_task(done.id)))
    fresh.clear_faults()
    # A retried answer, then one that never heals.
    fresh.inject(provider, "http_error", endpoint="get", status=503)
    results.append(client.get_task(done.id))
    fresh.inject(provider, "rate_limit", endpoint="get", count=None, retry_after=1)
    results.append(outcome(lambda: client.get_task(done.id)))
    fresh.clear_faults()
    fresh.inject(provider, "drop", endpoint="get", count=None)
    results.append(outcome(lambda: client.get_task(done.id)))
    fresh.clear_faults()
    # A redirect to another origin.
    fresh.inject(provider, "redirect", endpoint="get", target="other")
    results.append(client.get_task(done.id))

    # The key really was in use on the vendor's own origin...
    assert all(r.auth_ok for r in fresh.requests if r.endpoint != "download")
    # ...and never reached the other one.
    assert fresh.other_origin_requests
    assert_other_origin_clean(fresh, provider)

    texts: list[str] = []
    errors = 0
    for result in results:
        if isinstance(result, Task):
            texts.extend(task_texts(result))
        elif isinstance(result, BaseException):
            errors += 1
            texts.extend(exception_texts(result))
        else:
            texts.append(str(result))
    assert errors >= 5
    texts.extend(record_texts(debug_logs))
    captured = capsys.readouterr()
    texts.extend([captured.out, captured.err])
    assert any(r.levelno == logging.DEBUG for r in debug_logs.records), "DEBUG logging was off"
    assert_clean(provider, *texts)


def assert_other_origin_clean(fake: FakeProviders, provider: str) -> None:
    header, _ = AUTH_HEADERS[provider]
    for record in fake.other_origin_requests:
        names = set(record.headers)
        assert not names & {"authorization", "x-api-key", "proxy-authorization", "cookie"}, record
        assert header not in names
        assert not record.auth_ok
        assert_clean(provider, json.dumps(record.headers), json.dumps(record.query), record.path)


def test_echoed_key_is_scrubbed_but_the_message_kept(fresh: FakeProviders, api: Api) -> None:
    """Scrubbing replaces the key, not the vendor's whole message."""
    done = fresh.add_task("ark", status="succeeded")
    status, body = ECHO_BODIES["ark"](KEYS["ark"])
    fresh.inject("ark", "http_error", endpoint="get", status=status, body=json.dumps(body))
    with pytest.raises(vtasks.AuthenticationError) as info:
        api.client("ark", max_retries=0).get_task(done.id)
    assert "The API key" in str(info.value)
    assert "is invalid" in str(info.value)
    assert_clean("ark", *exception_texts(info.value))


# ---- redirects, the caller's own HTTP client ----------------------------------------------------


class GatewayAuth(httpx.Auth):
    """Client-wide auth of the caller's own (e.g. a company gateway's token in its own header)."""

    def __init__(self, token: str) -> None:
        self.token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["X-Gateway-Token"] = self.token
        yield request


def _own_http_client(api: Api, provider: str, how: str) -> Any:
    key = KEYS[provider]
    header, _ = AUTH_HEADERS[provider]
    prefix = {
        "ark": "Bearer ",
        "volc": "Bearer ",
        "veo": "Bearer ",
        "minimax": "Bearer ",
        "vidu": "Token ",
    }
    kwargs: dict[str, Any] = {}
    if how == "default-headers":
        kwargs["headers"] = {
            header: prefix.get(provider, "") + key,
            "X-Api-Key": key,
            "Proxy-Authorization": f"Basic {key}",
            "Cookie": f"session={key}",
        }
    else:
        kwargs["auth"] = GatewayAuth(key)
    cls = httpx.AsyncClient if api.is_async else httpx.Client
    return cls(**kwargs)


@pytest.mark.parametrize("how", ["default-headers", "client-auth"])
@pytest.mark.parametrize("endpoint", ["get", "download"])
@pytest.mark.parametrize(
    "provider", ["ark", "vidu", "aitoearn"], ids=["bearer", "token", "x-api-key"]
)
def test_redirect_never_delivers_the_key_from_the_callers_own_client(
    api: Api, fresh: FakeProviders, tmp_path: Path, provider: str, endpoint: str, how: str
) -> None:
    own = _own_http_client(api, provider, how)
    try:
        client = api.client(provider, retry_policy=POLICY, http_client=own)
        done = fresh.add_task(provider, status="succeeded")
        fresh.inject(provider, "redirect", endpoint=endpoint, target="other", status=307)
        if endpoint == "get":
            assert client.get_task(done.id).id == done.id
        else:
            task = client.get_task(done.id)
            client.download(task, tmp_path / "v.mp4")
            assert (tmp_path / "v.mp4").read_bytes() == FakeProviders.video_bytes
        assert len(fresh.other_origin_requests) == 1
        assert_other_origin_clean(fresh, provider)
        # The caller's credentials did go where they belong.
        first = fresh.requests[0].headers
        assert "x-gateway-token" in first if how == "client-auth" else "cookie" in first
    finally:
        if api.is_async:
            api.run(own.aclose())
        else:
            own.close()


@pytest.mark.parametrize("provider", vtasks.PROVIDERS)
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_every_redirect_status_drops_the_key_off_origin(
    api: Api, fresh: FakeProviders, provider: str, status: int
) -> None:
    done = fresh.add_task(provider, status="succeeded")
    fresh.inject(provider, "redirect", endpoint="get", target="other", status=status)
    assert api.client(provider, retry_policy=POLICY).get_task(done.id).id == done.id
    assert len(fresh.other_origin_requests) == 1
    assert_other_origin_clean(fresh, provider)


def test_same_origin_redirect_keeps_the_key(api: Api, fresh: FakeProviders) -> None:
    """The other side of the rule: a redirect within the vendor's origin still authenticates."""
    done = fresh.add_task("vidu", status="succeeded")
    fresh.inject("vidu", "redirect", endpoint="get", target="same")
    assert api.client("vidu", retry_policy=POLICY).get_task(done.id).id == done.id
    assert [r.auth_ok for r in fresh.requests] == [True, True]


# ---- the command line ---------------------------------------------------------------------------


CliRun = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def cli(
    fresh: FakeProviders, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[CliRun]:
    """Run the real command line (``vtasks._cli.main``) in this process, with the simulator's keys.

    In-process rather than ``python -m vtasks`` (tests/test_cli.py runs the process, including a
    key the vendor rejects): the output is the same text, without a Python start-up per command.
    """
    from vtasks._cli import main

    for name in list(os.environ):
        if name.startswith("VTASKS_"):
            monkeypatch.delenv(name)
    for name, value in fresh.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("NO_COLOR", "1")
    capsys.readouterr()

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        code = main(list(args))
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(["vtasks", *args], code, out, err)

    try:
        yield run
    finally:
        # The command line shows the library's warnings through a handler on the captured stderr.
        logger = logging.getLogger("vtasks")
        for handler in [h for h in logger.handlers if getattr(h, "_vtasks_cli", False)]:
            logger.removeHandler(handler)


@pytest.mark.parametrize("provider", vtasks.PROVIDERS)
def test_cli_output_never_shows_the_key(
    fresh: FakeProviders, cli: CliRun, tmp_path: Path, provider: str
) -> None:
    done = fresh.add_task(provider, status="succeeded")
    runs = [
        cli("get", provider, done.id),
        cli("get", provider, done.id, "--json"),
        cli("download", provider, done.id, "-o", str(tmp_path / "v.mp4")),
    ]
    if provider in LISTING:
        runs.append(cli("list", provider, "--json", "--limit", "3"))
    else:
        runs.append(cli("wait", provider, done.id, "--json"))
    # An answer that quotes the key back, on a command that fails.
    status, body = ECHO_BODIES[provider](KEYS[provider])
    fresh.inject(
        provider, "http_error", endpoint="get", status=status, body=json.dumps(body), count=None
    )
    runs.append(cli("get", provider, done.id))
    fresh.clear_faults()
    assert [r.returncode for r in runs] == [0, 0, 0, 0, 1], [(r.returncode, r.stderr) for r in runs]
    assert all(r.stdout or r.stderr for r in runs)
    assert_clean(provider, *(r.stdout for r in runs), *(r.stderr for r in runs))


def test_redaction_of_a_secret_with_no_utf8_form() -> None:
    """A lone surrogate (what ``os.environ`` makes of undecodable bytes) crashed redaction."""
    from vtasks._redact import redact_text

    assert redact_text("a\ud800b\ud800", ["\ud800"]) == "a<redacted>b<redacted>"
