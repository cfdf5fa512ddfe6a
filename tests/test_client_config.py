"""Configuration: keys and base URLs from arguments or the environment, a caller's own HTTP client,
timeouts, and the key kept out of reprs and logs."""

from __future__ import annotations

import logging
import re
from typing import Any

import httpx
import pytest
from harness import AUTH_HEADERS, Api, BridgeClock

import vtasks
from vtasks import PROVIDERS, TaskStatus


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for provider in PROVIDERS:
        monkeypatch.delenv(f"VTASKS_{provider.upper()}_API_KEY", raising=False)
        monkeypatch.delenv(f"VTASKS_{provider.upper()}_BASE_URL", raising=False)
    return monkeypatch


@pytest.mark.parametrize("provider", PROVIDERS)
def test_missing_key_names_the_variable(
    api: Api, provider: str, clean_env: pytest.MonkeyPatch
) -> None:
    with pytest.raises(vtasks.ConfigurationError) as info:
        api.client(provider, api_key=None)
    assert isinstance(info.value, ValueError)
    assert f"VTASKS_{provider.upper()}_API_KEY" in str(info.value)


@pytest.mark.parametrize("key", ["", "   "])
def test_blank_key_is_missing(api: Api, key: str, clean_env: pytest.MonkeyPatch) -> None:
    with pytest.raises(vtasks.ConfigurationError, match="VTASKS_ARK_API_KEY"):
        api.client("ark", api_key=key)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_key_and_base_url_from_the_environment(
    api: Api, provider: str, clean_env: pytest.MonkeyPatch
) -> None:
    for name, value in api.fake.env().items():
        clean_env.setenv(name, value)
    added = api.fake.add_task(provider, status="succeeded")
    client = api.client(provider, api_key=None, base_url=None)
    assert client.raw.base_url == api.fake.base_url
    assert client.get_task(added.id).status is TaskStatus.SUCCEEDED
    assert all(r.auth_ok for r in api.requests(provider))


def test_arguments_win_over_the_environment(api: Api, clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("VTASKS_VIDU_API_KEY", "sk-from-env")
    clean_env.setenv("VTASKS_VIDU_BASE_URL", "http://127.0.0.1:9")
    added = api.fake.add_task("vidu", status="running")
    client = api.client("vidu")  # the harness passes the simulator's key and URL
    assert client.get_task(added.id).status is TaskStatus.RUNNING


def test_default_base_urls(clean_env: pytest.MonkeyPatch) -> None:
    expected = {
        "volc": "https://api.chainhub.tech",
        "veo": "https://api.chainhub.tech",
        "minimax": "https://api.minimax.io",
        "vidu": "https://api.vidu.com",
        "aitoearn": "https://aitoearn.ai",
        "ark": "https://ark.cn-beijing.volces.com",
    }
    for provider, url in expected.items():
        with vtasks.Client(provider, api_key="k-0123456789") as client:
            assert client.base_url == url


def test_base_url_trailing_slash(api: Api) -> None:
    added = api.fake.add_task("ark", status="queued")
    client = api.client("ark", base_url=api.fake.base_url + "/")
    assert client.get_task(added.id).status is TaskStatus.QUEUED


@pytest.mark.parametrize("url", ["ftp://example.com", "example.com", "http//x"])
def test_bad_base_url(api: Api, url: str) -> None:
    with pytest.raises(vtasks.ConfigurationError):
        api.client("ark", base_url=url)


@pytest.mark.parametrize("provider", ["openai", "ARKS", "", None, 3])
def test_unknown_provider(api: Api, provider: Any) -> None:
    with pytest.raises(vtasks.ConfigurationError) as info:
        api.client_class(provider, api_key="k-0123456789")
    assert isinstance(info.value, ValueError)
    assert "ark" in str(info.value)  # the known ones are listed


@pytest.mark.parametrize(
    "kwargs",
    [{"timeout": 0}, {"timeout": -1.0}, {"max_concurrency": 0}, {"max_retries": -1}],
)
def test_bad_settings(api: Api, kwargs: dict[str, Any]) -> None:
    with pytest.raises(vtasks.ConfigurationError):
        api.client("ark", **kwargs)


@pytest.mark.parametrize("key", ["sk-abc\r\nX-Evil: 1", "sk-abc\tdef", "sk-abcé", "sk-abc\ud800"])
def test_key_that_cannot_travel_in_a_header_refused(api: Api, key: str) -> None:
    with pytest.raises(vtasks.ConfigurationError) as info:
        api.client("ark", api_key=key)
    assert "sk-abc" not in str(info.value)


# ---- the caller's own HTTP client ---------------------------------------------------------------


def own_client(api: Api, seen: list[httpx.Request], **kwargs: Any) -> Any:
    if api.is_async:

        async def record_async(request: httpx.Request) -> None:
            seen.append(request)

        return httpx.AsyncClient(event_hooks={"request": [record_async]}, **kwargs)

    return httpx.Client(event_hooks={"request": [seen.append]}, **kwargs)


def close_own(api: Api, client: Any) -> None:
    if api.is_async:
        api.run(client.aclose())
    else:
        client.close()


@pytest.mark.parametrize("provider", PROVIDERS)
def test_own_http_client_used_with_auth(api: Api, provider: str) -> None:
    seen: list[httpx.Request] = []
    own = own_client(api, seen)
    try:
        added = api.fake.add_task(provider, status="succeeded")
        client = api.client(provider, http_client=own)
        client.get_task(added.id)
        assert seen  # every request went through it
        assert all(r.auth_ok for r in api.requests(provider))
        header, value = AUTH_HEADERS[provider]
        assert api.requests(provider)[0].headers[header] == value
        client.close()
        assert not own.is_closed  # the caller's to close
    finally:
        close_own(api, own)


def test_timeouts_on_by_default(api: Api) -> None:
    seen: list[httpx.Request] = []
    own = own_client(api, seen, timeout=None)  # a client without timeouts of its own
    try:
        added = api.fake.add_task("veo", status="running")
        api.client("veo", http_client=own).get_task(added.id)
        (request,) = seen
        assert request.extensions["timeout"] == httpx.Timeout(30.0).as_dict()
    finally:
        close_own(api, own)
    plain = api.client("veo")
    assert plain.raw.timeout == 30.0
    assert plain.raw._http.timeout == httpx.Timeout(30.0)


def test_timeout_none_leaves_the_clients_own(api: Api) -> None:
    seen: list[httpx.Request] = []
    own = own_client(api, seen, timeout=7.0)
    try:
        added = api.fake.add_task("veo", status="running")
        api.client("veo", http_client=own, timeout=None).get_task(added.id)
        assert seen[0].extensions["timeout"] == httpx.Timeout(7.0).as_dict()
    finally:
        close_own(api, own)


def test_context_managers_close_the_pool(api: Api) -> None:
    added = api.fake.add_task("ark", status="running")
    kwargs = {"api_key": api.fake.api_keys["ark"], "base_url": api.fake.base_url}
    if api.is_async:

        async def use() -> Any:
            async with vtasks.AsyncClient("ark", **kwargs) as client:
                assert (await client.get_task(added.id)).status is TaskStatus.RUNNING
            return client

        client = api.run(use())
    else:
        with vtasks.Client("ark", **kwargs) as client:
            assert client.get_task(added.id).status is TaskStatus.RUNNING
    assert client._http.is_closed


# ---- secrets ------------------------------------------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
def test_repr_never_shows_the_key(api: Api, provider: str) -> None:
    key = api.fake.api_keys[provider]
    client = api.client(provider)
    for text in (repr(client.raw), str(client.raw)):
        assert key not in text
        assert provider in text


def test_debug_log_one_line_per_request(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    added = api.fake.add_task("minimax", status="succeeded")
    api.fake.inject("minimax", "http_error", endpoint="get", status=503)
    with caplog.at_level(logging.DEBUG):
        api.client("minimax").get_task(added.id)
    lines = [r.getMessage() for r in caplog.records if r.name == "vtasks"]
    assert len(lines) == len(api.requests("minimax")) == 3
    pattern = re.compile(r"^minimax GET (http://\S+) -> (\d{3}) in \d+\.\d ms \(attempt (\d)\)$")
    parsed = [pattern.match(line) for line in lines]
    assert all(parsed), lines
    urls, statuses, attempts = zip(*(m.groups() for m in parsed if m), strict=True)
    assert statuses == ("503", "200", "200")
    assert attempts == ("1", "2", "1")
    assert urls[0] == f"{api.fake.base_url}/v1/query/video_generation?task_id={added.id}"
    assert urls[2].startswith(f"{api.fake.base_url}/v1/files/retrieve?file_id=")
    for provider in PROVIDERS:
        assert api.fake.api_keys[provider] not in caplog.text


def test_debug_log_transport_errors_and_redirect_hops(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    added = api.fake.add_task("aitoearn", status="running")
    api.fake.inject("aitoearn", "drop", endpoint="get")
    api.fake.inject("aitoearn", "redirect", endpoint="get")
    with caplog.at_level(logging.DEBUG, logger="vtasks"):
        api.client("aitoearn").get_task(added.id)
    lines = [r.getMessage() for r in caplog.records if r.name == "vtasks"]
    assert len(lines) == 3
    assert "RemoteProtocolError" in lines[0]
    assert "-> 302" in lines[1]
    assert api.fake.other_origin_url in lines[2]
    assert api.fake.api_keys["aitoearn"] not in caplog.text


def test_no_logging_at_info(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    added = api.fake.add_task("ark", status="running")
    with caplog.at_level(logging.INFO, logger="vtasks"):
        api.client("ark").get_task(added.id)
    assert [r for r in caplog.records if r.name == "vtasks"] == []


# ---- clocks -------------------------------------------------------------------------------------


def test_the_real_clock(api: Api) -> None:
    """No clock given: real time (asyncio.sleep for AsyncClient), against a fast simulator."""
    api.fake.clock.speed = 2000.0  # simulated seconds per real second
    added = api.fake.add_task("ark", lifecycle="succeeded", step_seconds=5)
    task = api.client("ark", clock=None).wait_for_task(added.id, poll_interval=0.002, timeout=5)
    assert task.status is TaskStatus.SUCCEEDED


def test_a_plain_sleep_works_for_both_clients(api: Api) -> None:
    clock = BridgeClock(api.fake)  # sleep() is a plain function, even for AsyncClient
    added = api.fake.add_task("vidu", lifecycle="succeeded", step_seconds=5)
    task = api.client("vidu", clock=clock).wait_for_task(added.id, poll_interval=5)
    assert task.status is TaskStatus.SUCCEEDED
    assert clock.sleeps == [5.0, 5.0, 5.0]
