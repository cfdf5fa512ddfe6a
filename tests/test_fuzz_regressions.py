"""Bodies the spec fuzzer (``test_fuzz_specs.py``) found crashing the clients, kept as plain tests.

Each case is served verbatim with HTTP 200 to ``Client`` and ``AsyncClient`` (the ``api`` fixture);
the answer must be a Task or a vtasks error, never a bare Python exception.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from harness import Api

import vtasks
from vtasks import Task

# A JSON document nested ``depth`` levels deep: ``[[[...]]]``.


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


# Depths around the interpreter's default recursion limit (1000): below it json.loads reads the
# body but writing it back out (json.dumps for ResponseError.body) can overflow from deeper in
# the stack (the async client's stack is deeper); at and above it json.loads itself overflows.
DEPTHS = (500, 900, 960, 980, 995, 1200, 100_000)


def _outcome(call: Callable[[], Task]) -> Task | BaseException:
    """What a call gave: its result, or the exception it raised (any kind, so a test can check)."""
    try:
        return call()
    except BaseException as error:
        return error


def _serve(api: Api, provider: str, body: bytes) -> None:
    api.fake.clear_faults()
    api.fake.inject(
        provider, "http_error", status=200, body=body, content_type="application/json", count=None
    )


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize(
    "template",
    [b"%s", b'{"id": %s}', b'{"id": "cgt-1", "junk": %s}'],
    ids=["top", "in-id", "extra-field"],
)
def test_deeply_nested_task_body(api: Api, template: bytes, depth: int) -> None:
    _serve(api, "ark", template.replace(b"%s", _nested(depth)))
    client = api.client("ark", max_retries=0)
    result = _outcome(lambda: client.get_task("cgt-1"))
    if template == b'{"id": "cgt-1", "junk": %s}' and depth < 900:
        assert isinstance(result, Task)
        assert result.id == "cgt-1"
    elif isinstance(result, Task):  # read after all (the stack happened to be shallow enough)
        assert result.id == "cgt-1"
    else:
        assert isinstance(result, vtasks.ResponseError)
        assert str(result)


@pytest.mark.parametrize("depth", DEPTHS)
def test_deeply_nested_list_item(api: Api, depth: int) -> None:
    body = b'{"total": 1, "items": [{"id": %s}]}'.replace(b"%s", _nested(depth))
    _serve(api, "aitoearn", b'{"code": 0, "data": {"list": [{"id": %s}]}}' % _nested(depth))
    client = api.client("aitoearn", max_retries=0)
    with pytest.raises(vtasks.ResponseError):
        client.list_tasks()
    _serve(api, "volc", body)
    with pytest.raises(vtasks.ResponseError):
        api.client("volc", max_retries=0).list_tasks()


# Integers past 1.8e308 are valid JSON and Python reads them exactly; turning one into a float
# (a duration, an fps) or dividing one (a page total) raised a bare OverflowError. ``N`` in the
# bodies below stands for such a number.
HUGE = "9" * 400


@pytest.mark.parametrize(
    ("provider", "body"),
    [
        ("ark", '{"id": "cgt-1", "duration": N, "framespersecond": N}'),
        (
            "vidu",
            '{"id": "cgt-1", "creations": [{"url": "u", "video": {"duration": N, "fps": N}}]}',
        ),
        ("aitoearn", '{"code": 0, "data": {"id": "cgt-1", "input": {"duration": N}}}'),
    ],
    ids=["ark", "vidu", "aitoearn"],
)
def test_huge_numbers_in_float_fields(api: Api, provider: str, body: str) -> None:
    _serve(api, provider, body.replace("N", HUGE).encode())
    task = api.client(provider, max_retries=0).get_task("cgt-1")
    assert task.duration is None
    assert task.fps is None


@pytest.mark.parametrize(
    ("provider", "body"),
    [
        ("ark", '{"total": N, "items": [{"id": "a"}, {"id": "b"}]}'),
        ("volc", '{"total": N, "items": []}'),
    ],
    ids=["ark", "volc-empty"],
)
def test_huge_page_total(api: Api, provider: str, body: str) -> None:
    api.fake.clear_faults()
    api.fake.inject(
        provider,
        "http_error",
        endpoint="list",
        status=200,
        body=body.replace("N", HUGE),
        content_type="application/json",
    )
    ids = [t.id for t in api.client(provider, max_retries=0).list_tasks(page_size=5)]
    assert ids == (["a", "b"] if provider == "ark" else [])  # a short page ends the listing
