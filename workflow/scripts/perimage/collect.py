"""Merge the block tables into one table of images and one of rejections."""

from __future__ import annotations

import logging

from . import atomic, tables
from .errors import CollectError

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
) -> tuple[tables.StatsTable, list[tuple[str, str]]]:
    """All images of the block tables, sorted by path: the processed ones as
    ``results/stats.tsv`` holds them, and the rejected ones with reasons.

    ``expected`` is the number of images the plan assigned to these blocks;
    a different total means a block table does not match its plan.
    """
    read = [tables.BlockTable.read(path) for path in block_tables]
    # an analysis may return other columns for some images: their union,
    # in the order they first appear
    columns = list(dict.fromkeys(c for table in read for c in table.columns))
    good: list[list[str]] = []
    bad: list[tuple[str, str]] = []
    for table in read:
        for row in table.rows:
            if table.error(row):
                bad.append((table.path(row), table.error(row)))
            else:
                good.append(
                    row if table.columns == columns else table.widened(row, columns)
                )
    if len(good) + len(bad) != expected:
        raise CollectError(
            f"the block tables list {len(good) + len(bad)} images but the plan has"
            f" {expected}; run the workflow again to re-process the blocks"
        )
    good.sort(key=tables.BlockTable.path)
    bad.sort()
    names = ["path", *columns]
    by_column = list(zip(*good, strict=True)) or [()] * len(names)
    data = {name: list(values) for name, values in zip(names, by_column, strict=False)}
    return tables.StatsTable.from_columns(data), bad


def write(stats: tables.StatsTable, rejected, stats_out: str, rejected_out: str):
    """``results/stats.tsv`` and ``results/rejected.tsv``."""
    with atomic.open_text(stats_out) as fh:
        tables.write_rows(
            fh, stats.columns, zip(*(stats.text(c) for c in stats.columns), strict=True)
        )
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
