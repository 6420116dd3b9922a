"""Run an analysis on the images of a block, or on one image.

For each image this reads the file once, opens it, calls the analysis, saves
the images it returns as PNGs (each through a temporary name and a rename),
and makes the image's row of the block table. A bad image becomes a row with
the reason; what happens then is the caller's ``on_error``.

When a block runs again, most of its images usually need no work: an image
whose row (in the block's previous table, a former block's, or a per-image
target's record) was made by
the same code and settings, from a source of the same size and modification
time, and whose outputs are on disk with the sizes recorded, keeps that row.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import multiprocessing
import os
import resource
import time
import traceback
from dataclasses import dataclass, field

from PIL import Image

from . import archive, atomic, decode, inputs, layout, png, results, tables
from .analysis import Analysis
from .errors import BlockError, Rejected
from .outarchive import BlockArchives

log = logging.getLogger(__name__)
MIN_IMAGES_PER_WORKER = 50  # fewer, and a pool costs more than it saves


@dataclass(frozen=True)
class Settings:
    """What decides an image's outputs, besides its pixels and the code."""

    input_dir: str
    analysis: str
    version: str
    save_images: bool | str = True  # "zip": into one archive per block
    write_records: bool = False
    max_pixels: int = decode.DEFAULT_MAX_PIXELS


@dataclass(slots=True)
class Outcome:
    """One image's row: its columns as text, or why it was rejected."""

    path: str
    values: dict[str, str] = field(default_factory=dict)
    error: str = ""
    source: str = ""
    pixels: int = 0
    outputs: dict[str, int] = field(default_factory=dict)
    processed: bool = True
    analysis_failed: bool = False  # the analysis raised, not Rejected
    detail: str = ""  # the traceback, for the log
    images: dict[str, bytes] = field(default_factory=dict)  # for the archives

    def row(self, columns: list[str]) -> list[str]:
        return tables.BlockTable.make_row(
            self.path,
            [self.values.get(c, "") for c in columns],
            self.error,
            self.source,
            self.pixels,
            self.outputs,
        )


class Worker:
    """Opens, analyses and saves one image at a time (one per process)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.analysis = Analysis.load(settings.analysis)
        self.folders: set[str] = set()
        self.source = inputs.open_input(settings.input_dir)

    def process(self, relpath: str) -> Outcome:
        s = self.settings
        try:
            relpath.encode("utf-8")
        except UnicodeEncodeError:
            shown = layout.printable(relpath)
            return Outcome(shown, error="file name is not valid UTF-8")
        try:
            data, source = self.source.read(relpath, s.max_pixels)
            image = decode.open_image(
                data, s.max_pixels, fast=self.analysis.pixels_only
            )
        except Rejected as e:
            return Outcome(relpath, error=str(e))
        try:
            columns = self.analysis(image)
        except Rejected as e:
            return Outcome(relpath, error=str(e), source=source)
        except Exception as e:
            if self.analysis.strict:
                raise
            return Outcome(
                relpath,
                error=str(e) or type(e).__name__,
                source=source,
                analysis_failed=True,
                detail=traceback.format_exc(),
            )
        outcome = Outcome(relpath, source=source, pixels=image.width * image.height)
        for column, value in columns:
            if isinstance(value, Image.Image):
                outcome.values[column] = self._save(column, value, relpath, outcome)
            else:
                outcome.values[column] = (
                    repr(value) if type(value) is float else tables.cell(value)
                )
        if s.write_records:
            record = {"path": relpath}
            for column, value in columns:
                record[column] = (
                    outcome.values[column] if isinstance(value, Image.Image) else value
                )
            data = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
            self._write(results.record_path(relpath), data, relpath)
            outcome.outputs[results.RECORD] = len(data)
        return outcome

    def _save(self, name: str, image: Image.Image, relpath: str, outcome) -> str:
        if not self.settings.save_images:
            return ""
        try:
            data = png.encode(image)
        except (OSError, ValueError) as e:
            raise BlockError(
                f"analysis {self.analysis.name} returned the image {name!r} in"
                f" mode {image.mode}, which cannot be saved as PNG: {e}"
            ) from None
        outcome.outputs[name] = len(data)
        if self.settings.save_images == "zip":
            outcome.images[name] = data  # the block's archive takes it
            return ""
        path = results.image_path(name, relpath)
        self._write(path, data, relpath)
        return path

    def _write(self, path: str, data: bytes, relpath: str) -> None:
        folder = os.path.dirname(path)
        try:
            if folder not in self.folders:
                os.makedirs(folder, exist_ok=True)
                self.folders.add(folder)
            atomic.write_bytes(path, data)
        except OSError as e:
            raise BlockError(
                f"cannot write {folder}/: {e.strerror}"
                f" (saving the outputs of {layout.printable(relpath)})"
            ) from None

    def forget(self, relpath: str, kinds) -> None:
        """Remove outputs an image had: it is rejected now."""
        if archive.unsafe_name(relpath):
            return  # it never had any, and its names would lead out of results/
        if self.settings.save_images == "zip":
            # its images were members of the archive its block writes anew
            kinds = [k for k in kinds if k == results.RECORD]
        for path in results.output_paths(kinds, relpath):
            try:
                os.remove(path)
            except FileNotFoundError:
                pass
            except OSError as e:
                raise BlockError(f"cannot remove {path}: {e.strerror}") from None


class Previous:
    """Rows of earlier tables that may be reused."""

    def __init__(self, paths: list[str]):
        self.rows: dict[str, tuple[tables.BlockTable, list[str]]] = {}
        self.kinds: set[str] = set()
        for path in paths:
            table = tables.BlockTable.read_if_valid(path)
            for row in table.rows if table else ():
                self.rows.setdefault(table.path(row), (table, row))
                self.kinds.update(table.outputs(row))

    def reuse(self, relpath: str, settings: Settings) -> Outcome | None:
        """The image's earlier row, if it is current."""
        found = self.rows.get(relpath)
        if found is None:
            return None
        table, row = found
        if table.version != settings.version or table.error(row):
            return None
        if table.source(row) != inputs.open_input(settings.input_dir).token(relpath):
            return None
        if table.pixels(row) > settings.max_pixels:
            return None
        files = table.output_files(row)
        if not all(results.output_size(path) == size for path, size in files):
            return None
        return Outcome(
            relpath,
            values=table.values(row),
            source=table.source(row),
            pixels=table.pixels(row),
            outputs=table.outputs(row),
            processed=False,
        )


@dataclass
class BlockResult:
    images: int
    processed: int
    reused: int
    rejected: int
    seconds: float
    cpu_seconds: float


_worker: Worker | None = None


def _init_worker(settings: Settings) -> None:
    global _worker
    _worker = Worker(settings)


def _work(relpath: str) -> Outcome:
    return _worker.process(relpath)


def _outcomes(todo: list[str], settings: Settings, workers: int):
    if workers <= 1:
        worker = Worker(settings)
        yield worker
        yield from map(worker.process, todo)
        return
    yield Worker(settings)  # for forgetting outputs, in this process
    # fork: the workers inherit the imported modules instead of importing again
    ctx = multiprocessing.get_context("fork")
    chunk = max(1, min(64, len(todo) // (4 * workers)))
    with ctx.Pool(workers, _init_worker, (settings,)) as pool:
        yield from pool.imap(_work, todo, chunksize=chunk)


def run_block(
    members: list[str],
    table_path: str,
    settings: Settings,
    *,
    state: str = "",
    sources: str = "",
    reuse_from: tuple[str, ...] = (),
    on_error: str = "skip",
    workers: int = 1,
    progress_every: int = 1000,
    name: str = "block",
    home: str | None = None,
) -> BlockResult:
    """Process ``members`` (paths relative to ``settings.input_dir``) and write
    the block table to ``table_path``. With ``on_error="fail"`` the first bad
    image stops the block with ``BlockError`` and no table is written.
    ``home`` is where the block's table stays between runs, if not at
    ``table_path`` (a job in a shadow directory): its rows are reused, and
    its lock held."""
    start, cpu_start = time.perf_counter(), _cpu_seconds()
    total = len(members)
    home = home or table_path
    archives = None
    if settings.save_images == "zip":
        archives = BlockArchives(os.path.basename(home).removesuffix(".tsv"))
    with (
        exclusive(home, name),
        _noted_if_failed(home),
        _abandoned_unless_committed(archives),
    ):
        # what per-image targets made first: newer than any block's row
        targets = results.target_records()
        previous = Previous([*targets, home, *reuse_from])
        outcomes: dict[str, Outcome] = {}
        todo = []
        for relpath in members:
            reused = previous.reuse(relpath, settings)
            if reused is not None and archives is not None:
                reused = _copy_images(reused, archives)
            if reused is None:
                todo.append(relpath)
            else:
                outcomes[relpath] = reused
        workers = max(1, min(workers, len(todo) // MIN_IMAGES_PER_WORKER))
        log.info(
            "%s: %d images from %s, %d already current, %d to process in %d"
            " process(es)",
            name,
            total,
            settings.input_dir,
            len(outcomes),
            len(todo),
            workers,
        )
        made = _outcomes(todo, settings, workers)
        worker = next(made)
        rejected = failed = 0
        first_failure = None
        kinds = set(previous.kinds)  # of outputs a rejected image may have had
        for relpath, outcome in zip(todo, made, strict=True):
            outcomes[relpath] = outcome
            for kind, data in outcome.images.items():
                outcome.values[kind] = archives.add(kind, relpath, data)
            outcome.images = {}
            kinds.update(outcome.outputs)
            if outcome.error:
                rejected += 1
                shown = layout.printable(relpath)
                if on_error == "fail":
                    raise BlockError(f"{shown}: {outcome.error}")
                worker.forget(relpath, kinds)
                if outcome.analysis_failed:
                    failed += 1
                    if first_failure is None:
                        first_failure = outcome
                        log.info(
                            "the analysis failed on %s:\n%s", shown, outcome.detail
                        )
                log.info("rejected %s: %s", shown, outcome.error)
            done = len(outcomes)
            if done % progress_every == 0 and done < total:
                log.info(
                    "%s: %d/%d images done, %d rejected", name, done, total, rejected
                )
        opened = sum(1 for o in outcomes.values() if o.processed and o.source)
        if failed and failed == opened:
            raise BlockError(
                f"analysis {settings.analysis} raised an exception for every image"
                f" it was given in {name} ({failed}), first for"
                f" {first_failure.path}: {first_failure.error!r}. That is a bug in"
                " the analysis, not bad images; its traceback is in this job's log."
            )
        rows = [outcomes[m] for m in members]
        columns = list(dict.fromkeys(c for o in rows for c in o.values))
        table = tables.BlockTable(columns, settings.version, state, sources=sources)
        table.rows = [o.row(columns) for o in rows]
        if archives is not None:
            archives.commit(had=previous.kinds)
        with atomic.open_text(table_path) as fh:
            table.write(fh)
        # the block's table holds those images' rows now
        members_set = set(members)
        for path in targets:
            record = tables.BlockTable.read_if_valid(path)
            if record is None or all(
                record.path(r) in members_set for r in record.rows
            ):
                results.remove_file(path)
    processed = len(todo)
    result = BlockResult(
        total,
        processed,
        total - processed,
        rejected,
        time.perf_counter() - start,
        _cpu_seconds() - cpu_start,
    )
    if rejected:
        log.warning(
            "%s: %d of %d images rejected (reasons in this job's log, and in"
            " results/rejected.tsv once the blocks are collected)",
            name,
            rejected,
            total,
        )
    per_image = result.cpu_seconds / processed * 1e6 if processed else 0.0
    log.info(
        "%s: %d/%d images done (%d processed, %d already current), %d rejected,"
        " in %.2f s, %.2f s CPU (%.0f us per processed image); wrote %s",
        name,
        total,
        total,
        processed,
        result.reused,
        rejected,
        result.seconds,
        result.cpu_seconds,
        per_image,
        table_path,
    )
    return result


def run_image(relpath: str, settings: Settings, *, record: bool = True) -> Outcome:
    """One image, as its block would process it; a rejection is an error
    here, since the outputs asked for cannot be made. With ``record``, the
    image's row is kept as a one-row table (``results.target_record_path``),
    so that its block reuses it and the workflow knows the files it wrote."""
    worker = Worker(settings)
    outcome = worker.process(relpath)
    if outcome.error:
        worker.forget(relpath, set(outcome.outputs))
        raise BlockError(f"{layout.printable(relpath)}: {outcome.error}")
    if record:
        columns = list(outcome.values)
        table = tables.BlockTable(columns, settings.version, "")
        table.rows = [outcome.row(columns)]
        path = results.target_record_path(relpath)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with atomic.open_text(path) as fh:
            table.write(fh)
    return outcome


def run_target(target: str, relpath: str, config: dict, version: str, max_pixels):
    """A per-image target's job: the image's outputs, ``target`` among them."""
    records = config["write_records"] or target.startswith(results.RECORDS)
    settings = Settings(
        config["input_dir"],
        config["analysis"],
        version,
        save_images=True,
        write_records=records,
        max_pixels=max_pixels,
    )
    # its block reuses the row only when it wrote what the block would
    # (with save_images: zip its image is a file of its own, not the block's)
    record = config["save_images"] is True and records == config["write_records"]
    outcome = run_image(relpath, settings, record=record)
    if not os.path.exists(target):
        raise BlockError(
            f"analysis {config['analysis']} saves no {target}: its images are"
            f" {', '.join(outcome.outputs) or 'none'}"
        )
    return outcome


def _copy_images(outcome: Outcome, archives: BlockArchives) -> Outcome | None:
    """A reused row's images, copied into the block's archives from those
    they were in; None when one cannot be read (the image is made again)."""
    images = {}
    for kind in outcome.outputs:
        if kind != results.RECORD:
            try:
                images[kind] = results.read_output(outcome.values[kind])
            except (OSError, Rejected):
                return None
    for kind, data in images.items():
        outcome.values[kind] = archives.add(kind, outcome.path, data)
    return outcome


@contextlib.contextmanager
def _noted_if_failed(home: str):
    """A block that fails leaves a note beside its table, which changes its
    state (``outputcheck``) until it succeeds. Snakemake records a failed
    job's params and puts its previous table back (an ``update`` output):
    without the note, the next run would take the block as done, and an
    image that changed before the failure (an output folder that could not
    be written) would never be processed."""
    note = results.failed_path(home)
    try:
        yield
    except Exception:
        with contextlib.suppress(OSError), open(note, "w") as fh:
            fh.write(os.urandom(6).hex())
        raise
    results.remove_file(note)


@contextlib.contextmanager
def _abandoned_unless_committed(archives: BlockArchives | None):
    """A block that stops leaves no temporary archive behind."""
    try:
        yield
    except BaseException:
        if archives is not None:
            archives.abandon()
        raise


def _cpu_seconds() -> float:
    """CPU time of this process and of the workers it has waited for."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@contextlib.contextmanager
def exclusive(table_path: str, name: str):
    """Hold the block's lock. A process of an earlier, killed run can still be
    writing this block's outputs (killing snakemake does not kill its jobs);
    this one waits for it rather than write the same files at the same time.
    The kernel drops the lock when its holder dies, however it dies."""
    os.makedirs(os.path.dirname(table_path) or ".", exist_ok=True)
    with open(results.lock_path(table_path), "a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.warning("%s: another process is still writing it; waiting", name)
            fcntl.flock(fh, fcntl.LOCK_EX)
        yield
