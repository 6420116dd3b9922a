"""Merge the block tables into one table of images and one of rejections."""

from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from . import atomic, tables
from .errors import CollectError

if TYPE_CHECKING:
    from .statstable import StatsTable

log = logging.getLogger(__name__)


def rejected_message(n: int, path: str) -> str:
    were = "image was" if n == 1 else "images were"
    return f"{n} {were} rejected; see {path}"


def count_rejected(path: str) -> int:
    """Rows of a rejected.tsv (0 when there is none)."""
    try:
        return len(tables.read_reasons(path))
    except FileNotFoundError:
        return 0


def read_blocks(
    block_tables: list[str], expected: int
) -> tuple[StatsTable, list[tuple[str, str]]]:
    """All images of the block tables, sorted by path: the processed ones as
    ``results/stats.tsv`` holds them, and the rejected ones with reasons.

    ``expected`` is the number of images the plan assigned to these blocks;
    a different total means a block table does not match its plan.
    """
    # imported here: Snakemake's start-up imports this module for the above
    import numpy as np
    import pyarrow.compute as pc

    from . import statstable, textcolumns

    # one table per thread: faster than Arrow's threads within each table
    with ThreadPoolExecutor(_usable_cpus()) as pool:
        read = list(pool.map(statstable.read_block_columns, block_tables))
    total = sum(table.num_rows for table in read)
    if total != expected:
        raise CollectError(
            f"the block tables list {total} images but the plan has"
            f" {expected}; run the workflow again to re-process the blocks"
        )
    # an analysis may return other columns for some images: their union,
    # in the order they first appear
    names = ["path"]
    names += dict.fromkeys(
        c for t in read for c in statstable.analysis_columns(t.schema.names)
    )
    merged = [textcolumns.with_columns(t, [*names, "_error"]) for t in read]
    if merged:
        rows = textcolumns.sorted_rows(merged, ["path"])
    else:
        rows = textcolumns.empty([*names, "_error"])
    # rejected images are found by their reason (rare: the rows stay, masked)
    failed = pc.not_equal(rows["_error"], textcolumns.EMPTY)
    keep = None
    rejected = []
    if pc.any(failed).as_py():
        keep = np.logical_not(textcolumns.numbers(failed))
        bad = rows.select(["path", "_error"]).filter(failed)
        bad = textcolumns.sorted_rows([bad], ["path", "_error"])
        paths, reasons = bad["path"].to_pylist(), bad["_error"].to_pylist()
        rejected = list(zip(paths, reasons, strict=True))
    return statstable.StatsTable(rows.select(names), keep), rejected


def _usable_cpus() -> int:
    if hasattr(os, "sched_getaffinity"):  # Linux: the CPUs a job may use
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def write(stats: StatsTable, rejected, stats_out: str, rejected_out: str):
    """``results/stats.tsv`` and ``results/rejected.tsv``."""
    with atomic.open_text(stats_out) as fh:
        stats.write(fh)
    with atomic.open_text(rejected_out) as fh:
        tables.write_reasons(fh, rejected)
    if rejected:
        log.warning(rejected_message(len(rejected), rejected_out))
    log.info(
        "wrote %d images to %s and %d rejected to %s",
        len(stats),
        stats_out,
        len(rejected),
        rejected_out,
    )
