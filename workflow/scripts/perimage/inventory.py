"""Find the images below an input folder.

The workflow lists the folder every time Snakemake starts: the listing
decides whether the block plan is still current and which blocks hold changed
images. At a million images every microsecond per image is a second, so a
listing is held as columns (a list of paths, arrays of sizes and modification
times), never as an object per image, and a listing that only needs names
makes no ``stat`` call on a regular file.
"""

from __future__ import annotations

import bisect
import fnmatch
import hashlib
import operator
import os
import stat
from array import array
from dataclasses import dataclass, field
from typing import NamedTuple

from . import archive
from .errors import InputError
from .layout import encode

__all__ = ["InputError", "Listing", "Skipped", "scan", "stat_files"]

UNKNOWN = -1  # size and time of a file that cannot be examined
DEFERRED = -2  # of a regular file whose ``stat`` another process makes


class Skipped(NamedTuple):
    path: str
    reason: str


@dataclass
class Listing:
    """Images in path order: ``paths`` relative to the input folder, and in
    ``sizes`` and ``mtimes`` (nanoseconds) what tells that one changed
    (``UNKNOWN`` when a file cannot be examined, a broken link for instance:
    the block that owns it rejects it with the reason). Listed without
    ``stat``, the arrays are empty. For a zip archive's members (``archive``)
    ``mtimes`` holds their CRC-32s: the archive's directory gives no time
    that tells a member changed."""

    paths: list[str] = field(default_factory=list)
    sizes: array = field(default_factory=lambda: array("q"))
    mtimes: array = field(default_factory=lambda: array("q"))
    skipped: list[Skipped] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.paths)

    @property
    def has_stat(self) -> bool:
        return len(self.sizes) == len(self.paths)

    def select(self, patterns=(), limit: int = 0) -> Listing:
        """The images whose path matches any of ``patterns`` (all when there
        are none), then the first ``limit`` of them (all when 0)."""
        if not patterns and not limit:
            return self
        keep = range(len(self.paths))
        if patterns:
            keep = [
                i
                for i, p in enumerate(self.paths)
                if any(fnmatch.fnmatchcase(p, pattern) for pattern in patterns)
            ]
        if limit:
            keep = keep[:limit]
        out = Listing([self.paths[i] for i in keep], skipped=self.skipped)
        if self.has_stat:
            out.sizes = array("q", (self.sizes[i] for i in keep))
            out.mtimes = array("q", (self.mtimes[i] for i in keep))
        return out

    def fingerprint(self, start: int = 0, stop: int | None = None) -> str:
        """Of the images ``start:stop``: changes when any of them is
        replaced, rewritten or touched, or another image takes its place."""
        stop = len(self.paths) if stop is None else stop
        h = hashlib.sha256(encode("\0".join(self.paths[start:stop])))
        h.update(self.sizes[start:stop].tobytes())
        h.update(self.mtimes[start:stop].tobytes())
        return h.hexdigest()[:32]

    def deferred(self, start: int = 0, stop: int | None = None) -> bool:
        """Whether any of the images ``start:stop`` is still ``DEFERRED``."""
        return DEFERRED in self.sizes[start:stop]

    def examine(self, input_dir: str, start: int = 0, stop: int | None = None):
        """The ``stat`` of each ``DEFERRED`` image of ``start:stop``."""
        stop = len(self.paths) if stop is None else stop
        sizes, mtimes = self.sizes, self.mtimes
        prefix = os.path.join(input_dir, "")
        for i in range(start, stop):
            if sizes[i] == DEFERRED:
                try:
                    st = os.stat(prefix + self.paths[i])
                except OSError:
                    sizes[i] = mtimes[i] = UNKNOWN
                    continue
                sizes[i], mtimes[i] = st.st_size, st.st_mtime_ns


def normalise_extensions(extensions) -> tuple[str, ...]:
    """Lower-case, with a leading dot, sorted and without duplicates."""
    out = {("." + e.lstrip(".")).lower() for e in extensions}
    return tuple(sorted(out))


def check_input_dir(input_dir: str) -> None:
    zipped = archive.split(input_dir)
    if zipped:  # a zip archive: its central directory must be readable
        archive.read_index(zipped[0])
        return
    if not os.path.exists(input_dir):
        raise InputError(f"input_dir {input_dir!r} does not exist")
    if not os.path.isdir(input_dir):
        raise InputError(f"input_dir {input_dir!r} is not a folder")
    if not os.access(input_dir, os.R_OK | os.X_OK):
        raise InputError(f"input_dir {input_dir!r} cannot be read (permission denied)")


def scan(
    input_dir: str,
    extensions,
    *,
    with_stat: bool = True,
    feed=None,
    defer_from: str | None = None,
) -> Listing:
    """List every image below ``input_dir``, in path order.

    Hidden files and folders (names starting with a dot), files with other
    extensions and files that are not regular files (pipes, devices) are
    skipped and listed. Links to files are followed; links to folders are not
    (they could loop, or reach outside the input folder). Without
    ``with_stat``, only the names: what is a regular file is known from the
    folder listing itself. ``feed``, if given, is called with each folder's
    images as they are found, in path order. ``defer_from``: regular files
    from this path on (in path order) are listed as ``DEFERRED``, without
    ``stat``: another process examines them (``Listing.examine`` when it
    could not).
    """
    check_input_dir(input_dir)
    zipped = archive.split(input_dir)
    if zipped:
        paths, sizes, crcs, skipped = archive.scan(
            *zipped, normalise_extensions(extensions), with_stat=with_stat
        )
        if feed is not None:
            feed(paths)
        # a member's CRC-32 stands for a file's modification time
        return Listing(paths, sizes, crcs, [Skipped(*s) for s in skipped])
    found = Listing()
    wanted = normalise_extensions(extensions)
    after = _Deferral(defer_from) if with_stat and defer_from is not None else None
    _walk(input_dir, "", wanted, with_stat, found, feed=feed, after=after)
    found.skipped.sort()
    return found


def _walk(
    folder: str,
    prefix: str,
    wanted,
    with_stat: bool,
    found: Listing,
    parent=None,
    feed=None,
    after=None,
) -> None:
    # Each folder is opened once and its entries examined relative to it
    # (fstatat): the kernel then resolves one name, not the whole path.
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY, dir_fd=parent)
        try:
            entries = list(os.scandir(fd))
        except OSError:
            os.close(fd)
            raise
    except OSError as e:
        where = prefix.rstrip("/") or "."
        found.skipped.append(Skipped(where, f"folder cannot be read: {e.strerror}"))
        return
    try:
        files, folders = [], []
        for entry in entries:
            if entry.name[0] == ".":
                found.skipped.append(Skipped(prefix + entry.name, "hidden"))
                continue
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            (folders if is_dir else files).append(entry)
        # Path order: a folder's images follow every name of its parent that
        # sorts before "<folder>/" ("a-b.jpg" and "a.b.jpg" come before "a/x").
        files.sort(key=_NAME)
        names = [entry.name for entry in files]
        done = 0
        for sub in sorted(folders, key=_NAME):
            cut = bisect.bisect_left(names, sub.name + "/", done)
            _files(files[done:cut], prefix, wanted, with_stat, found, fd, feed, after)
            done = cut
            sub_prefix = prefix + sub.name + "/"
            _walk(sub.name, sub_prefix, wanted, with_stat, found, fd, feed, after)
        _files(files[done:], prefix, wanted, with_stat, found, fd, feed, after)
    finally:
        os.close(fd)


_NAME = operator.attrgetter("name")


class _Deferral:
    """From which path on regular files are listed as ``DEFERRED``: set once
    the listing, in path order, reaches it."""

    def __init__(self, path: str):
        self.path, self.on = path, False


def _files(
    entries, prefix: str, wanted, with_stat: bool, found: Listing, fd, feed, after
) -> None:
    paths, sizes, mtimes, skipped = (
        found.paths,
        found.sizes,
        found.mtimes,
        found.skipped,
    )
    first = len(paths)
    for entry in entries:
        name = entry.name
        rel = prefix + name
        if not name.lower().endswith(wanted):
            if entry.is_symlink() and _is_folder(name, fd):
                skipped.append(Skipped(rel, "link to a folder (not followed)"))
            else:
                skipped.append(Skipped(rel, "not an image file extension"))
            continue
        if not with_stat and entry.is_file(follow_symlinks=False):
            paths.append(rel)  # a regular file: the listing says so
            continue
        if after is not None and (after.on or rel >= after.path):
            after.on = True
            if entry.is_file(follow_symlinks=False):
                paths.append(rel)
                sizes.append(DEFERRED)
                mtimes.append(DEFERRED)
                continue
        try:
            st = entry.stat()
        except OSError:
            st = None
        if st is None or stat.S_ISREG(st.st_mode):
            paths.append(rel)
            if with_stat:
                sizes.append(st.st_size if st else UNKNOWN)
                mtimes.append(st.st_mtime_ns if st else UNKNOWN)
        elif stat.S_ISDIR(st.st_mode):
            skipped.append(Skipped(rel, "link to a folder (not followed)"))
        else:
            skipped.append(Skipped(rel, "not a regular file"))
    if feed is not None and len(paths) > first:
        feed(paths[first:])


def _is_folder(name: str, fd: int) -> bool:
    try:
        return stat.S_ISDIR(os.stat(name, dir_fd=fd).st_mode)
    except OSError:
        return False


def has_images(input_dir: str, extensions, patterns=()) -> bool:
    """Whether ``scan`` would list an image that ``patterns`` select,
    looking no further than the first: a first run learns this before any
    job starts, and its plan job lists the folder anyway."""
    check_input_dir(input_dir)
    if archive.split(input_dir):
        return bool(len(scan(input_dir, extensions, with_stat=False).select(patterns)))
    wanted = normalise_extensions(extensions)
    folders = [("", input_dir)]
    while folders:
        prefix, folder = folders.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            name = entry.name
            if name[0] == ".":
                continue
            if entry.is_dir(follow_symlinks=False):
                folders.append((prefix + name + "/", entry.path))
            elif (
                name.lower().endswith(wanted)
                and not (entry.is_symlink() and os.path.isdir(entry.path))
                and (entry.is_file() or not os.path.exists(entry.path))
                and (
                    not patterns
                    or any(fnmatch.fnmatchcase(prefix + name, p) for p in patterns)
                )
            ):
                return True
    return False


def stat_files(input_dir: str, paths: list[str]) -> Listing:
    """``paths`` as a listing, with one ``stat`` each (a job that Slurm runs
    checks its own block's images this way, without listing the folder)."""
    zipped = archive.split(input_dir)
    if zipped:
        return Listing(list(paths), *archive.stat_members(*zipped, paths))
    found = Listing(list(paths))
    prefix = os.path.join(input_dir, "")
    for path in paths:
        try:
            st = os.stat(prefix + path)
        except OSError:
            found.sizes.append(UNKNOWN)
            found.mtimes.append(UNKNOWN)
            continue
        found.sizes.append(st.st_size)
        found.mtimes.append(st.st_mtime_ns)
    return found
