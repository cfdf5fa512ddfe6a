"""Content decoding with a size cap, so a compressed answer cannot inflate past it.

vtasks reads bodies raw and decodes them here rather than through httpx, because httpx inflates
each network read whole: a 64 KiB read of a gzip bomb becomes 64 MiB at once, whatever cap is
checked afterwards. Here every piece is inflated with ``max_length`` set to what the cap still
allows, and a compressed stream that stops before its end is reported, not taken as complete.
"""

from __future__ import annotations

import zlib

__all__ = ["ACCEPT_ENCODING", "BodyDecoder", "TooLarge", "Truncated", "UnsupportedEncoding"]

#: What vtasks asks API answers in (and can decode itself, bounded).
ACCEPT_ENCODING = "gzip, deflate"

_GZIP = zlib.MAX_WBITS | 16
_ZLIB = zlib.MAX_WBITS
_RAW = -zlib.MAX_WBITS


class TooLarge(Exception):  # noqa: N818 - a condition, turned into a vtasks error by the flow
    """The decoded body would exceed the cap."""


class Truncated(Exception):  # noqa: N818
    """A compressed body ended before its compressed stream did."""


class UnsupportedEncoding(Exception):  # noqa: N818
    """A ``Content-Encoding`` vtasks did not ask for and cannot decode."""


class _Inflater:
    """One gzip or deflate layer, inflating at most what it is allowed to."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self.wbits = _GZIP if encoding in ("gzip", "x-gzip") else _ZLIB
        self.inflater = zlib.decompressobj(self.wbits)
        self.first = True  # "deflate" is zlib-wrapped by the RFC, raw by some servers

    def inflate(self, data: bytes, budget: int) -> bytes:
        """Up to ``budget`` bytes from ``data``; :class:`TooLarge` when more would come."""
        try:
            out = self.inflater.decompress(data, budget)
        except zlib.error:
            if not (self.first and self.wbits == _ZLIB):
                raise
            self.wbits, self.inflater = _RAW, zlib.decompressobj(_RAW)
            out = self.inflater.decompress(data, budget)
        self.first = False
        if self.inflater.unconsumed_tail:
            raise TooLarge
        if self.inflater.eof and self.inflater.unused_data.strip(b"\0"):
            # A second gzip member (concatenated files): go on with a fresh inflater.
            rest = self.inflater.unused_data
            self.inflater = zlib.decompressobj(self.wbits)
            out += self.inflate(rest, budget - len(out))
        return out

    def finish(self) -> None:
        """Raise :class:`Truncated` when the compressed stream has not reached its end."""
        if not self.inflater.eof:
            raise Truncated(self.encoding)


class BodyDecoder:
    """Decodes a body piece by piece, never holding more than ``limit`` decoded bytes.

    Args:
        content_encoding: The answer's ``Content-Encoding`` (``None``: identity).
        limit: The largest decoded body accepted (``None``: no cap).

    Raises:
        UnsupportedEncoding: An encoding other than identity, gzip and deflate.
    """

    def __init__(self, content_encoding: str | None, limit: int | None) -> None:
        self.limit = limit
        self.size = 0
        self.layers: list[_Inflater] = []
        for raw in reversed((content_encoding or "").split(",")):
            encoding = raw.strip().lower()
            if encoding in ("", "identity"):
                continue
            if encoding not in ("gzip", "x-gzip", "deflate"):
                raise UnsupportedEncoding(encoding)
            self.layers.append(_Inflater(encoding))

    def feed(self, data: bytes) -> bytes:
        """The decoded bytes of ``data``; :class:`TooLarge` past the cap."""
        limit = self.limit
        for layer in self.layers:
            budget = (limit - self.size + 1) if limit is not None else 0  # 0: no max_length
            data = layer.inflate(data, budget)
        self.size += len(data)
        if limit is not None and self.size > limit:
            raise TooLarge
        return data

    def finish(self) -> None:
        """Check that every compressed layer came to its end (:class:`Truncated` if not)."""
        for layer in self.layers:
            layer.finish()
