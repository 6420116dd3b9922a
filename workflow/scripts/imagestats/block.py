"""Process one block: every image of a manifest, in one process (or a pool).

For each image this reads the file once, writes its greyscale PNG and its JSON
stats record, and returns its row of the block table. A bad image becomes a row
with a reason in ``error``; what happens then is the caller's ``on_error``.

When a block runs again because one of its images changed, the others need no
work: an image whose record names the same source size and modification time
and the same output version (code, Pillow, settings), and whose outputs are on
disk, gets its row from that record instead of being processed again.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import multiprocessing
import os
import time
from dataclasses import dataclass

import PIL

from . import atomic, codedeps, records
from .folders import FolderIndex
from .greyscale import DEFAULT_MAX_PIXELS, ImageError, load, too_large
from .pngio import encode_grey_png

log = logging.getLogger(__name__)


class BlockError(Exception):
    """The block stopped; the message names the file and the reason."""


@dataclass
class BlockResult:
    images: int
    processed: int
    reused: int
    rejected: int
    seconds: float


def output_version(write_greyscale: bool) -> str:
    """Changes whenever the outputs of an unchanged image could change: the
    code that makes them, the Pillow that decodes, the settings."""
    code = codedeps.version(os.path.abspath(__file__))
    key = f"{PIL.__version__}\0{write_greyscale}\0{code}"
    return hashlib.sha256(key.encode()).hexdigest()[:16]


class _Writer:
    """Per-process state: settings, and the output folders made so far."""

    def __init__(
        self, input_dir: str, write_greyscale: bool, max_pixels: int, version: str
    ):
        self.input_dir = input_dir
        self.write_greyscale = write_greyscale
        self.max_pixels = max_pixels
        self.version = version
        self.made: set[str] = set()
        # a failed open per new image costs as much as a read on some file
        # systems: one listing per folder answers "is there a record?"
        self.records = FolderIndex()

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

    def _current_row(self, relpath: str, source: list[int]) -> dict | None:
        """The image's row from its record, if its outputs are current."""
        path = records.record_path(relpath)
        if not self.records.exists(path):
            return None
        try:
            with open(path, "rb") as fh:
                record = json.loads(fh.read())
        except (OSError, ValueError):
            return None
        if record.get("version") != self.version or record.get("source") != source:
            return None
        png = record.get("greyscale")
        if png and not os.path.exists(png):
            return None
        if too_large(record["width"], record["height"], self.max_pixels):
            return None  # now over the limit: load() rejects it
        return {c: record[c] for c in records.STATS_COLUMNS}

    def __call__(self, relpath: str) -> tuple[dict, bool]:
        """The image's row, and whether it was processed (not reused)."""
        try:
            relpath.encode("utf-8")
        except UnicodeEncodeError:
            return {"path": relpath, "error": "file name is not valid UTF-8"}, True
        src = os.path.join(self.input_dir, relpath)
        try:
            st = os.stat(src)
            source = [st.st_size, st.st_mtime_ns]
            row = self._current_row(relpath, source)
            if row is not None:
                return row, False
        except OSError:
            source = None  # load() below says why
        try:
            grey, stats = load(src, self.max_pixels)
        except ImageError as e:
            self._forget(relpath)
            return {"path": relpath, "error": str(e)}, True
        png = records.greyscale_path(relpath) if self.write_greyscale else ""
        row = records.stats_row(relpath, png, stats)
        record = {**row, "source": source, "version": self.version}
        try:
            if png:
                self._write(png, encode_grey_png(grey))
            self._write(records.record_path(relpath), records.record_json(record))
        except OSError as e:
            if e.errno in atomic.STORAGE_ERRORS:
                raise BlockError(
                    f"cannot write {e.filename}, an output of {relpath!r}: {e.strerror}"
                ) from e
            self._forget(relpath)
            error = f"cannot write its outputs: {e.strerror}"
            return {"path": relpath, "error": error}, True
        return row, True


_worker: _Writer | None = None


def _init_worker(*settings) -> None:
    global _worker
    _worker = _Writer(*settings)


def _work(relpath: str) -> tuple[dict, bool]:
    return _worker(relpath)


def process_block(
    members: list[str],
    input_dir: str,
    table_path: str,
    *,
    write_greyscale: bool = True,
    max_pixels: int = DEFAULT_MAX_PIXELS,
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
    # a pool pays off only with a few images per process
    workers = workers if total >= 2 * workers else 1
    log.info("%s: %d images from %s, %d process(es)", name, total, input_dir, workers)
    version = output_version(write_greyscale)
    settings = (input_dir, write_greyscale, max_pixels, version)
    rows: list[dict] = []
    processed = rejected = 0
    with exclusive(table_path, name):
        for row, was_processed in _rows(members, settings, workers):
            processed += was_processed
            if row.get("error"):
                rejected += 1
                shown = records.printable(row["path"])
                if on_error == "fail":
                    raise BlockError(f"{shown}: {row['error']}")
                log.info("rejected %s: %s", shown, row["error"])
                row["path"] = shown
            rows.append(row)
            done = len(rows)
            if done % progress_every == 0 and done < total:
                log.info(
                    "%s: %d/%d images done, %d rejected", name, done, total, rejected
                )
        with atomic.open_text(table_path) as fh:
            records.write_tsv(fh, records.BLOCK_COLUMNS, rows)
    if rejected:
        log.warning(
            "%s: %d of %d images rejected (reasons in this job's log, and in"
            " results/rejected.tsv once the blocks are collected)",
            name,
            rejected,
            total,
        )
    result = BlockResult(
        total, processed, total - processed, rejected, time.perf_counter() - start
    )
    log.info(
        "%s: %d/%d images done (%d processed, %d already current), %d rejected,"
        " in %.2f s; wrote %s",
        name,
        total,
        total,
        result.processed,
        result.reused,
        rejected,
        result.seconds,
        table_path,
    )
    return result


@contextlib.contextmanager
def exclusive(table_path: str, name: str):
    """Hold the block's lock. A process of an earlier, killed run can still be
    writing this block's outputs (killing snakemake does not kill its jobs);
    this one waits for it rather than write the same files at the same time.
    The kernel drops the lock when its holder dies, however it dies."""
    folder, table = os.path.split(table_path)
    os.makedirs(folder or ".", exist_ok=True)
    with open(os.path.join(folder, f".{table}.lock"), "a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.warning("%s: another process is still writing it; waiting", name)
            fcntl.flock(fh, fcntl.LOCK_EX)
        yield


def _rows(members, settings, workers):
    if workers <= 1:
        writer = _Writer(*settings)
        yield from map(writer, members)
        return
    # fork: the workers inherit the imported modules instead of importing again
    ctx = multiprocessing.get_context("fork")
    chunk = max(1, min(64, len(members) // (4 * workers)))
    with ctx.Pool(workers, _init_worker, settings) as pool:
        yield from pool.imap(_work, members, chunksize=chunk)
