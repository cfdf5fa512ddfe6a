"""The HTTP clients vtasks makes for itself: httpx's, without a cost an answer with no cookie brings.

httpx hands every answer to :mod:`http.cookiejar`, which first copies the request into a
``urllib`` request and the headers into an ``email`` message: about as much CPU as vtasks'
whole handling of a small answer. API answers rarely set cookies, so the jar here looks for a
``Set-Cookie`` header first and does all that only when there is one. What is stored, and sent
back, is unchanged. A caller's own ``http_client`` is used as it is.
"""

from __future__ import annotations

from typing import Any

import httpx

__all__ = ["AsyncClient", "Client", "Cookies"]


class Cookies(httpx.Cookies):
    """httpx's cookie jar, consulted only for answers that set a cookie."""

    def extract_cookies(self, response: httpx.Response) -> None:
        """Store the answer's cookies, if it sets any (``Set-Cookie``, ``Set-Cookie2``)."""
        headers = response.headers
        if "set-cookie" in headers or "set-cookie2" in headers:
            super().extract_cookies(response)


class Client(httpx.Client):
    """An ``httpx.Client`` whose jar is a :class:`Cookies`."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._jar = Cookies(options.get("cookies"))

    @property
    def cookies(self) -> httpx.Cookies:
        """The client's cookies (a :class:`Cookies`)."""
        return self._jar

    @cookies.setter
    def cookies(self, cookies: Any) -> None:
        self._jar = Cookies(cookies)


class AsyncClient(httpx.AsyncClient):
    """An ``httpx.AsyncClient`` whose jar is a :class:`Cookies`."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._jar = Cookies(options.get("cookies"))

    @property
    def cookies(self) -> httpx.Cookies:
        """The client's cookies (a :class:`Cookies`)."""
        return self._jar

    @cookies.setter
    def cookies(self, cookies: Any) -> None:
        self._jar = Cookies(cookies)
