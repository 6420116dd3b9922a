"""Assign images to blocks so that adding or removing one image disturbs as
little as possible.

Images are taken in path order. An image whose path hash is divisible by
``block_size`` starts a new segment (content-defined chunking, as in rsync),
so whether an image starts a segment depends on its own path only. A segment
longer than ``2 * block_size`` is split in two at the image with the smallest
second hash in its middle half, and the halves again while they are too long:
the cut points are images too, chosen by their own hashes, not by counting.

So adding or removing an image changes only the block it falls into, unless
that image is itself a cut point or moves one (about once in ``block_size``
additions): then the other blocks of its segment change too, and no others.
A block is named after the hash of its first image.
"""

from __future__ import annotations

import hashlib

from .layout import encode

BLOCK_NAME = r"[0-9a-f]{12}"


def hashes(path: str) -> tuple[int, int]:
    """Two independent 64-bit hashes of a path: one decides the segment
    boundaries, the other the cut points of long segments."""
    digest = hashlib.blake2b(encode(path), digest_size=16).digest()
    return int.from_bytes(digest[:8], "big"), int.from_bytes(digest[8:], "big")


def assign(paths: list[str], block_size: int) -> dict[str, list[str]]:
    """Map block names to their image paths; ``paths`` must be sorted."""
    if block_size < 1:
        raise ValueError("block_size must be at least 1")
    segments: list[list[tuple[str, int, int]]] = []
    for path in paths:
        first, second = hashes(path)
        item = (path, first, second)
        if first % block_size == 0 or not segments:
            segments.append([item])
        else:
            segments[-1].append(item)
    blocks: dict[str, list[str]] = {}
    for segment in segments:
        for piece in _split(segment, 2 * block_size):
            name = f"{piece[0][1]:016x}"[:12]
            if name in blocks:  # a 48-bit collision between two first images
                raise RuntimeError(f"two blocks would share the name {name}")
            blocks[name] = [path for path, _, _ in piece]
    return blocks


def _split(items: list, max_size: int) -> list[list]:
    if len(items) <= max_size:
        return [items]
    quarter = len(items) // 4  # halves of at least a quarter each
    cut = min(range(quarter, len(items) - quarter), key=lambda i: items[i][2])
    return _split(items[:cut], max_size) + _split(items[cut:], max_size)
