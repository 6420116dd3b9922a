"""Where each image's outputs go, and the tables that describe them.

Outputs mirror the input tree: the image ``Forest/Forest_1.jpg`` gets
``results/greyscale/Forest/Forest_1.jpg.png`` and
``results/stats/Forest/Forest_1.jpg.json``. The original extension stays in
the name so that ``a.jpg`` and ``a.png`` in one folder never collide.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # records must not need Pillow: the summary job has none
    from .greyscale import Stats

GREYSCALE_ROOT = "results/greyscale"
RECORD_ROOT = "results/stats"
NAME_MAX = 255  # bytes, on Linux file systems

STATS_COLUMNS = [
    "path",
    "greyscale",
    "width",
    "height",
    "mode",
    "frames",
    "min",
    "max",
    "mean",
    "median",
    "std",
]
REJECTED_COLUMNS = ["path", "reason"]
TOP_LEVEL = "(top level)"
BLOCK_COLUMNS = [*STATS_COLUMNS, "error"]


def class_of(path: str) -> str:
    """An image's class is its top-level folder (EuroSAT's class folders);
    images directly in the input folder form the class "(top level)"."""
    head, sep, _ = path.partition("/")
    return head if sep else TOP_LEVEL


def output_name(name: str, suffix: str) -> str:
    """``name + suffix``, shortened with a hash when too long for the file system."""
    full = name + suffix
    if len(full.encode("utf-8", "surrogateescape")) <= NAME_MAX:
        return full
    tag = "~" + hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    keep = name.encode("utf-8", "surrogateescape")[: NAME_MAX - 64]
    return keep.decode("utf-8", "ignore") + tag + suffix


def output_path(root: str, relpath: str, suffix: str) -> str:
    folder, name = os.path.split(relpath)
    return os.path.join(root, folder, output_name(name, suffix))


def greyscale_path(relpath: str) -> str:
    return output_path(GREYSCALE_ROOT, relpath, ".png")


def record_path(relpath: str) -> str:
    return output_path(RECORD_ROOT, relpath, ".json")


def stats_row(relpath: str, greyscale: str, stats: Stats) -> dict:
    return {"path": relpath, "greyscale": greyscale, **stats._asdict()}


def record_json(row: dict) -> bytes:
    return (json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8")


def printable(path: str) -> str:
    """A file name that is not valid UTF-8, shown with escapes instead of failing."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _cell(value) -> str:
    if isinstance(value, float):
        return repr(value)  # round-trips exactly
    return "" if value is None else str(value)


def write_tsv(fh, columns: list[str], rows) -> int:
    writer = csv.writer(fh, delimiter="\t", lineterminator="\n")
    writer.writerow(columns)
    n = 0
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
        n += 1
    return n


def read_tsv(path: str) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))
