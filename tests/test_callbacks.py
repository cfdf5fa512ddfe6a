"""vtasks.callbacks.parse: each vendor's pushes, Vidu's signature, URL tokens, bad bodies, bad arguments.

Pure functions of the request, so no socket here; the simulator's deliveries to real receivers
are tested in test_simulator_callbacks.py and test_examples.py. The Vidu signatures below are made
by this file's own signer, written from the vendor's page (platform.vidu.com/docs/callback-signature),
not by vtasks' code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import pickle
from datetime import UTC, datetime, timedelta
from email.message import Message
from typing import Any
from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

import vtasks
from vtasks import TaskStatus, callbacks
from vtasks._callbacks.verify import vidu_signing_string

KEY = "sk-vidu-secret-0001"
TOKEN = "tok-3f9a1c7e5b2d4e6f"
DATE = "Tue, 06 May 2025 12:09:42 GMT"
DATE_TS = datetime(2025, 5, 6, 12, 9, 42, tzinfo=UTC).timestamp()
NONCE = "123e4567-e89b-12d3-a456-426614174000"
VIDU_URL = "https://hooks.example.com/vidu/callback?name=james&age=36"

VIDU_TASK = {
    "id": "850452339872035812",
    "state": "success",
    "err_code": "",
    "credits": 20,
    "creations": [
        {"id": "9001", "url": "https://cdn.example.com/v.mp4", "cover_url": "https://c/x.jpg"}
    ],
}
ARK_TASK = {
    "id": "cgt-20250606-abcde",
    "model": "doubao-seedance-1-0-pro-250528",
    "status": "succeeded",
    "content": {"video_url": "https://cdn.example.com/a.mp4"},
    "created_at": 1746533300,
    "updated_at": 1746533382,
}


def sign(
    url: str,
    *,
    key: str = KEY,
    date: str = DATE,
    nonce: str = NONCE,
    method: str = "POST",
    signed: str = "Date;x-request-nonce",
    algorithm: str = "hmac-sha256",
    access_key: str = "vidu",
) -> dict[str, str]:
    """The headers Vidu sends with a callback, signed as its page describes."""
    parts = urlsplit(url)
    values = {"date": date, "x-request-nonce": nonce}
    text = "\n".join((method, parts.path or "/", parts.query, "vidu", date)) + "\n"
    text += "".join(f"{name}:{values[name.lower()]}\n" for name in signed.split(";"))
    digest = hmac.new(key.encode(), text.encode(), hashlib.sha256).digest()
    return {
        "Content-Type": "application/json",
        "Date": date,
        "x-request-nonce": nonce,
        "X-HMAC-SIGNED-HEADERS": signed,
        "X-HMAC-SIGNATURE": base64.b64encode(digest).decode(),
        "X-HMAC-ALGORITHM": algorithm,
        "X-HMAC-ACCESS-KEY": access_key,
    }


def body(obj: Any) -> bytes:
    return json.dumps(obj).encode()


def vidu(
    headers: Any = None, payload: bytes | None = None, **kwargs: Any
) -> callbacks.CallbackResult:
    options: dict[str, Any] = {"secret": KEY, "now": DATE_TS, "url": VIDU_URL, "method": "POST"}
    options.update(kwargs)
    if headers is None:
        headers = sign(options["url"])
    return callbacks.parse(
        "vidu", headers=headers, body=body(VIDU_TASK) if payload is None else payload, **options
    )


# ---- Vidu: the signature --------------------------------------------------------------------


def test_signing_string_is_the_vendors_example() -> None:
    text = vidu_signing_string(
        "POST",
        "http://127.0.0.1:8080/vidu/callback?name=james&age=36",
        DATE,
        [("Date", DATE), ("x-request-nonce", NONCE)],
    )
    assert text == (
        "POST\n/vidu/callback\nname=james&age=36\nvidu\nTue, 06 May 2025 12:09:42 GMT\n"
        "Date:Tue, 06 May 2025 12:09:42 GMT\n"
        "x-request-nonce:123e4567-e89b-12d3-a456-426614174000\n"
    )


@pytest.mark.parametrize(
    ("url", "path", "query"),
    [
        ("http://127.0.0.1:8080", "/", ""),
        ("http://127.0.0.1:8080/", "/", ""),
        ("https://h/hooks?b=2&a=1", "/hooks", "b=2&a=1"),  # as registered: not sorted
        ("/hooks/vidu?x=%2F&y", "/hooks/vidu", "x=%2F&y"),  # a request target, still encoded
        ("//hooks//vidu", "//hooks//vidu", ""),  # a target is a path, never a host
        ("/hooks#frag", "/hooks", ""),
    ],
)
def test_signing_string_path_and_query(url: str, path: str, query: str) -> None:
    text = vidu_signing_string("post", url, DATE, [])
    assert text == f"POST\n{path}\n{query}\nvidu\n{DATE}\n"


def test_a_signed_push_gives_the_task() -> None:
    result = vidu()
    assert result.kind == "task"
    assert result.authenticated
    assert result.nonce == NONCE
    assert result.task is not None
    assert result.task.provider == "vidu"
    assert result.task.id == "850452339872035812"
    assert result.task.status is TaskStatus.SUCCEEDED
    assert result.task.video_url == "https://cdn.example.com/v.mp4"
    assert (result.status, result.body) == (200, b"{}")
    assert dict(result.headers) == {"Content-Type": "application/json"}


@pytest.mark.parametrize("state", ["processing", "success", "failed"])
def test_vidu_statuses(state: str) -> None:
    result = vidu(payload=body({**VIDU_TASK, "state": state}))
    assert result.task is not None
    assert result.task.raw_status == state


def test_a_cancelled_vidu_task_reads_cancelled() -> None:
    result = vidu(payload=body({**VIDU_TASK, "state": "failed", "err_code": "UserCancelled"}))
    assert result.task is not None
    assert result.task.status is TaskStatus.CANCELLED


def test_header_names_in_any_case_and_any_container() -> None:
    signed = sign(VIDU_URL)
    lower = {name.lower(): value for name, value in signed.items()}
    assert vidu(headers=lower).authenticated
    assert vidu(headers=list(signed.items())).authenticated
    message = Message()  # what http.server hands a handler as self.headers
    for name, value in signed.items():
        message[name] = value
    assert vidu(headers=message).authenticated
    assert vidu(headers={k: v.encode() for k, v in signed.items()}).authenticated  # ASGI bytes


def test_the_url_may_be_the_request_target() -> None:
    target = "/vidu/callback?name=james&age=36"
    assert vidu(headers=sign(target), url=target).authenticated
    assert vidu(headers=sign(VIDU_URL), url=target).authenticated  # same path and query


def test_the_signed_header_list_may_name_more_headers() -> None:
    headers = sign(VIDU_URL, signed="x-request-nonce;Date")
    assert vidu(headers=headers).authenticated


@pytest.mark.parametrize(
    ("change", "what"),
    [
        ({"key": "sk-vidu-other-0002"}, "signature"),
        ({"method": "PUT"}, "signature"),
        ({"nonce": "another"}, "signature"),
        ({"date": "Tue, 06 May 2025 12:09:43 GMT"}, "signature"),
        ({"algorithm": "hmac-sha1"}, "algorithm"),
        ({"access_key": "someone"}, "access key"),
        ({"signed": "Date"}, "x-request-nonce"),
    ],
)
def test_a_wrong_signature_is_refused(change: dict[str, str], what: str) -> None:
    headers = sign(VIDU_URL, **change)
    if "nonce" in change or "date" in change:
        # The header says one thing and the signature covers another.
        headers["x-request-nonce"], headers["Date"] = NONCE, DATE
    with pytest.raises(callbacks.CallbackSignatureError) as caught:
        vidu(headers=headers)
    assert what in str(caught.value)
    assert caught.value.response_status == 401
    assert KEY not in str(caught.value) + repr(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.example.com/vidu/callback?name=james&age=37",
        "https://hooks.example.com/vidu/callback?age=36&name=james",
        "https://hooks.example.com/vidu/other?name=james&age=36",
    ],
)
def test_the_signature_covers_path_and_query(url: str) -> None:
    with pytest.raises(callbacks.CallbackSignatureError, match="signature"):
        vidu(headers=sign(VIDU_URL), url=url)


@pytest.mark.parametrize(
    "header",
    [
        "Date",
        "x-request-nonce",
        "X-HMAC-SIGNED-HEADERS",
        "X-HMAC-SIGNATURE",
        "X-HMAC-ALGORITHM",
        "X-HMAC-ACCESS-KEY",
    ],
)
def test_every_signature_header_is_required(header: str) -> None:
    headers = sign(VIDU_URL)
    del headers[header]
    with pytest.raises(callbacks.CallbackSignatureError, match=header):
        vidu(headers=headers)


@pytest.mark.parametrize("signature", ["", "not base64!", "AAAA", "\u00e9t\u00e9"])
def test_a_malformed_signature_is_refused(signature: str) -> None:
    headers = sign(VIDU_URL)
    headers["X-HMAC-SIGNATURE"] = signature
    with pytest.raises(callbacks.CallbackSignatureError):
        vidu(headers=headers)


def test_a_repeated_signed_header_is_refused() -> None:
    pairs = [*sign(VIDU_URL).items(), ("x-request-nonce", "second")]
    with pytest.raises(callbacks.CallbackSignatureError, match="more than once"):
        vidu(headers=pairs)


def test_the_body_is_not_signed() -> None:
    # Documented: whoever can replay a signed request within max_age can change its body, which
    # is why the docs say to re-fetch the task by id before acting on it.
    forged = vidu(payload=body({**VIDU_TASK, "state": "failed"}))
    assert forged.authenticated
    assert forged.task is not None
    assert forged.task.raw_status == "failed"


# ---- Vidu: freshness and replays ----------------------------------------------------------


@pytest.mark.parametrize("offset", [-300.0, -299.0, 0.0, 299.0, 300.0])
def test_a_date_within_max_age_either_way_is_fresh(offset: float) -> None:
    assert vidu(now=DATE_TS + offset).authenticated


@pytest.mark.parametrize(("offset", "word"), [(301.0, "old"), (-301.0, "future")])
def test_a_date_outside_max_age_is_refused(offset: float, word: str) -> None:
    with pytest.raises(callbacks.CallbackSignatureError, match=word):
        vidu(now=DATE_TS + offset)


def test_max_age_and_now_as_datetime() -> None:
    sent = datetime.fromtimestamp(DATE_TS, tz=UTC)
    assert vidu(now=sent + timedelta(seconds=59), max_age=60).authenticated
    with pytest.raises(callbacks.CallbackSignatureError):
        vidu(now=sent + timedelta(seconds=61), max_age=60)


def test_now_defaults_to_the_system_clock() -> None:
    date = datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")
    result = callbacks.parse(
        "vidu",
        method="POST",
        url=VIDU_URL,
        headers=sign(VIDU_URL, date=date),
        body=body(VIDU_TASK),
        secret=KEY,
    )
    assert result.authenticated
    with pytest.raises(callbacks.CallbackSignatureError, match="old"):
        callbacks.parse(
            "vidu", method="POST", url=VIDU_URL, headers=sign(VIDU_URL), body=b"{}", secret=KEY
        )


@pytest.mark.parametrize(
    "date", ["Tue, 06 May 2025 12:09:42 -0000", "Tue, 06 May 2025 14:09:42 +0200"]
)
def test_dates_with_other_zones(date: str) -> None:
    assert vidu(headers=sign(VIDU_URL, date=date), now=DATE_TS + 1).authenticated


@pytest.mark.parametrize("date", ["yesterday", "", "Tue, 99 May 2025 12:09:42 GMT"])
def test_an_unreadable_date_is_refused(date: str) -> None:
    with pytest.raises(callbacks.CallbackSignatureError, match="Date"):
        vidu(headers=sign(VIDU_URL, date=date))


def test_a_seen_nonce_is_a_replay() -> None:
    seen: set[str] = set()

    def seen_nonce(nonce: str) -> bool:
        if nonce in seen:
            return True
        seen.add(nonce)
        return False

    assert vidu(seen_nonce=seen_nonce).authenticated
    with pytest.raises(callbacks.CallbackSignatureError, match="replay"):
        vidu(seen_nonce=seen_nonce)
    assert seen == {NONCE}


def test_the_nonce_hook_sees_only_verified_fresh_requests() -> None:
    asked: list[str] = []

    def seen_nonce(nonce: str) -> bool:
        asked.append(nonce)
        return False

    with pytest.raises(callbacks.CallbackSignatureError):
        vidu(headers=sign(VIDU_URL, key="sk-vidu-other-0002"), seen_nonce=seen_nonce)
    with pytest.raises(callbacks.CallbackSignatureError):
        vidu(now=DATE_TS + 3600, seen_nonce=seen_nonce)
    assert asked == []


# ---- Ark / volc: unsigned, an optional URL token -------------------------------------------


@pytest.mark.parametrize("provider", ["ark", "volc"])
@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("queued", TaskStatus.QUEUED),
        ("running", TaskStatus.RUNNING),
        ("succeeded", TaskStatus.SUCCEEDED),
        ("failed", TaskStatus.FAILED),
        ("expired", TaskStatus.EXPIRED),
    ],
)
def test_ark_pushes_the_task_object(provider: str, raw: str, status: TaskStatus) -> None:
    result = callbacks.parse(
        provider,
        method="POST",
        url="https://you.example/hooks/ark",
        headers={"Content-Type": "application/json"},
        body=body({**ARK_TASK, "status": raw}),
    )
    assert result.task is not None
    assert (result.task.provider, result.task.id, result.task.status) == (
        provider,
        ARK_TASK["id"],
        status,
    )
    assert not result.authenticated
    assert result.nonce is None
    assert (result.status, result.body) == (200, b"{}")


def test_ark_with_a_url_token() -> None:
    result = callbacks.parse(
        "ark",
        method="POST",
        url=f"https://you.example/hooks/ark?token={TOKEN}",
        headers={},
        body=body(ARK_TASK),
        secret=TOKEN,
    )
    assert result.authenticated
    assert result.task is not None
    assert result.task.video_url == "https://cdn.example.com/a.mp4"


def test_the_token_is_compared_decoded() -> None:
    token = "a+b/c=d~e f"
    url = "/hooks/ark?x=1&token=a%2Bb%2Fc%3Dd~e+f"
    result = callbacks.parse(
        "ark", method="POST", url=url, headers={}, body=body(ARK_TASK), secret=token
    )
    assert result.authenticated


@pytest.mark.parametrize(
    "query",
    ["", "?token=", "?token=tok-3f9a1c7e5b2d4e6", "?tok=" + TOKEN, f"?token={TOKEN}&token={TOKEN}"],
)
def test_a_wrong_or_missing_token_is_refused(query: str) -> None:
    with pytest.raises(callbacks.CallbackSignatureError, match="token") as caught:
        callbacks.parse(
            "ark",
            method="POST",
            url=f"https://you.example/hooks/ark{query}",
            headers={},
            body=body(ARK_TASK),
            secret=TOKEN,
        )
    assert TOKEN not in str(caught.value) + repr(caught.value)
    assert caught.value.response_status == 401


def test_the_token_is_checked_before_the_body() -> None:
    with pytest.raises(callbacks.CallbackSignatureError):
        callbacks.parse(
            "ark", method="POST", url="/hooks/ark", headers={}, body=b"not json", secret=TOKEN
        )


# ---- MiniMax: the challenge, then pushes ---------------------------------------------------


def minimax(payload: Any, **kwargs: Any) -> callbacks.CallbackResult:
    options: dict[str, Any] = {"method": "POST", "url": "https://you.example/hooks/minimax"}
    options.update(kwargs)
    return callbacks.parse("minimax", headers={}, body=body(payload), **options)


@pytest.mark.parametrize("value", ["a1b2c3", "", 12345, {"nested": [1, "\u4e2d"]}])
def test_the_challenge_is_echoed(value: Any) -> None:
    result = minimax({"challenge": value})
    assert result.kind == "challenge"
    assert result.task is None
    assert result.status == 200
    assert dict(result.headers) == {"Content-Type": "application/json"}
    assert json.loads(result.body) == {"challenge": value}


def test_a_null_challenge_is_not_a_challenge() -> None:
    result = minimax({"challenge": None, "task_id": "3001", "status": "processing"})
    assert result.kind == "task"


def test_the_challenge_needs_the_token_when_given() -> None:
    url = f"https://you.example/hooks/minimax?token={TOKEN}"
    assert minimax({"challenge": "x"}, url=url, secret=TOKEN).authenticated
    with pytest.raises(callbacks.CallbackSignatureError):
        minimax({"challenge": "x"}, secret=TOKEN)


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("processing", TaskStatus.RUNNING),
        ("success", TaskStatus.SUCCEEDED),
        ("Success", TaskStatus.SUCCEEDED),
        ("failed", TaskStatus.FAILED),
        ("fail", TaskStatus.FAILED),
        ("Fail", TaskStatus.FAILED),
        ("Failed", TaskStatus.FAILED),
    ],
)
def test_minimax_callback_statuses(raw: str, status: TaskStatus) -> None:
    push = {
        "task_id": "115334141465231360",
        "status": raw,
        "file_id": "205258526306433",
        "base_resp": {"status_code": 0, "status_msg": "success"},
    }
    result = minimax(push)
    assert result.task is not None
    assert (result.task.id, result.task.status, result.task.raw_status) == (
        "115334141465231360",
        status,
        raw,
    )
    # The push names the file, not its URL: files/retrieve (client.get_task) gives that.
    assert result.task.video_url is None
    assert result.task.raw["file_id"] == "205258526306433"


def test_a_failed_minimax_push_keeps_its_reason() -> None:
    push = {
        "task_id": "3001",
        "status": "failed",
        "base_resp": {"status_code": 1027, "status_msg": "output sensitive"},
    }
    task = minimax(push).task
    assert task is not None
    assert (task.error_code, task.error) == ("1027", "output sensitive")


# ---- bodies ---------------------------------------------------------------------------------


def ark(payload: bytes, **kwargs: Any) -> callbacks.CallbackResult:
    options: dict[str, Any] = {"method": "POST", "url": "/hooks/ark", "headers": {}}
    options.update(kwargs)
    return callbacks.parse("ark", body=payload, **options)


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        (b"", "empty"),
        (b"<html>nope</html>", "JSON"),
        (b"\xff\xfe\x00garbage", "JSON"),
        (b"[1, 2]", "object"),
        (b'"text"', "object"),
        (b"[" * 100_000 + b"]" * 100_000, "JSON"),
        (b'{"status": "succeeded"}', "id"),
    ],
)
def test_a_bad_body_is_a_callback_error(payload: bytes, words: str) -> None:
    with pytest.raises(callbacks.CallbackError, match=words) as caught:
        ark(payload)
    error = caught.value
    assert not isinstance(error, callbacks.CallbackSignatureError)
    assert error.provider == "ark"
    assert error.response_status == 400
    assert error.body == payload[: 64 * 1024].decode("utf-8", "replace")


def test_a_body_over_the_cap_is_refused_unread() -> None:
    payload = b'{"id": "' + b"x" * callbacks.MAX_BODY_BYTES + b'"}'
    with pytest.raises(callbacks.CallbackError, match="MiB") as caught:
        ark(payload)
    assert caught.value.response_status == 413
    assert caught.value.body_truncated
    assert len(caught.value.body or "") == 64 * 1024
    # Exactly at the cap is read.
    head, tail = b'{"id": "a", "pad": "', b'"}'
    fits = head + b"x" * (callbacks.MAX_BODY_BYTES - len(head) - len(tail)) + tail
    assert len(fits) == callbacks.MAX_BODY_BYTES
    assert ark(fits).task is not None


def test_the_secret_is_scrubbed_from_a_kept_body() -> None:
    url = f"/hooks/ark?token={TOKEN}"
    with pytest.raises(callbacks.CallbackError) as caught:
        ark(b'{"echo": "' + TOKEN.encode() + b'"}', url=url, secret=TOKEN)
    assert TOKEN not in (caught.value.body or "")
    assert "<redacted>" in (caught.value.body or "")
    with pytest.raises(callbacks.CallbackError) as caught:
        vidu(payload=b"not json " + KEY.encode())
    assert KEY not in (caught.value.body or "") + str(caught.value)


@pytest.mark.parametrize("method", ["GET", "PUT", "HEAD"])
def test_only_post_is_a_callback(method: str) -> None:
    with pytest.raises(callbacks.CallbackError, match="POST") as caught:
        callbacks.parse("ark", method=method, url="/hooks/ark", headers={}, body=body(ARK_TASK))
    assert caught.value.response_status == 405


def test_the_method_is_read_in_any_case() -> None:
    result = callbacks.parse("ark", method="post", url="/h", headers={}, body=body(ARK_TASK))
    assert result.task is not None


# ---- arguments --------------------------------------------------------------------------------


GOOD: dict[str, Any] = {"method": "POST", "url": "/hooks", "headers": {}, "body": b"{}"}


@pytest.mark.parametrize(
    ("provider", "changes"),
    [
        ("runway", {}),
        (None, {}),
        ("ark", {"method": None}),
        ("ark", {"method": ""}),
        ("ark", {"method": "PO ST"}),
        ("ark", {"url": None}),
        ("ark", {"url": "hooks/ark"}),
        ("ark", {"url": "ftp://x/hooks"}),
        ("ark", {"url": "http://[::1/hooks"}),
        ("ark", {"headers": None}),
        ("ark", {"headers": "Date: x"}),
        ("ark", {"headers": [("a",)]}),
        ("ark", {"headers": {"a": 1}}),
        ("ark", {"headers": {1: "a"}}),
        ("ark", {"body": "{}"}),
        ("ark", {"body": None}),
        ("ark", {"secret": 1234567890}),
        ("ark", {"secret": "short"}),
        ("ark", {"secret": ""}),
        ("vidu", {}),  # Vidu needs the API key
        ("ark", {"now": "now"}),
        ("ark", {"now": True}),
        ("ark", {"now": float("nan")}),
        ("ark", {"now": datetime(2025, 5, 6, 12, 9, 42)}),  # naive
        ("ark", {"max_age": 0}),
        ("ark", {"max_age": -1}),
        ("ark", {"max_age": float("inf")}),
        ("ark", {"max_age": True}),
        ("ark", {"max_age": "300"}),
        ("ark", {"seen_nonce": "yes"}),
        ("veo", {"body": None}),  # a bad argument first, even where callbacks are unsupported
    ],
)
def test_bad_arguments_are_configuration_errors(provider: Any, changes: dict[str, Any]) -> None:
    with pytest.raises(vtasks.ConfigurationError):
        callbacks.parse(provider, **{**GOOD, **changes})


def test_vidu_needs_its_secret_before_anything_else() -> None:
    with pytest.raises(vtasks.ConfigurationError, match="API key"):
        callbacks.parse("vidu", method="GET", url="/x", headers={}, body=b"junk")


@pytest.mark.parametrize("provider", ["veo", "aitoearn"])
def test_vendors_without_callbacks(provider: str) -> None:
    with pytest.raises(vtasks.UnsupportedOperation) as caught:
        callbacks.parse(provider, **GOOD)
    assert caught.value.provider == provider
    assert "callbacks" in str(caught.value)


def test_the_module_is_public_but_not_imported_by_vtasks() -> None:
    assert "callbacks" not in vtasks.__all__
    assert vtasks.CallbackError is callbacks.CallbackError
    assert vtasks.CallbackSignatureError is callbacks.CallbackSignatureError
    assert issubclass(vtasks.CallbackSignatureError, vtasks.CallbackError)
    assert issubclass(vtasks.CallbackError, vtasks.VTasksError)


def test_result_is_frozen_and_pickles() -> None:
    result = vidu()
    with pytest.raises(AttributeError):
        result.status = 500  # type: ignore[misc]
    again = pickle.loads(pickle.dumps(result))
    assert again == result


# ---- properties -------------------------------------------------------------------------------

_HEADERS = st.dictionaries(
    st.sampled_from(
        [
            "Date",
            "x-request-nonce",
            "X-HMAC-SIGNED-HEADERS",
            "X-HMAC-SIGNATURE",
            "X-HMAC-ALGORITHM",
            "X-HMAC-ACCESS-KEY",
            "X-Other",
        ]
    ),
    st.text(max_size=40),
)


@given(
    provider=st.sampled_from(["ark", "volc", "minimax", "vidu"]),
    headers=_HEADERS,
    payload=st.one_of(
        st.binary(max_size=200),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=10),
            lambda inner: (
                st.lists(inner, max_size=3)
                | st.dictionaries(
                    st.sampled_from(
                        [
                            "id",
                            "task_id",
                            "status",
                            "state",
                            "challenge",
                            "content",
                            "creations",
                            "error",
                            "base_resp",
                        ]
                    ),
                    inner,
                    max_size=5,
                )
            ),
            max_leaves=12,
        ).map(lambda obj: json.dumps(obj).encode()),
    ),
    query=st.sampled_from(["", f"?token={TOKEN}", "?token=x"]),
    echo=st.booleans(),
)
def test_a_result_or_a_callback_error_whatever_arrives(
    provider: str, headers: dict[str, str], payload: bytes, query: str, echo: bool
) -> None:
    secret = KEY if provider == "vidu" else TOKEN
    if echo:  # the secret inside the body, where an error would keep it
        payload = (
            payload.replace(b'"', b'"' + secret.encode(), 1)
            if b'"' in payload
            else payload + secret.encode()
        )
    outcome: callbacks.CallbackResult | callbacks.CallbackError
    try:
        outcome = callbacks.parse(
            provider,
            method="POST",
            url=f"/hooks{query}",
            headers=headers,
            body=payload,
            secret=secret,
            now=DATE_TS,
        )
    except callbacks.CallbackError as error:
        outcome = error
    if isinstance(outcome, callbacks.CallbackError):
        assert secret not in str(outcome) + repr(outcome) + (outcome.body or "")
        assert outcome.response_status in (400, 401, 413)
    else:
        assert isinstance(outcome.status, int)
        assert isinstance(outcome.body, bytes)
        assert outcome.kind in ("task", "challenge")


# ---- NonceCache -------------------------------------------------------------------------------


class Ticks:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_nonce_cache_remembers_for_twice_max_age() -> None:
    ticks = Ticks()
    cache = callbacks.NonceCache(max_age=10.0, clock=ticks)
    assert cache("a") is False
    assert cache("a") is True
    assert cache("b") is False
    ticks.now += 19.9
    assert cache("a") is True
    ticks.now += 0.2  # 20.1 s after "a" was first seen: a Date that old is refused anyway
    assert cache("a") is False
    assert len(cache) == 1  # "b" expired too


def test_nonce_cache_is_bounded() -> None:
    cache = callbacks.NonceCache(max_size=3, clock=Ticks())
    for nonce in "abcd":
        assert cache(nonce) is False
    assert len(cache) == 3
    assert cache("a") is False  # the oldest went first
    assert cache("d") is True


def test_nonce_cache_rejects_replays_through_parse() -> None:
    cache = callbacks.NonceCache()
    assert vidu(seen_nonce=cache).authenticated
    with pytest.raises(callbacks.CallbackSignatureError, match="replay"):
        vidu(seen_nonce=cache)


@pytest.mark.parametrize(
    "changes", [{"max_age": 0}, {"max_size": 0}, {"max_size": 1.5}, {"clock": 1}]
)
def test_nonce_cache_arguments(changes: dict[str, Any]) -> None:
    with pytest.raises(vtasks.ConfigurationError):
        callbacks.NonceCache(**changes)


def test_nonce_cache_is_thread_safe() -> None:
    import threading

    cache = callbacks.NonceCache()
    fresh: list[bool] = []
    barrier = threading.Barrier(8)

    def claim() -> None:
        barrier.wait()
        fresh.append(not cache("same"))

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert fresh.count(True) == 1
