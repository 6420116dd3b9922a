"""Merge the block tables into one table of images and one of rejections."""

from __future__ import annotations

import logging

from . import atomic, records

log = logging.getLogger(__name__)


class CollectError(Exception):
    pass


def rejected_message(n: int, path: str) -> str:
    were = "image was" if n == 1 else "images were"
    return f"{n} {were} rejected; see {path}"


def count_rejected(path: str) -> int:
    """Rows of a rejected.tsv (0 when there is none)."""
    try:
        return len(records.read_tsv(path))
    except FileNotFoundError:
        return 0


def collect(
    block_tables: list[str], stats_out: str, rejected_out: str, expected: int
) -> tuple[int, int]:
    """Write ``stats_out`` and ``rejected_out``, both sorted by path.

    ``expected`` is the number of images the plan assigned to these blocks;
    a different total means a block table does not match its plan.
    """
    good: list[dict] = []
    bad: list[dict] = []
    for table in block_tables:
        for row in records.read_tsv(table):
            if row["error"]:
                bad.append({"path": row["path"], "reason": row["error"]})
            else:
                good.append(row)
    if len(good) + len(bad) != expected:
        raise CollectError(
            f"the block tables list {len(good) + len(bad)} images but the plan has"
            f" {expected}; run the workflow again to re-process the blocks"
        )
    good.sort(key=lambda r: r["path"])
    bad.sort(key=lambda r: r["path"])
    with atomic.open_text(stats_out) as fh:
        records.write_tsv(fh, records.STATS_COLUMNS, good)
    with atomic.open_text(rejected_out) as fh:
        records.write_tsv(fh, records.REJECTED_COLUMNS, bad)
    if bad:
        log.warning(rejected_message(len(bad), rejected_out))
    log.info(
        "read %d block tables; wrote %d images to %s and %d rejected to %s",
        len(block_tables),
        len(good),
        stats_out,
        len(bad),
        rejected_out,
    )
    return len(good), len(bad)
