"""``Task.usage``: what the vendor reports a task cost, read over real HTTP, never invented."""

from __future__ import annotations

import pytest
from harness import Api

from vtasks import Usage
from vtasks._providers.seedance import usage_of


@pytest.mark.parametrize("provider", ["ark", "volc"])
def test_seedance_usage_is_total_tokens(api: Api, provider: str) -> None:
    added = api.fake.add_task(provider, duration=5)
    task = api.client(provider).get_task(added.id)
    tokens = task.raw["usage"]["total_tokens"]
    assert isinstance(tokens, int)
    assert tokens > 0
    assert task.usage == Usage(tokens=tokens)
    assert task.to_dict()["usage"] == {"tokens": tokens, "credits": None, "seconds": None}


def test_vidu_usage_is_credits(api: Api) -> None:
    added = api.fake.add_task("vidu", credits=40)
    task = api.client("vidu").get_task(added.id)
    assert task.usage == Usage(credits=40.0)


@pytest.mark.parametrize("provider", ["veo", "minimax", "aitoearn"])
def test_vendors_reporting_no_usage_give_none(api: Api, provider: str) -> None:
    added = api.fake.add_task(provider)
    assert api.client(provider).get_task(added.id).usage is None


@pytest.mark.parametrize(
    ("usage", "expected"),
    [
        ({"completion_tokens": 7, "total_tokens": 9}, Usage(tokens=9)),
        ({"completion_tokens": 7}, Usage(tokens=7)),
        ({"total_tokens": -1}, None),
        ({"total_tokens": "lots"}, None),
        ({"total_tokens": True}, None),
        ({}, None),
        (None, None),
        ([1, 2], None),
    ],
)
def test_ark_usage_is_read_leniently(usage: object, expected: Usage | None) -> None:
    assert usage_of(usage) == expected
