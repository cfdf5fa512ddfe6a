"""Small but structurally valid media files that the simulator serves as task results."""

from __future__ import annotations

import struct

__all__ = ["AUDIO_MP3", "COVER_JPEG", "VIDEO_MP4", "content_type_for"]


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def _build_mp4() -> bytes:
    """Build an ISO base-media file: ``ftyp``, ``moov`` (with ``mvhd``) and a few KB of ``mdat``."""
    ftyp = _box(b"ftyp", b"isom" + struct.pack(">I", 0x200) + b"isom" + b"iso2" + b"mp41")
    matrix = struct.pack(">9I", 0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000)
    mvhd = _box(
        b"mvhd",
        struct.pack(">B3xIIII", 0, 0, 0, 1000, 5000)  # version/flags, ctime, mtime, timescale, 5 s
        + struct.pack(">IH", 0x00010000, 0x0100)  # rate 1.0, volume 1.0
        + b"\x00" * 10  # reserved
        + matrix
        + b"\x00" * 24  # pre_defined
        + struct.pack(">I", 2),  # next_track_ID
    )
    moov = _box(b"moov", mvhd)
    mdat = _box(b"mdat", bytes(i * 7 % 251 for i in range(4096)))
    return ftyp + moov + mdat


def _segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, 2 + len(payload)) + payload


def _build_jpeg() -> bytes:
    """Build a baseline 1x1 grey JPEG with one-code Huffman tables (decodable by any reader)."""
    app0 = _segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    dqt = _segment(0xDB, b"\x00" + b"\x01" * 64)
    sof0 = _segment(0xC0, b"\x08\x00\x01\x00\x01\x01\x01\x11\x00")
    one_code = b"\x01" + b"\x00" * 15 + b"\x00"  # one code of length 1 for symbol 0
    dht_dc = _segment(0xC4, b"\x00" + one_code)
    dht_ac = _segment(0xC4, b"\x10" + one_code)
    sos = _segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
    scan = b"\x3f"  # DC difference 0 ("0"), then end-of-block ("0"), padded with ones
    return b"\xff\xd8" + app0 + dqt + sof0 + dht_dc + dht_ac + sos + scan + b"\xff\xd9"


def _build_mp3() -> bytes:
    """Build one silent MPEG-1 Layer III frame (128 kbit/s, 44.1 kHz): 417 bytes."""
    header = bytes((0xFF, 0xFB, 0x90, 0x64))
    return header + b"\x00" * (417 - len(header))


VIDEO_MP4: bytes = _build_mp4()
"""The bytes served for every succeeded task's video (a minimal ISO base-media MP4)."""

COVER_JPEG: bytes = _build_jpeg()
"""The bytes served for every succeeded task's cover / last frame (a 1x1 JPEG)."""


AUDIO_MP3: bytes = _build_mp3()
"""The bytes served for a result's separate audio track (Ark's ``content.audio_url``)."""


def content_type_for(name: str) -> str:
    """Return the media type for a served file name (by extension)."""
    if name.endswith(".mp4"):
        return "video/mp4"
    if name.endswith((".jpg", ".jpeg")):
        return "image/jpeg"
    if name.endswith(".mp3"):
        return "audio/mpeg"
    return "application/octet-stream"
