"""A minimal PNG encoder for 8-bit greyscale images.

Pillow's PNG encoder spends about 0.2 ms of set-up on every image, several
times the cost of compressing a 64x64 one; for tens of thousands of small
images that is most of the run. This writes the same pixels (Pillow reads them
back identically) with one ``zlib.compress`` call.
"""

from __future__ import annotations

import struct
import zlib

from PIL import Image

SIGNATURE = b"\x89PNG\r\n\x1a\n"
COMPRESSION_LEVEL = 6  # zlib's and Pillow's default


def _chunk(tag: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(data, zlib.crc32(tag))
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)


def encode_grey_png(grey: Image.Image, level: int = COMPRESSION_LEVEL) -> bytes:
    if grey.mode != "L":
        raise ValueError(f"expected a greyscale (L) image, got {grey.mode}")
    width, height = grey.size
    # Each row starts with its filter type, 0 (none): paste the image one
    # column to the right of a zero column and take the bytes (all in C).
    framed = Image.new("L", (width + 1, height), 0)
    framed.paste(grey, (1, 0))
    rows = framed.tobytes()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows, level))
        + _chunk(b"IEND", b"")
    )
