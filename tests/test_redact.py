"""Secret redaction: vtasks._redact."""

from __future__ import annotations

from urllib.parse import quote, quote_plus

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vtasks._redact import REDACTED, is_sensitive_name, redact_headers, redact_text, redact_url

KEY = "sk-live_9f/3+Ab=="


class TestRedactHeaders:
    def test_credentials(self) -> None:
        headers = {
            "Authorization": f"Bearer {KEY}",
            "X-Api-Key": KEY,
            "Cookie": "session=abc",
            "Proxy-Authorization": "Basic dXNlcjpwYXNz",
            "Accept": "application/json",
            "X-Request-Id": "req-1",
            "x-ratelimit-remaining-tokens": "100",
        }
        assert redact_headers(headers) == {
            "Authorization": "Bearer <redacted>",
            "X-Api-Key": REDACTED,
            "Cookie": REDACTED,
            "Proxy-Authorization": "Basic <redacted>",
            "Accept": "application/json",
            "X-Request-Id": "req-1",
            "x-ratelimit-remaining-tokens": "100",
        }
        assert headers["X-Api-Key"] == KEY  # the input is not modified

    def test_vidu_token_scheme_and_bare_value(self) -> None:
        assert redact_headers({"authorization": f"Token {KEY}"}) == {
            "authorization": "Token <redacted>"
        }
        assert redact_headers({"Authorization": KEY}) == {"Authorization": REDACTED}

    def test_pairs_and_bytes(self) -> None:
        pairs = [(b"Authorization", f"Bearer {KEY}".encode()), (b"Set-Cookie", b"a=1"), ("A", "1")]
        assert redact_headers(pairs) == {
            "Authorization": "Bearer <redacted>",
            "Set-Cookie": REDACTED,
            "A": "1",
        }
        assert redact_headers([("Via", "a"), ("Via", "b")]) == {"Via": "a, b"}

    def test_httpx_headers(self) -> None:
        httpx = pytest.importorskip("httpx")
        headers = httpx.Headers({"Authorization": f"Bearer {KEY}", "X-Api-Key": KEY})
        assert KEY not in str(redact_headers(headers))

    @given(st.text(min_size=1, max_size=30).filter(lambda s: s.strip() == s and " " not in s))
    def test_never_leaks_bearer(self, secret: str) -> None:
        out = redact_headers({"Authorization": f"Bearer {secret}", "X-Api-Key": secret})
        assert out == {"Authorization": "Bearer <redacted>", "X-Api-Key": REDACTED}


@pytest.mark.parametrize(
    ("name", "sensitive"),
    [
        ("Authorization", True),
        ("x-api-key", True),
        ("X-Goog-Api-Key", True),
        ("api_key", True),
        ("apikey", True),
        ("key", True),
        ("token", True),
        ("access_token", True),
        ("X-Amz-Security-Token", True),
        ("X-Tos-Signature", True),
        ("signature", True),
        ("client_secret", True),
        ("id", False),
        ("task_id", False),
        ("page_size", False),
        ("keyword", False),
        ("x-ratelimit-remaining-tokens", False),
        ("Expires", False),
    ],
)
def test_is_sensitive_name(name: str, sensitive: bool) -> None:
    assert is_sensitive_name(name) is sensitive


class TestRedactText:
    def test_plain_and_encoded_forms(self) -> None:
        text = (
            f"Incorrect API key provided: {KEY}. "
            f"url=https://x/?k={quote(KEY, safe='')} form={quote_plus(KEY)}"
        )
        out = redact_text(text, [KEY])
        assert KEY not in out
        assert quote(KEY, safe="") not in out
        assert quote_plus(KEY) not in out
        assert out.count(REDACTED) == 3

    def test_skips_empty_and_none(self) -> None:
        assert redact_text("nothing here", ["", None]) == "nothing here"
        assert redact_text("", [KEY]) == ""

    def test_overlapping_secrets(self) -> None:
        # One pass, longest first: no fragments of either secret remain, and a
        # secret that occurs inside "<redacted>" does not mangle the marker.
        out = redact_text("abcdef and abc and red", ["abc", "abcdef", "red"])
        assert out == "<redacted> and <redacted> and <redacted>"

    @given(
        # Secrets share no character with the marker, so a leftover could not be
        # assembled from marker pieces: any remaining occurrence would be a miss.
        st.text(alphabet=st.characters(exclude_characters="<>redacted"), min_size=1, max_size=20),
        st.text(max_size=30),
        st.text(max_size=30),
    )
    def test_property(self, secret: str, before: str, after: str) -> None:
        out = redact_text(before + secret + after + secret, [secret])
        assert secret not in out
        assert REDACTED in out


class TestRedactUrl:
    def test_query_params(self) -> None:
        url = (
            "https://api.example/v1/video/query?id=veo3.1-fast:1760545785-eu"
            f"&api_key={KEY}&Token=t&X-Tos-Signature=abc%2F&Expires=1700000000&page=2"
        )
        assert redact_url(url) == (
            "https://api.example/v1/video/query?id=veo3.1-fast:1760545785-eu"
            "&api_key=<redacted>&Token=<redacted>&X-Tos-Signature=<redacted>"
            "&Expires=1700000000&page=2"
        )

    @pytest.mark.parametrize(
        "name", ["key", "token", "api_key", "apikey", "access_token", "signature", "Signature"]
    )
    def test_named_params(self, name: str) -> None:
        assert redact_url(f"https://h/p?{name}=SECRET&a=1") == f"https://h/p?{name}=<redacted>&a=1"

    def test_userinfo(self) -> None:
        assert redact_url("https://user:pw@h.example/x") == "https://user:<redacted>@h.example/x"
        assert redact_url("https://tok@h.example/x") == "https://<redacted>@h.example/x"

    def test_fragment_pairs(self) -> None:
        assert redact_url("https://h/cb#access_token=abc&state=1") == (
            "https://h/cb#access_token=<redacted>&state=1"
        )
        assert redact_url("https://h/doc#section-2") == "https://h/doc#section-2"

    @pytest.mark.parametrize(
        "url",
        [
            "",
            "https://api.vidu.com/ent/v2/tasks?states=success&states=failed&pager.page=0",
            "https://h/p?flag&x=1",
            "relative/path?id=1",
            "http://[::1]:8080/x?id=1",
        ],
    )
    def test_unchanged(self, url: str) -> None:
        assert redact_url(url) == url

    @given(st.text(max_size=60))
    def test_never_raises(self, url: str) -> None:
        assert isinstance(redact_url(url), str)

    @given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=8, max_size=30))
    def test_token_never_leaks(self, secret: str) -> None:
        out = redact_url(f"https://h/p?id=1&access_token={secret}")
        assert out == "https://h/p?id=1&access_token=<redacted>"
