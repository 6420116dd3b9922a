"""Assign images to blocks, stably.

Images are taken in path order and a new block starts at every image whose
path hash is divisible by ``block_size`` (content-defined chunking, as in
rsync). Whether an image starts a block depends on its own path only, so adding
or removing one image changes only the block it falls into: every other block
keeps its name and its images, and its results are reused. A run of more than
``2 * block_size`` images without such a boundary is cut into equal pieces, so
no block grows without bound.
"""

from __future__ import annotations

import hashlib
import json
import math
import os

BLOCK_PATTERN = r"[0-9a-f]{12}-[0-9]+"
HEAD_KEY = "0" * 12  # the images before the first boundary
MANIFEST_SUFFIX = ".jsonl"


def path_hash(path: str) -> int:
    digest = hashlib.blake2b(
        path.encode("utf-8", "surrogateescape"), digest_size=8
    ).digest()
    return int.from_bytes(digest, "big")


def plan(paths: list[str], block_size: int) -> dict[str, list[str]]:
    """Map block names to their image paths; ``paths`` must be sorted."""
    if block_size < 1:
        raise ValueError("block_size must be at least 1")
    segments: list[tuple[str, list[str]]] = []
    for path in paths:
        h = path_hash(path)
        if h % block_size == 0:
            segments.append((f"{h:016x}"[:12], [path]))
        elif segments:
            segments[-1][1].append(path)
        else:
            segments.append((HEAD_KEY, [path]))
    blocks: dict[str, list[str]] = {}
    for key, members in segments:
        pieces = math.ceil(len(members) / (2 * block_size))
        for i in range(pieces):
            lo = len(members) * i // pieces
            hi = len(members) * (i + 1) // pieces
            name = f"{key}-{i}"
            if name in blocks:  # a 48-bit hash collision between two boundaries
                raise RuntimeError(f"two blocks would share the name {name}")
            blocks[name] = members[lo:hi]
    return blocks


def write_manifest(path: str, members: list[str]) -> None:
    """One JSON string per line: any file name survives, tabs and newlines too."""
    with open(path, "w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(m) + "\n" for m in members)


def read_manifest(path: str) -> list[str]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def manifest_names(folder: str) -> list[str]:
    """Block names of the manifests in ``folder``, sorted."""
    return sorted(
        name[: -len(MANIFEST_SUFFIX)]
        for name in os.listdir(folder)
        if name.endswith(MANIFEST_SUFFIX)
    )
