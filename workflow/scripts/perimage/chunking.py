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
    digest = digests([encode(path)])
    return int.from_bytes(digest[:8], "big"), int.from_bytes(digest[8:], "big")


def digests(encoded) -> bytes:
    """The two hashes of each path (``layout.encode``-d), 16 bytes a path,
    concatenated in order: what ``boundaries`` takes."""
    blake2b = hashlib.blake2b
    return b"".join([blake2b(p, digest_size=16).digest() for p in encoded])


def assign(paths: list[str], block_size: int) -> dict[str, list[str]]:
    """Map block names to their image paths, in path order; ``paths`` must
    be sorted. In this process: the plan job hashes in a second one, while it
    lists the folder (``perimage.chunker``), to the same blocks."""
    check_block_size(block_size)
    cuts = boundaries(digests(map(encode, paths)), block_size)
    return {name: paths[a:b] for a, b, name in cuts}


def check_block_size(block_size: int) -> None:
    if block_size < 1:
        raise ValueError("block_size must be at least 1")


def boundaries(hashed: bytes, block_size: int) -> list[tuple[int, int, str]]:
    """The blocks as (start, stop, name), in path order, from the paths'
    ``digests``. (Held as arrays: at a million images, an object per image
    would cost seconds.)"""
    if not hashed:
        return []
    import numpy as np  # here: Snakemake's start-up imports this module

    both = np.frombuffer(hashed, dtype=">u8").reshape(-1, 2)
    first, second = both[:, 0], both[:, 1]
    starts = np.flatnonzero(first % np.uint64(block_size) == 0).tolist()
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    ends = [*starts[1:], len(first)]
    cuts, names = [], set()
    for start, end in zip(starts, ends, strict=True):
        for a, b in _split(second, start, end, 2 * block_size):
            name = f"{int(first[a]):016x}"[:12]
            if name in names:  # a 48-bit collision between two first images
                raise RuntimeError(f"two blocks would share the name {name}")
            names.add(name)
            cuts.append((a, b, name))
    return cuts


def _split(second, start: int, end: int, max_size: int) -> list:
    """``start:end`` as pieces of at most ``max_size``, cut where ``second``
    is smallest in the middle half (the first such image on a tie)."""
    if end - start <= max_size:
        return [(start, end)]
    quarter = (end - start) // 4  # halves of at least a quarter each
    cut = start + quarter + int(second[start + quarter : end - quarter].argmin())
    return _split(second, start, cut, max_size) + _split(second, cut, end, max_size)
