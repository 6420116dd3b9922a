"""Merge the block tables into one table of images and one of rejections."""

from __future__ import annotations

import logging

from . import atomic, records

log = logging.getLogger(__name__)


class CollectError(Exception):
    pass


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
    log.info(
        "read %d block tables; wrote %d images to %s and %d rejected to %s",
        len(block_tables),
        len(good),
        stats_out,
        len(bad),
        rejected_out,
    )
    return len(good), len(bad)
