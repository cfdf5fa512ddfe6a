"""The generated clients import, and send exactly what each vendor documents.

A real HTTP server on 127.0.0.1 records every request the generated code sends: method, path, the raw
query string (dotted names, repeated array keys), the auth header and scheme, and no Content-Type on a GET.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

PROVIDERS = ("ark", "volc", "veo", "minimax", "vidu", "aitoearn")
KEY = "sk-test-0123456789"


# One body that every operation's generated parser accepts (each ignores the others' fields).
_ANY_OPERATION_BODY = json.dumps(
    {
        "id": "x",
        "status": "pending",
        "items": [],
        "tasks": [],
        "code": 0,
        "base_resp": {"status_code": 0, "status_msg": "success"},
    }
).encode()


class _Recorder(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    records: list[dict[str, Any]]

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        self.server.records.append(  # type: ignore[attr-defined]
            {
                "method": self.command,
                "path": parts.path,
                "query": parse_qsl(parts.query, keep_blank_values=True),
                "headers": {k.lower(): v for k, v in self.headers.items()},
            }
        )
        body = _ANY_OPERATION_BODY
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def recorder() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.records = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _client(provider: str, base_url: str) -> Any:
    module = importlib.import_module(f"vtasks_gen_{provider}.client")
    if provider == "vidu":
        return module.AuthenticatedClient(base_url=base_url, token=KEY, prefix="Token")
    if provider == "aitoearn":
        return module.AuthenticatedClient(
            base_url=base_url, token=KEY, prefix="", auth_header_name="X-Api-Key"
        )
    return module.AuthenticatedClient(base_url=base_url, token=KEY)


def _operation(provider: str, name: str) -> Any:
    tag = {"minimax": "video", "aitoearn": "video"}.get(provider, "tasks")
    if name == "retrieve_file":
        tag = "files"
    return importlib.import_module(f"vtasks_gen_{provider}.api.{tag}.{name}")


@pytest.mark.parametrize("provider", PROVIDERS)
def test_every_generated_module_imports(provider: str) -> None:
    package = importlib.import_module(f"vtasks_gen_{provider}")
    names = [info.name for info in pkgutil.walk_packages(package.__path__, package.__name__ + ".")]
    for name in names:
        importlib.import_module(name)
    assert any(name.endswith(".get_task") for name in names)


# (provider, operation, kwargs, expected path, expected query pairs in order)
CASES: list[tuple[str, str, dict[str, Any], str, list[tuple[str, str]]]] = [
    *[
        (
            p,
            "list_tasks",
            {
                "page_num": 2,
                "page_size": 50,
                "filter_status": "running",
                "filter_task_ids": ["t1", "t2"],
                "filter_model": "seedance",
            },
            f"{prefix}/contents/generations/tasks",
            [
                ("page_num", "2"),
                ("page_size", "50"),
                ("filter.status", "running"),
                ("filter.task_ids", "t1"),
                ("filter.task_ids", "t2"),
                ("filter.model", "seedance"),
            ],
        )
        for p, prefix in (("ark", "/api/v3"), ("volc", "/volc/v1"))
    ],
    *[
        (p, "get_task", {"id": "cgt-1"}, f"{prefix}/contents/generations/tasks/cgt-1", [])
        for p, prefix in (("ark", "/api/v3"), ("volc", "/volc/v1"))
    ],
    (
        "veo",
        "get_task",
        {"id": "veo3.1-fast:17605-eu"},
        "/v1/video/query",
        [("id", "veo3.1-fast:17605-eu")],
    ),
    (
        "minimax",
        "get_task",
        {"task_id": "1768"},
        "/v1/query/video_generation",
        [("task_id", "1768")],
    ),
    (
        "minimax",
        "retrieve_file",
        {"file_id": "9007199254740993"},
        "/v1/files/retrieve",
        [("file_id", "9007199254740993")],
    ),
    (
        "vidu",
        "list_tasks",
        {
            "created_at_from": "2025-01-01T00:00:00Z",
            "created_at_to": "2025-01-02T00:00:00Z",
            "task_ids": ["a", "b"],
            "templates": ["hug"],
            "model_versions": ["q2", "q2-pro"],
            "resolutions": ["1080p"],
            "states": ["success", "failed"],
            "pager_page": 1,
            "pager_pagesz": 100,
            "pager_page_token": "tok",
        },
        "/ent/v2/tasks",
        [
            ("created_at.from", "2025-01-01T00:00:00Z"),
            ("created_at.to", "2025-01-02T00:00:00Z"),
            ("task_ids", "a"),
            ("task_ids", "b"),
            ("templates", "hug"),
            ("model_versions", "q2"),
            ("model_versions", "q2-pro"),
            ("resolutions", "1080p"),
            ("states", "success"),
            ("states", "failed"),
            ("pager.page", "1"),
            ("pager.pagesz", "100"),
            ("pager.page_token", "tok"),
        ],
    ),
    ("vidu", "get_task", {"id": "8504"}, "/ent/v2/tasks/8504/creations", []),
    (
        "aitoearn",
        "list_tasks",
        {"page": 3, "page_size": 1000},
        "/api/ai/video/generations",
        [("page", "3"), ("pageSize", "1000")],
    ),
    (
        "aitoearn",
        "get_task",
        {"task_id": "6864f1c2a1b2c3d4e5f60718"},
        "/api/ai/video/generations/6864f1c2a1b2c3d4e5f60718",
        [],
    ),
]

AUTH = {
    "ark": ("authorization", f"Bearer {KEY}"),
    "volc": ("authorization", f"Bearer {KEY}"),
    "veo": ("authorization", f"Bearer {KEY}"),
    "minimax": ("authorization", f"Bearer {KEY}"),
    "vidu": ("authorization", f"Token {KEY}"),
    "aitoearn": ("x-api-key", KEY),
}


@pytest.mark.parametrize(
    ("provider", "operation", "kwargs", "path", "query"),
    CASES,
    ids=[f"{c[0]}-{c[1]}" for c in CASES],
)
def test_operation_sends_documented_request(
    recorder: ThreadingHTTPServer,
    provider: str,
    operation: str,
    kwargs: dict[str, Any],
    path: str,
    query: list[tuple[str, str]],
) -> None:
    base_url = f"http://127.0.0.1:{recorder.server_address[1]}"
    records: list[dict[str, Any]] = recorder.records  # type: ignore[attr-defined]
    records.clear()
    send: Callable[..., Any] = _operation(provider, operation).sync_detailed
    with _client(provider, base_url) as client:
        response = send(client=client, **kwargs)
    assert response.status_code == 200
    (record,) = records
    assert record["method"] == "GET"
    assert record["path"] == path
    assert record["query"] == query
    header, value = AUTH[provider]
    assert record["headers"].get(header) == value
    if provider == "aitoearn":
        assert "authorization" not in record["headers"]
    assert "content-type" not in record["headers"]
