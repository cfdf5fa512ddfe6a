"""Cookies a server sets are kept and sent back by the clients vtasks makes for itself.

vtasks' own HTTP clients skip httpx's cookie handling for answers that set no cookie
(vtasks/_http.py): what is stored and sent back must not change. Over real HTTP (tests/hostile.py).
"""

from __future__ import annotations

import json

import pytest
from harness import Api
from hostile import Conn, RawRequest, answer, ark_task, hostile_server

KEY = "sk-cookies-1234567"


def test_a_set_cookie_is_sent_back_and_survives_answers_without_one(api: Api) -> None:
    seen: list[str | None] = []
    body = json.dumps(ark_task(status="running")).encode()

    def script(request: RawRequest, conn: Conn) -> bool:
        seen.append(request.headers.get("cookie"))
        headers = {"Content-Type": "application/json"}
        if len(seen) == 1:
            headers["Set-Cookie"] = "sticky=node-7; Path=/"
        elif len(seen) == 3:
            headers["Set-Cookie"] = "other=2; Path=/"
        return answer(200, body, headers)(request, conn)

    with hostile_server(script) as server:
        client = api.client("ark", base_url=server.url, api_key=KEY, max_retries=0, clock=None)
        for _ in range(4):
            client.get_task("cgt-1")
    assert seen[0] is None
    assert seen[1] == "sticky=node-7"
    assert seen[2] == "sticky=node-7"  # the second answer set none: the cookie stays
    assert seen[3] is not None
    assert sorted(seen[3].split("; ")) == ["other=2", "sticky=node-7"]


@pytest.mark.parametrize("name", ["Set-Cookie", "set-cookie", "SET-COOKIE"])
def test_any_spelling_of_the_header_is_read(api: Api, name: str) -> None:
    seen: list[str | None] = []
    body = json.dumps(ark_task()).encode()

    def script(request: RawRequest, conn: Conn) -> bool:
        seen.append(request.headers.get("cookie"))
        return answer(200, body, {"Content-Type": "application/json", name: "a=1; Path=/"})(
            request, conn
        )

    with hostile_server(script) as server:
        client = api.client("ark", base_url=server.url, api_key=KEY, max_retries=0, clock=None)
        client.get_task("cgt-1")
        client.get_task("cgt-1")
    assert seen == [None, "a=1"]
