"""Bounded content decoding (vtasks._decoding): pure functions, no sockets."""

from __future__ import annotations

import zlib

import pytest

from vtasks._decoding import PIECE, BodyDecoder, TooLarge, Truncated, UnsupportedEncoding

DATA = b"video task " * 10_000


def compress(data: bytes, wbits: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, wbits)
    return compressor.compress(data) + compressor.flush()


def decode(encoding: str | None, body: bytes, limit: int | None = None, step: int = 1000) -> bytes:
    decoder = BodyDecoder(encoding, limit)
    out = b"".join(
        piece for i in range(0, len(body), step) for piece in decoder.feed(body[i : i + step])
    )
    decoder.finish()
    return out


@pytest.mark.parametrize(
    ("encoding", "wbits"), [("gzip", 31), ("x-gzip", 31), ("deflate", 15), ("deflate", -15)]
)
def test_decodes_gzip_and_both_kinds_of_deflate(encoding: str, wbits: int) -> None:
    assert decode(encoding, compress(DATA, wbits)) == DATA


def test_identity_passes_through() -> None:
    assert decode(None, DATA) == decode("identity", DATA) == DATA


def test_concatenated_gzip_members_are_one_body() -> None:
    assert decode("gzip", compress(b"one ", 31) + compress(b"two", 31)) == b"one two"


def test_stacked_encodings_are_undone_in_reverse() -> None:
    body = compress(compress(DATA, 15), 31)  # deflate first, then gzip
    assert decode("deflate, gzip", body) == DATA


def test_the_cap_is_exact_and_counts_decoded_bytes() -> None:
    body = compress(DATA, 31)
    assert decode("gzip", body, limit=len(DATA)) == DATA
    with pytest.raises(TooLarge):
        decode("gzip", body, limit=len(DATA) - 1)
    with pytest.raises(TooLarge):
        decode(None, DATA, limit=len(DATA) - 1)


def test_a_bomb_is_inflated_piece_by_piece() -> None:
    bomb = compress(bytes(64 << 20), 31)
    decoder = BodyDecoder("gzip", None)
    sizes = [len(piece) for piece in decoder.feed(bomb)]
    assert sum(sizes) == 64 << 20
    assert max(sizes) <= PIECE


def test_a_stream_cut_short_is_truncated() -> None:
    body = compress(DATA, 31)
    decoder = BodyDecoder("gzip", None)
    list(decoder.feed(body[: len(body) // 2]))
    with pytest.raises(Truncated):
        decoder.finish()


@pytest.mark.parametrize("encoding", ["br", "zstd", "compress", "gzip, br"])
def test_an_encoding_not_asked_for_is_refused(encoding: str) -> None:
    with pytest.raises(UnsupportedEncoding):
        BodyDecoder(encoding, None)
