"""Prism: a third-party mock server generates answers from each bundled curated spec.

Runs only in ``nox -s prism``, which installs ``@stoplight/prism-cli`` (pinned) with npm and sets
``VTASKS_PRISM_BIN``; elsewhere the module is skipped. Each curated spec is bundled
(``scripts/_bundle.py``) into a JSON file and served by ``prism mock`` (one process per provider),
then driven with:

- vtasks ``Client`` and ``AsyncClient`` (get, list where the vendor lists; MiniMax's file step
  follows automatically) in three ways, chosen with Prism's ``Prefer`` header (sent through the
  caller-supplied ``httpx`` client vtasks accepts):

  - ``dynamic=true``: ``VTASKS_PRISM_ROUNDS`` answers generated from the schemas (json-schema-faker)
    per operation and client: each must give a Task (a page of them) or a vtasks error;
  - ``example=<name>``: every example the curated spec gives for a 200 answer: each must give what
    the fuzz oracle (``test_fuzz_specs.expected_get`` / ``expected_list``) says;
  - ``code=<status>``: the ``default`` (error) answer under 400, 401, 403, 404, 429, 500 and 503,
    for the vendors that send real HTTP codes: each must be the matching ``APIError`` subclass;

- the generated client of each provider: every dynamic answer must parse (``sync_detailed``).

A summary of what came back is printed (``-s``).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import os
import socket
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_fuzz_specs import (  # the same oracle and invariants as the fuzzing
    TASK,
    bundle,
    check_error,
    check_task,
    expected_get,
    expected_list,
)

import vtasks
from vtasks import Task, VTasksError

PRISM = os.environ.get("VTASKS_PRISM_BIN")
if not PRISM:  # conftest.py leaves this module out of a plain run; asked for by name, say why
    raise pytest.UsageError(
        "the Prism suite runs in `nox -s prism` (VTASKS_PRISM_BIN names the prism binary)"
    )

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = int(os.environ.get("VTASKS_PRISM_ROUNDS", "25"))
KEY = "sk-prism-0123456789"
OPS = {
    "ark": ("get", "list"),
    "volc": ("get", "list"),
    "veo": ("get",),
    "minimax": ("get",),
    "vidu": ("get", "list"),
    "aitoearn": ("get", "list"),
}
TASK_IDS = {
    "ark": "cgt-20250612172542-7gfpq",
    "volc": "cgt-20250612172542-7gfpq",
    "veo": "veo3.1-fast:1760545785-euexscdeL8",
    "minimax": "176843862716480",
    "vidu": "850447385478819840",
    "aitoearn": "6864f1c2a1b2c3d4e5f60718",
}
HTTP_CODED = (
    "ark",
    "volc",
    "veo",
    "vidu",
)  # vendors with real HTTP error codes (a `default` answer)
STATUS_CLASSES = {
    400: vtasks.InvalidRequestError,
    401: vtasks.AuthenticationError,
    403: vtasks.AuthenticationError,  # PermissionDeniedError, under AuthenticationError
    404: vtasks.NotFoundError,
    429: vtasks.RateLimitError,
    500: vtasks.ServerError,
    503: vtasks.ServerError,
}
NO_RETRIES = vtasks.RetryPolicy(max_retries=0)
REPORT: Counter[tuple[str, str, str, str]] = Counter()


# ---- the Prism servers --------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_listening(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"prism exited ({process.returncode}):\n{log.read_text()}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.1)
    raise RuntimeError(f"prism did not start listening:\n{log.read_text()}")


@pytest.fixture(scope="module")
def prism(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """provider -> base URL of a ``prism mock -d`` serving its bundled curated spec."""
    assert PRISM is not None
    folder = tmp_path_factory.mktemp("prism")
    processes: list[subprocess.Popen[bytes]] = []
    urls: dict[str, str] = {}
    try:
        for provider in vtasks.PROVIDERS:
            spec = folder / f"{provider}.json"
            spec.write_text(json.dumps(bundle(ROOT / "specs" / f"{provider}.yaml")))
            port = _free_port()
            log = folder / f"{provider}.log"
            with log.open("wb") as out:
                process = subprocess.Popen(
                    [PRISM, "mock", "-d", "-h", "127.0.0.1", "-p", str(port), str(spec)],
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            processes.append(process)
            _wait_listening(port, process, log)
            urls[provider] = f"http://127.0.0.1:{port}"
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        _print_report()


def _print_report() -> None:
    if not REPORT:
        return
    lines = ["", "prism: what came back (provider, client, answer kind, outcome: count)"]
    for (provider, client, kind, outcome), count in sorted(REPORT.items()):
        lines.append(f"  {provider:8} {client:9} {kind:8} {outcome:28} {count}")
    print("\n".join(lines))


# ---- vtasks against Prism -------------------------------------------------------------------------


def _call(provider: str, op: str, mode: str, base_url: str, prefer: str) -> Any:
    """One vtasks operation against Prism: its result, or the exception it raised (any kind)."""
    kwargs: dict[str, Any] = {"api_key": KEY, "base_url": base_url, "retry_policy": NO_RETRIES}
    if mode == "sync":
        with httpx.Client(headers={"Prefer": prefer}) as http:
            client = vtasks.Client(provider, http_client=http, **kwargs)
            try:
                if op == "list":
                    return list(client.list_tasks(limit=20))
                return client.get_task(TASK_IDS[provider])
            except Exception as error:
                return error

    async def run() -> Any:
        async with httpx.AsyncClient(headers={"Prefer": prefer}) as http:
            client = vtasks.AsyncClient(provider, http_client=http, **kwargs)
            try:
                if op == "list":
                    return [t async for t in client.list_tasks(limit=20)]
                return await client.get_task(TASK_IDS[provider])
            except Exception as error:
                return error

    return asyncio.run(run())


def _classify(provider: str, op: str, result: Any) -> str:
    if isinstance(result, BaseException):
        return type(check_error(result)).__name__
    if op == "list":
        assert isinstance(result, list)
        for task in result:
            check_task(task, provider)
        return "tasks" if result else "empty page"
    check_task(result, provider)
    assert result.id == TASK_IDS[provider]
    return "Task"


CASES = [(p, op) for p in vtasks.PROVIDERS for op in OPS[p]]


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize(("provider", "op"), CASES, ids=[f"{p}-{o}" for p, o in CASES])
def test_dynamic_answers(prism: dict[str, str], provider: str, op: str, mode: str) -> None:
    for _ in range(ROUNDS):
        result = _call(provider, op, mode, prism[provider], "dynamic=true")
        REPORT[provider, mode, f"{op}:dyn", _classify(provider, op, result)] += 1


def _examples(provider: str, op: str) -> dict[str, Any]:
    """The curated spec's examples of the operation's 200 answer (name -> value)."""
    doc = bundle(ROOT / "specs" / f"{provider}.yaml")
    for item in doc["paths"].values():
        operation = item.get("get", {})
        if operation.get("operationId") == {"get": "get_task", "list": "list_tasks"}[op]:
            content = operation["responses"]["200"]["content"]["application/json"]
            out = {}
            for name, example in content.get("examples", {}).items():
                node = example
                if "$ref" in node:
                    node = doc
                    for part in example["$ref"].removeprefix("#/").split("/"):
                        node = node[part]
                out[name] = node["value"]
            return out
    raise AssertionError(f"{provider} has no {op} operation")


EXAMPLE_CASES = [(p, op, name) for p, op in CASES for name in _examples(p, op)]


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize(
    ("provider", "op", "name"), EXAMPLE_CASES, ids=[f"{p}-{o}-{n}" for p, o, n in EXAMPLE_CASES]
)
def test_curated_examples(
    prism: dict[str, str], provider: str, op: str, name: str, mode: str
) -> None:
    value = _examples(provider, op)[name]
    prefer = f"example={name}"
    files = None
    if provider == "minimax":
        # The file step gets the file endpoint's example of the same name, if there is one.
        files = {"success": _minimax_file_example()}.get(name)
    result = _call(provider, op, mode, prism[provider], prefer)
    outcome = _classify(provider, op, result)
    REPORT[provider, mode, f"{op}:ex", f"{name}: {outcome}"] += 1
    if op == "list":
        expected = expected_list(provider, value)
        if isinstance(expected, list):
            assert [t.id for t in result] == expected[:20]
        else:
            assert isinstance(result, expected)
        return
    want = expected_get(provider, value, files)
    if want == TASK:
        assert isinstance(result, Task), result
    else:
        assert isinstance(result, want), result  # type: ignore[arg-type]


def _minimax_file_example() -> Any:
    doc = bundle(ROOT / "specs" / "minimax.yaml")
    content = doc["paths"]["/v1/files/retrieve"]["get"]["responses"]["200"]["content"]
    return content["application/json"]["examples"]["success"]["value"]


ERROR_CASES = [(p, op, code) for p, op in CASES if p in HTTP_CODED for code in STATUS_CLASSES]


@pytest.mark.parametrize(
    ("provider", "op", "code"), ERROR_CASES, ids=[f"{p}-{o}-{c}" for p, o, c in ERROR_CASES]
)
def test_error_answers(prism: dict[str, str], provider: str, op: str, code: int) -> None:
    for mode in ("sync", "async"):
        result = _call(provider, op, mode, prism[provider], f"code={code}")
        REPORT[provider, mode, f"{op}:err", f"{code}: {_classify(provider, op, result)}"] += 1
        assert isinstance(result, STATUS_CLASSES[code]), result
        assert isinstance(result, VTasksError)
        assert result.status_code == code


# ---- the generated clients against Prism ----------------------------------------------------------

GENERATED: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "ark": [("tasks.get_task", {"id": "x"}), ("tasks.list_tasks", {"page_num": 1, "page_size": 5})],
    "volc": [
        ("tasks.get_task", {"id": "x"}),
        ("tasks.list_tasks", {"page_num": 1, "page_size": 5}),
    ],
    "veo": [("tasks.get_task", {"id": "veo3.1-fast:1-x"})],
    "minimax": [("video.get_task", {"task_id": "1"}), ("files.retrieve_file", {"file_id": "1"})],
    "vidu": [("tasks.get_task", {"id": "1"}), ("tasks.list_tasks", {})],
    "aitoearn": [("video.get_task", {"task_id": "0" * 24}), ("video.list_tasks", {"page": 1})],
}
GEN_CASES = [(p, op, kw) for p, ops in GENERATED.items() for op, kw in ops]


def _generated_client(provider: str, base_url: str) -> Any:
    module = importlib.import_module(f"vtasks_gen_{provider}")
    extra: dict[str, Any] = {}
    if provider == "vidu":
        extra = {"prefix": "Token"}
    elif provider == "aitoearn":
        extra = {"prefix": "", "auth_header_name": "X-Api-Key"}
    return module.AuthenticatedClient(
        base_url=base_url, token=KEY, headers={"Prefer": "dynamic=true"}, **extra
    )


@pytest.mark.parametrize(
    ("provider", "operation", "kwargs"), GEN_CASES, ids=[f"{p}-{o}" for p, o, _ in GEN_CASES]
)
def test_generated_clients_parse_dynamic_answers(
    prism: dict[str, str], provider: str, operation: str, kwargs: dict[str, Any]
) -> None:
    module = importlib.import_module(f"vtasks_gen_{provider}.api.{operation}")
    send: Callable[..., Any] = module.sync_detailed
    with _generated_client(provider, prism[provider]) as client:
        for _ in range(ROUNDS):
            try:
                response = send(client=client, **kwargs)
            except Exception as error:
                REPORT[provider, "generated", operation, f"raised {type(error).__name__}"] += 1
                raise AssertionError(
                    f"the generated {provider} {operation} raised {error!r}"
                ) from error
            assert response.status_code == 200
            assert response.parsed is not None
            REPORT[provider, "generated", operation, type(response.parsed).__name__] += 1


# ---- the contract check (`vtasks check`) against Prism ---------------------------------------


def _check(provider: str, base_url: str, prefer: str) -> Any:
    with httpx.Client(headers={"Prefer": prefer}) as http:
        client = vtasks.Client(
            provider, http_client=http, api_key=KEY, base_url=base_url, retry_policy=NO_RETRIES
        )
        return client.check_contract([TASK_IDS[provider]])


@pytest.mark.parametrize("provider", vtasks.PROVIDERS)
def test_the_contract_check_passes_the_specs_own_examples(
    prism: dict[str, str], provider: str
) -> None:
    # Prism's static mode serves each operation's first example: the spec agrees with itself.
    report = _check(provider, prism[provider], "dynamic=false")
    assert not report.failed, report.to_dict()
    assert not report.drifted, report.to_dict()
    assert {a.endpoint for a in report.answers} >= set(OPS[provider])


@pytest.mark.parametrize("provider", vtasks.PROVIDERS)
def test_the_contract_check_finds_no_drift_in_generated_answers(
    prism: dict[str, str], provider: str
) -> None:
    # json-schema-faker's answers are whatever the schema allows: never drift. Some are the
    # vendors' HTTP-200 errors (a random base_resp code), which have no task to check.
    checked = 0
    for _ in range(max(ROUNDS // 5, 3)):
        report = _check(provider, prism[provider], "dynamic=true")
        assert not report.drifted, report.to_dict()
        checked += sum(1 for answer in report.answers if answer.error is None)
        REPORT[provider, "check", "dynamic", "drifted" if report.drifted else "no drift"] += 1
    # AiToEarn's envelope `code` is any integer to the faker, so nearly every answer is a business
    # error (not drift: the vendor's own error envelope); the others give answers to check.
    assert checked > 0 or provider == "aitoearn"


@pytest.fixture(scope="module")
def drifted_ark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Prism serving Ark as a vendor might change it: a new field and a new status."""
    assert PRISM is not None
    doc = bundle(ROOT / "specs" / "ark.yaml")
    schemas = doc["components"]["schemas"]
    schemas["SeedanceTask"]["properties"]["watermark_policy"] = {"type": "string"}
    schemas["SeedanceTaskStatus"]["enum"].append("paused")
    example = doc["components"]["examples"]["SucceededTask"]["value"]
    example.update(status="paused", watermark_policy="strict")
    spec = tmp_path_factory.mktemp("prism-drift") / "ark.json"
    spec.write_text(json.dumps(doc))
    port, log = _free_port(), spec.with_suffix(".log")
    with log.open("wb") as out:
        process = subprocess.Popen(
            [PRISM, "mock", "-h", "127.0.0.1", "-p", str(port), str(spec)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_listening(port, process, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)


def test_the_contract_check_reports_a_vendors_change(drifted_ark: str) -> None:
    report = _check("ark", drifted_ark, "dynamic=false")
    (get,) = [a for a in report.answers if a.endpoint == "get"]
    assert report.drifted
    assert [(d.path, d.kind) for d in get.differences] == [
        ("status", "new value"),
        ("watermark_policy", "unknown field"),
    ]


# ---- create and cancel against Prism: the request bodies vtasks builds pass its validation -------

# Prism validates each request against the curated spec before answering: a body the spec does not
# allow is a 422 (an InvalidRequestError), whatever the answer would have been.
IMAGE = "https://example.com/frame.png"
CREATE_INPUTS: dict[str, list[dict[str, Any]]] = {
    "ark": [
        {"model": "doubao-seedance-1-0-pro-250528", "prompt": "a fox", "duration": 5, "seed": 7},
        {
            "model": "doubao-seedance-1-0-lite-i2v",
            "prompt": "a fox",
            "first_frame": IMAGE,
            "last_frame": IMAGE,
            "aspect_ratio": "16:9",
            "resolution": "720p",
        },
        {
            "model": "doubao-seedance-1-0-lite-i2v",
            "prompt": "a fox",
            "reference_images": [IMAGE],
            "callback_url": "https://example.com/cb?token=0123456789",
        },
    ],
    "veo": [
        {"model": "veo3-fast", "prompt": "a fox", "aspect_ratio": "9:16"},
        {"model": "veo3-fast-frames", "prompt": "a fox", "first_frame": IMAGE, "last_frame": IMAGE},
        {"model": "veo2-fast-components", "prompt": "a fox", "reference_images": [IMAGE, IMAGE]},
    ],
    "minimax": [
        {"model": "MiniMax-Hailuo-02", "prompt": "a fox", "duration": 6, "resolution": "768P"},
        {
            "model": "MiniMax-Hailuo-02",
            "prompt": "a fox",
            "first_frame": IMAGE,
            "last_frame": IMAGE,
        },
        {"model": "S2V-01", "prompt": "a fox", "reference_images": [IMAGE]},
    ],
    "vidu": [
        {"model": "viduq1", "prompt": "a fox", "duration": 5, "seed": 3, "aspect_ratio": "16:9"},
        {"model": "viduq1", "prompt": "a fox", "first_frame": IMAGE},
        {"model": "viduq1", "prompt": "a fox", "first_frame": IMAGE, "last_frame": IMAGE},
        {"model": "viduq1", "prompt": "a fox", "reference_images": [IMAGE, IMAGE, IMAGE]},
    ],
    "aitoearn": [
        {"model": "doubao-seedance-1-0-pro", "prompt": "a fox", "duration": 5},
        {
            "model": "doubao-seedance-1-0-pro",
            "prompt": "a fox",
            "first_frame": IMAGE,
            "last_frame": IMAGE,
            "aspect_ratio": "16:9",
        },
    ],
}
CREATE_INPUTS["volc"] = CREATE_INPUTS["ark"]
# Their HTTP 200 carries a business code, which Prism makes up (a "refusal" as often as not).
ENVELOPED = ("minimax", "aitoearn")
CREATE_CASES = [(p, i) for p in vtasks.PROVIDERS for i in range(len(CREATE_INPUTS[p]))]


def _lifecycle_call(provider: str, mode: str, base_url: str, prefer: str, what: Any) -> Any:
    """``what(client)`` against Prism, sync or async: its result, or the exception it raised."""
    kwargs: dict[str, Any] = {"api_key": KEY, "base_url": base_url, "retry_policy": NO_RETRIES}
    if mode == "sync":
        with httpx.Client(headers={"Prefer": prefer}) as http:
            try:
                return what(vtasks.Client(provider, http_client=http, **kwargs))
            except Exception as error:
                return error

    async def run() -> Any:
        async with httpx.AsyncClient(headers={"Prefer": prefer}) as http:
            try:
                return await what(vtasks.AsyncClient(provider, http_client=http, **kwargs))
            except Exception as error:
                return error

    return asyncio.run(run())


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize(
    ("provider", "index"), CREATE_CASES, ids=[f"{p}-{i}" for p, i in CREATE_CASES]
)
def test_create_bodies_pass_prisms_request_validation(
    prism: dict[str, str], provider: str, index: int, mode: str
) -> None:
    inputs = CREATE_INPUTS[provider][index]
    for prefer in ("code=200", "dynamic=true"):
        result = _lifecycle_call(
            provider, mode, prism[provider], prefer, lambda c: c.create_task(**inputs)
        )
        outcome = type(result).__name__
        REPORT[provider, mode, "create", outcome] += 1
        # A 422 is Prism refusing the body: the request vtasks built is not what the spec allows.
        assert not (isinstance(result, VTasksError) and result.status_code == 422), result
        if prefer == "code=200" and provider not in ENVELOPED:
            # The spec's own example of a create answer: a new task.
            assert isinstance(result, Task), result
            check_task(result, provider)
        else:  # a generated answer: a task, or a vtasks error (never a bare exception)
            assert isinstance(result, Task | VTasksError), result


CANCELLERS = [p for p in vtasks.PROVIDERS if vtasks.PROVIDER_INFO[p].supports_cancel]


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("provider", CANCELLERS)
def test_cancel_requests_pass_prisms_request_validation(
    prism: dict[str, str], provider: str, mode: str
) -> None:
    for _ in range(10):
        result = _lifecycle_call(
            provider,
            mode,
            prism[provider],
            "dynamic=true",
            lambda c: c.cancel_task(TASK_IDS[provider]),
        )
        REPORT[provider, mode, "cancel", type(result).__name__] += 1
        assert not (isinstance(result, VTasksError) and result.status_code == 422), result
        assert isinstance(result, vtasks.CancelResult | VTasksError), result


def test_every_creating_provider_is_covered() -> None:
    creators = [p for p in vtasks.PROVIDERS if vtasks.PROVIDER_INFO[p].supports_create]
    assert sorted(creators) == sorted(CREATE_INPUTS)
    assert sorted(CANCELLERS) == ["ark", "vidu", "volc"]
