"""Content decoding with a size cap, so a compressed answer cannot inflate past it.

vtasks reads bodies raw and decodes them here rather than through httpx, because httpx inflates
each network read whole: a 64 KiB read of a gzip bomb becomes 64 MiB at once, whatever cap is
checked afterwards. Here every piece is inflated with ``max_length`` set to what the cap still
allows, and a compressed stream that stops before its end is reported, not taken as complete.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator

__all__ = ["ACCEPT_ENCODING", "BodyDecoder", "TooLarge", "Truncated", "UnsupportedEncoding"]

#: What vtasks asks API answers in (and can decode itself, bounded).
ACCEPT_ENCODING = "gzip, deflate"

_GZIP = zlib.MAX_WBITS | 16
_ZLIB = zlib.MAX_WBITS
_RAW = -zlib.MAX_WBITS


#: The largest piece inflated at once: memory stays near the cap, never a multiple of it.
PIECE = 1 << 20


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

    def inflate(self, data: bytes, budget: int | None) -> Iterator[bytes]:
        """``data`` inflated, in pieces of at most :data:`PIECE` bytes.

        Raises :class:`TooLarge` past ``budget`` bytes in all (``None``: no cap).
        """
        produced = 0
        while data:
            room = PIECE if budget is None else min(PIECE, budget - produced + 1)
            try:
                out = self.inflater.decompress(data, room)
            except zlib.error:
                if not (self.first and self.wbits == _ZLIB):
                    raise
                self.wbits, self.inflater = _RAW, zlib.decompressobj(_RAW)
                out = self.inflater.decompress(data, room)
            self.first = False
            produced += len(out)
            if budget is not None and produced > budget:
                raise TooLarge
            if out:
                yield out
            data = self.inflater.unconsumed_tail
            if not data and self.inflater.eof and self.inflater.unused_data.strip(b"\0"):
                # A second gzip member (concatenated files): go on with a fresh inflater.
                data = self.inflater.unused_data
                self.inflater = zlib.decompressobj(self.wbits)

    def finish(self) -> None:
        """Raise :class:`Truncated` when the compressed stream has not reached its end."""
        if not self.inflater.eof:
            raise Truncated(self.encoding)


def _through(layer: _Inflater, pieces: Iterable[bytes], budget: int | None) -> Iterator[bytes]:
    """``pieces`` inflated by ``layer`` (a function, so each layer is bound where it is used)."""
    for piece in pieces:
        yield from layer.inflate(piece, budget)


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

    def feed(self, data: bytes) -> Iterator[bytes]:
        """The decoded bytes of ``data``, in pieces; :class:`TooLarge` past the cap."""
        pieces: Iterable[bytes] = (data,)
        for layer in self.layers:
            budget = None if self.limit is None else self.limit - self.size
            pieces = _through(layer, pieces, budget)
        for piece in pieces:
            self.size += len(piece)
            if self.limit is not None and self.size > self.limit:
                raise TooLarge
            yield piece

    def finish(self) -> None:
        """Check that every compressed layer came to its end (:class:`Truncated` if not)."""
        for layer in self.layers:
            layer.finish()
