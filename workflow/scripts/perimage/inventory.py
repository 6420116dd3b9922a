"""Find the images below an input folder.

The scan is cheap (one ``stat`` per file) because the workflow runs it every
time Snakemake starts: the listing decides whether the block plan is still
current and which blocks hold changed images.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import stat
from dataclasses import dataclass, field
from typing import NamedTuple

from .errors import InputError
from .layout import encode

__all__ = ["Image", "InputError", "Inventory", "Skipped", "scan", "select"]


class Image(NamedTuple):
    """An image file: its path relative to the input folder, and how to tell
    that it changed. ``size`` is -1 when the file cannot be examined (a broken
    link, for instance); the block that owns it rejects it with the reason."""

    path: str
    size: int
    mtime_ns: int


class Skipped(NamedTuple):
    path: str
    reason: str


@dataclass
class Inventory:
    images: list[Image] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def normalise_extensions(extensions) -> tuple[str, ...]:
    """Lower-case, with a leading dot, sorted and without duplicates."""
    out = {("." + e.lstrip(".")).lower() for e in extensions}
    return tuple(sorted(out))


def check_input_dir(input_dir: str) -> None:
    if not os.path.exists(input_dir):
        raise InputError(f"input_dir {input_dir!r} does not exist")
    if not os.path.isdir(input_dir):
        raise InputError(f"input_dir {input_dir!r} is not a folder")
    if not os.access(input_dir, os.R_OK | os.X_OK):
        raise InputError(f"input_dir {input_dir!r} cannot be read (permission denied)")


def scan(input_dir: str, extensions) -> Inventory:
    """List every image below ``input_dir``, sorted by relative path.

    Hidden files and folders (names starting with a dot), files with other
    extensions and files that are not regular files (pipes, devices) are
    skipped and listed. Links to files are followed; links to folders are not
    (they could loop, or reach outside the input folder).
    """
    check_input_dir(input_dir)
    wanted = normalise_extensions(extensions)
    inv = Inventory()
    _walk(input_dir, "", wanted, inv)
    inv.images.sort(key=_path)  # comparing paths alone is several times faster
    inv.skipped.sort()
    return inv


def _path(image: Image) -> str:
    return image[0]


def _walk(folder: str, prefix: str, wanted: tuple[str, ...], inv: Inventory) -> None:
    try:
        entries = list(os.scandir(folder))
    except OSError as e:
        where = prefix.rstrip("/") or "."
        inv.skipped.append(Skipped(where, f"folder cannot be read: {e.strerror}"))
        return
    images, skipped = inv.images, inv.skipped
    for entry in entries:
        name = entry.name
        rel = prefix + name
        if name.startswith("."):
            skipped.append(Skipped(rel, "hidden"))
            continue
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
        except OSError:
            is_dir = False
        if is_dir:
            _walk(entry.path, rel + "/", wanted, inv)
            continue
        if not name.lower().endswith(wanted):
            if entry.is_symlink() and os.path.isdir(entry.path):
                skipped.append(Skipped(rel, "link to a folder (not followed)"))
            else:
                skipped.append(Skipped(rel, "not an image file extension"))
            continue
        try:
            st = entry.stat()
        except OSError:
            images.append(Image(rel, -1, -1))  # its block says why
            continue
        if stat.S_ISREG(st.st_mode):
            images.append(Image(rel, st.st_size, st.st_mtime_ns))
        elif stat.S_ISDIR(st.st_mode):
            skipped.append(Skipped(rel, "link to a folder (not followed)"))
        else:
            skipped.append(Skipped(rel, "not a regular file"))


def select(images: list[Image], patterns=(), limit: int = 0) -> list[Image]:
    """Keep the images whose path matches any of ``patterns`` (all when there
    are none), then the first ``limit`` of them (all when 0)."""
    if patterns:
        images = [
            im
            for im in images
            if any(fnmatch.fnmatchcase(im.path, pattern) for pattern in patterns)
        ]
    return images[:limit] if limit else images


def fingerprint(images) -> str:
    """Changes when any of the images is replaced, rewritten or touched."""
    text = "".join([f"{path}\0{size}\0{mtime_ns}\n" for path, size, mtime_ns in images])
    return hashlib.sha256(encode(text)).hexdigest()[:32]
