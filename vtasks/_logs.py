"""Keeping API keys out of httpx's and httpcore's own log records.

vtasks' own ``vtasks`` logger never shows a header and scrubs every URL. httpx and httpcore log
too, and not for vtasks: httpx at INFO (``HTTP Request: GET <url> "HTTP/1.1 200 OK"``, the URL
of every hop, a redirect's included) and httpcore at DEBUG (every response's headers verbatim,
so a gateway that echoes the key into a header puts it in the log). :func:`scrub_http_logs`
installs a filter on their loggers that removes the key of every live vtasks client from each
record before any handler sees it.
"""

from __future__ import annotations

import logging
import weakref
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._answers import Scrubber

__all__ = ["HTTP_LOGGERS", "ScrubbingFilter", "register", "scrub_http_logs"]

#: The loggers httpx and httpcore write to (a filter applies only where a record is made).
HTTP_LOGGERS = (
    "httpx",
    "httpcore",
    "httpcore.connection",
    "httpcore.connection_pool",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
)

_LIVE: weakref.WeakSet[Scrubber] = weakref.WeakSet()


def register(scrubber: Scrubber) -> None:
    """Have :class:`ScrubbingFilter` remove this client's key (for as long as it lives)."""
    _LIVE.add(scrubber)


class ScrubbingFilter(logging.Filter):
    """A logging filter removing the key of every live vtasks client from a record's message."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Scrub ``record`` in place; never drops it."""
        scrubbers = list(_LIVE)
        if not scrubbers:
            return True
        message = record.getMessage()
        clean = message
        for scrubber in scrubbers:
            clean = scrubber.text(clean) or ""
        if clean != message:
            record.msg, record.args = clean, ()
        return True


_FILTER = ScrubbingFilter()


def scrub_http_logs() -> ScrubbingFilter:
    """Keep every vtasks client's key out of httpx's and httpcore's log records.

    Installs one :class:`ScrubbingFilter` on each of :data:`HTTP_LOGGERS` (calling it again does
    nothing more) and returns it, so that it can be removed with ``logger.removeFilter``. Scrubbing
    costs a little per record, so it is left to you: only records that are made are scrubbed,
    and httpcore makes none unless its DEBUG level is on.
    """
    for name in HTTP_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
    return _FILTER
