"""Find the images below an input folder.

The scan is cheap (one ``stat`` per file) because the workflow runs it every
time it is parsed: the listing decides whether the block plan is still current
and which blocks hold changed images.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
from dataclasses import dataclass, field
from typing import NamedTuple

DEFAULT_EXTENSIONS = (".jpg", ".jpeg", ".png", ".tif", ".tiff")


class InputError(Exception):
    """The input folder cannot be used; the message says why."""


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

    def plan_digest(self, *settings: object) -> str:
        """Changes when the set of files changes (not their content)."""
        h = hashlib.sha256(repr(settings).encode())
        for item in self.images:
            h.update(_encode(item.path) + b"\0")
        h.update(b"\1")
        for item in self.skipped:
            h.update(_encode(item.path) + b"\0" + item.reason.encode() + b"\0")
        return h.hexdigest()


def _encode(path: str) -> bytes:
    # File names that are not valid UTF-8 arrive as surrogate escapes.
    return path.encode("utf-8", "surrogateescape")


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


def scan(input_dir: str, extensions=DEFAULT_EXTENSIONS) -> Inventory:
    """List every image below ``input_dir``, sorted by relative path.

    Hidden files and folders (names starting with a dot) and files with other
    extensions are skipped and listed. Links to files are followed; links to
    folders are not (they could loop, or reach outside the input folder).
    """
    check_input_dir(input_dir)
    wanted = normalise_extensions(extensions)
    inv = Inventory()
    _walk(input_dir, "", wanted, inv)
    inv.images.sort()
    inv.skipped.sort()
    return inv


def _walk(folder: str, prefix: str, wanted: tuple[str, ...], inv: Inventory) -> None:
    try:
        entries = list(os.scandir(folder))
    except OSError as e:
        inv.skipped.append(
            Skipped(prefix.rstrip("/") or ".", f"folder cannot be read: {e.strerror}")
        )
        return
    for entry in entries:
        rel = prefix + entry.name
        if entry.name.startswith("."):
            inv.skipped.append(Skipped(rel, "hidden"))
            continue
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
        except OSError:
            is_dir = False
        if is_dir:
            _walk(entry.path, rel + "/", wanted, inv)
            continue
        if entry.is_symlink() and os.path.isdir(entry.path):
            inv.skipped.append(Skipped(rel, "link to a folder (not followed)"))
            continue
        if not entry.name.lower().endswith(wanted):
            inv.skipped.append(Skipped(rel, "not an image file extension"))
            continue
        try:
            st = entry.stat()
            inv.images.append(Image(rel, st.st_size, st.st_mtime_ns))
        except OSError:
            inv.images.append(Image(rel, -1, -1))


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
    h = hashlib.sha256()
    for im in images:
        h.update(_encode(im.path) + f"\0{im.size}\0{im.mtime_ns}\n".encode())
    return h.hexdigest()
