"""Process one block: every image of a manifest, in one process (or a pool).

For each image this reads the file once, writes its greyscale PNG and its JSON
stats record, and returns its row of the block table. A bad image becomes a row
with a reason in ``error``; what happens then is the caller's ``on_error``.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import multiprocessing
import os
import time
from dataclasses import dataclass

from . import atomic, records
from .greyscale import ImageError, load
from .pngio import encode_grey_png

log = logging.getLogger(__name__)

# Errors of the output file system: no image is to blame, so the block stops.
FATAL_WRITE_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO}


class BlockError(Exception):
    """The block stopped; the message names the file and the reason."""


@dataclass
class BlockResult:
    images: int
    rejected: int
    seconds: float


class _Writer:
    """Per-process state: the input folder and the output folders made so far."""

    def __init__(self, input_dir: str, write_greyscale: bool):
        self.input_dir = input_dir
        self.write_greyscale = write_greyscale
        self.made: set[str] = set()

    def _folder_for(self, path: str) -> None:
        folder = os.path.dirname(path)
        if folder not in self.made:
            os.makedirs(folder, exist_ok=True)
            self.made.add(folder)

    def _write(self, path: str, data: bytes) -> None:
        self._folder_for(path)
        atomic.write_bytes(path, data)

    def _forget(self, relpath: str) -> None:
        """Remove the outputs of an image that is now rejected."""
        for path in (records.greyscale_path(relpath), records.record_path(relpath)):
            with contextlib.suppress(FileNotFoundError):
                os.remove(path)

    def __call__(self, relpath: str) -> dict:
        try:
            relpath.encode("utf-8")
        except UnicodeEncodeError:
            return {"path": relpath, "error": "file name is not valid UTF-8"}
        try:
            grey, stats = load(os.path.join(self.input_dir, relpath))
        except ImageError as e:
            self._forget(relpath)
            return {"path": relpath, "error": str(e)}
        png = records.greyscale_path(relpath) if self.write_greyscale else ""
        row = records.stats_row(relpath, png, stats)
        try:
            if png:
                self._write(png, encode_grey_png(grey))
            self._write(records.record_path(relpath), records.record_json(row))
        except OSError as e:
            if e.errno in FATAL_WRITE_ERRORS:
                raise BlockError(
                    f"cannot write the outputs of {relpath!r}: {e.strerror}"
                    f" ({e.filename})"
                ) from e
            self._forget(relpath)
            return {"path": relpath, "error": f"cannot write its outputs: {e.strerror}"}
        return row


_worker: _Writer | None = None


def _init_worker(input_dir: str, write_greyscale: bool) -> None:
    global _worker
    _worker = _Writer(input_dir, write_greyscale)


def _work(relpath: str) -> dict:
    return _worker(relpath)


def process_block(
    members: list[str],
    input_dir: str,
    table_path: str,
    *,
    write_greyscale: bool = True,
    on_error: str = "skip",
    workers: int = 1,
    progress_every: int = 1000,
    name: str = "block",
) -> BlockResult:
    """Process ``members`` (paths relative to ``input_dir``) and write the
    block table to ``table_path``. With ``on_error="fail"`` the first bad
    image stops the block with ``BlockError`` and no table is written."""
    start = time.perf_counter()
    total = len(members)
    log.info("%s: %d images from %s", name, total, input_dir)
    rows: list[dict] = []
    rejected = 0
    for row in _rows(members, input_dir, write_greyscale, workers):
        if row.get("error"):
            rejected += 1
            shown = records.printable(row["path"])
            if on_error == "fail":
                raise BlockError(f"{shown}: {row['error']}")
            log.warning("rejected %s: %s", shown, row["error"])
            row["path"] = shown
        rows.append(row)
        done = len(rows)
        if done % progress_every == 0 and done < total:
            log.info("%s: %d/%d images done, %d rejected", name, done, total, rejected)
    with atomic.open_text(table_path) as fh:
        records.write_tsv(fh, records.BLOCK_COLUMNS, rows)
    seconds = time.perf_counter() - start
    log.info(
        "%s: %d/%d images done, %d rejected, in %.2f s; wrote %s",
        name,
        total,
        total,
        rejected,
        seconds,
        table_path,
    )
    return BlockResult(total, rejected, seconds)


def _rows(members, input_dir, write_greyscale, workers):
    if workers <= 1 or len(members) < 2 * workers:
        writer = _Writer(input_dir, write_greyscale)
        yield from map(writer, members)
        return
    # fork: the workers inherit the imported modules instead of importing again
    ctx = multiprocessing.get_context("fork")
    chunk = max(1, min(64, len(members) // (4 * workers)))
    with ctx.Pool(workers, _init_worker, (input_dir, write_greyscale)) as pool:
        yield from pool.imap(_work, members, chunksize=chunk)
