"""Where every output lives: the one owner of the results/ layout.

Per-image outputs mirror the input tree. The image ``Forest/Forest_1.jpg``
gets ``results/<image name>/Forest/Forest_1.jpg.png`` for each image its
analysis saves (the brightness survey saves ``greyscale``), and, when records
are asked for, ``results/stats/Forest/Forest_1.jpg.json``. The original
extension stays in the name, so ``a.jpg`` and ``a.png`` in one folder never
collide; a name too long for the file system is shortened and ends with a hash.
"""

from __future__ import annotations

import hashlib
import os
import re

RESULTS = "results"
TABLES = f"{RESULTS}/blocks"
RECORDS = f"{RESULTS}/stats"
# Folders below results/ that the workflow's own rules write: no analysis may
# save images under one of these names.
RESERVED = ("blocks", "galleries", "plan", "plots", "report", "stats", "summary")
IMAGE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")
NAME_MAX = 255  # bytes, on Linux file systems
LONGEST_SUFFIX = ".json"  # shortening allows for it, so every output shares a stem
TOP_LEVEL = "(top level)"
RECORD = ":record"  # the output kind of a per-image record (not an image name)


def encode(path: str) -> bytes:
    """File names that are not valid UTF-8 arrive as surrogate escapes."""
    return path.encode("utf-8", "surrogateescape")


def printable(path: str) -> str:
    """A file name that is not valid UTF-8, shown with escapes instead of failing."""
    return encode(path).decode("utf-8", "backslashreplace")


def short_name(name: str) -> str:
    """``name``, or, when ``name`` plus a suffix would be too long for the file
    system, its first bytes and a hash of the whole."""
    if 4 * len(name) + len(LONGEST_SUFFIX) <= NAME_MAX:
        return name  # short enough however it is encoded
    raw = encode(name)
    if len(raw) + len(LONGEST_SUFFIX) <= NAME_MAX:
        return name
    tag = "~" + hashlib.sha256(raw).hexdigest()[:16]
    return raw[: NAME_MAX - 64].decode("utf-8", "ignore") + tag


def stem(relpath: str) -> str:
    """The image's outputs' path below their root, without the suffix."""
    folder, name = os.path.split(relpath)
    return os.path.join(folder, short_name(name))


def image_path(image_name: str, relpath: str) -> str:
    return f"{RESULTS}/{image_name}/{stem(relpath)}.png"


def record_path(relpath: str) -> str:
    return f"{RECORDS}/{stem(relpath)}.json"


def output_paths(kinds, relpath: str) -> list[str]:
    """The files of ``kinds`` (image names, or ``RECORD``) for one image."""
    return [
        record_path(relpath) if kind == RECORD else image_path(kind, relpath)
        for kind in kinds
    ]


def table_path(block: str) -> str:
    return f"{TABLES}/{block}.tsv"


def check_image_name(name: str) -> None:
    """An analysis names the images it saves; each name is a folder below
    results/."""
    if not isinstance(name, str) or not IMAGE_NAME.fullmatch(name):
        raise ValueError(
            f"image name {name!r} must start with a letter and hold only letters,"
            " digits, '_' and '-' (it becomes a folder below results/)"
        )
    if name in RESERVED:
        raise ValueError(
            f"image name {name!r} is taken by the workflow's own results/{name}/"
        )


def class_of(relpath: str) -> str:
    """An image's class is its top-level folder (EuroSAT's class folders);
    images directly in the input folder form the class "(top level)"."""
    head, sep, _ = relpath.partition("/")
    return head if sep else TOP_LEVEL
