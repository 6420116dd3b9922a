"""The block plan: which images there are and which block each belongs to.

The checkpoint writes the plan to a folder: one manifest per block
(``blocks/<name>.jsonl``), the blocks' sizes (``blocks.tsv``), the files that
were skipped (``skipped.tsv``) and the counts (``inventory.json``). The
workflow also computes the plan each time it is parsed, only to tell whether
the written one is still current.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass

from . import atomic, blocks, inventory, records
from .folders import FolderIndex

log = logging.getLogger(__name__)


@dataclass
class Plan:
    inventory: inventory.Inventory
    selected: list[inventory.Image]
    blocks: dict[str, list[str]]

    def digest(self) -> str:
        """Changes exactly when the written plan would change: the blocks, the
        skipped files, or the set of images (whose outputs are kept)."""
        h = hashlib.sha256()
        for part in (
            sorted(self.blocks.items()),
            self.inventory.skipped,
            [im.path for im in self.inventory.images],
        ):
            h.update(json.dumps(part).encode() + b"\n")
        return h.hexdigest()

    def counts(self) -> dict:
        return {
            "found": len(self.inventory.images),
            "selected": len(self.selected),
            "skipped": len(self.inventory.skipped),
            "blocks": len(self.blocks),
        }


def current_plan(
    input_dir: str,
    *,
    extensions=inventory.DEFAULT_EXTENSIONS,
    patterns=(),
    limit: int = 0,
    block_size: int,
) -> Plan:
    inv = inventory.scan(input_dir, extensions)
    selected = inventory.select(inv.images, patterns, limit)
    if not selected:
        what = "match the include patterns and limit" if inv.images else "were found"
        raise inventory.InputError(
            f"input_dir {input_dir!r} has no images to process: none {what}"
            f" ({len(inv.images)} images with extensions {', '.join(extensions)},"
            f" {len(inv.skipped)} other files skipped)"
        )
    return Plan(inv, selected, blocks.plan([im.path for im in selected], block_size))


def write_plan(plan: Plan, plan_dir: str) -> None:
    block_dir = os.path.join(plan_dir, "blocks")
    os.makedirs(block_dir, exist_ok=True)
    for name, members in plan.blocks.items():
        path = os.path.join(block_dir, name + blocks.MANIFEST_SUFFIX)
        blocks.write_manifest(path, members)
    with atomic.open_text(os.path.join(plan_dir, "blocks.tsv")) as fh:
        sizes = ({"block": b, "images": len(m)} for b, m in sorted(plan.blocks.items()))
        records.write_tsv(fh, ["block", "images"], sizes)
    with atomic.open_text(os.path.join(plan_dir, "skipped.tsv")) as fh:
        skipped = plan.inventory.skipped
        rows = (
            {"path": records.printable(s.path), "reason": s.reason} for s in skipped
        )
        records.write_tsv(fh, records.REJECTED_COLUMNS, rows)
    with atomic.open_text(os.path.join(plan_dir, "inventory.json")) as fh:
        json.dump(plan.counts(), fh, indent=1)


def make_plan(input_dir: str, plan_dir: str, **settings) -> Plan:
    """The checkpoint's work: plan, write the plan, remove outputs of images
    that are gone."""
    plan = current_plan(input_dir, **settings)
    write_plan(plan, plan_dir)
    c = plan.counts()
    log.info(
        "%d images found below %s, %d selected, %d other files skipped;"
        " %d blocks (block_size %d)",
        c["found"],
        input_dir,
        c["selected"],
        c["skipped"],
        c["blocks"],
        settings["block_size"],
    )
    removed = prune_outputs([im.path for im in plan.inventory.images])
    if removed:
        log.info(
            "removed %d output files of images no longer in %s", removed, input_dir
        )
    return plan


def prune_outputs(current: list[str]) -> int:
    """Remove per-image outputs whose image is gone, and leftovers of
    interrupted writes, so nothing under results/ looks current when it is not.
    Images left out by ``include`` or ``limit`` keep their outputs."""
    keep = set()
    for path in current:
        keep.add(records.greyscale_path(path))
        keep.add(records.record_path(path))
    removed = 0
    for root in (records.GREYSCALE_ROOT, records.RECORD_ROOT):
        for folder, _subfolders, files in os.walk(root, topdown=False):
            for name in files:
                path = os.path.join(folder, name)
                if path not in keep:
                    os.remove(path)
                    removed += 1
            if folder != root and not os.listdir(folder):
                os.rmdir(folder)
    return removed


def progress_message(manifest: str, table: str) -> str:
    """The overall progress, in images, after the block of ``manifest`` wrote
    ``table``: from the block sizes the plan wrote and the block tables on disk
    (one listing, not a read of every table)."""
    plan_dir = os.path.dirname(os.path.dirname(manifest))
    tables_dir, name = os.path.split(table)
    images, total, done, all_blocks = progress(plan_dir, tables_dir)
    return (
        f"{images} of {total} images done ({100 * images / total:.0f}%),"
        f" {done} of {all_blocks} blocks, after block {name[: -len('.tsv')]}"
    )


def progress(plan_dir: str, tables_dir: str) -> tuple[int, int, int, int]:
    """Images and blocks done so far, and in all."""
    sizes = {
        r["block"]: int(r["images"])
        for r in records.read_tsv(os.path.join(plan_dir, "blocks.tsv"))
    }
    tables = set(os.listdir(tables_dir))
    done = [b for b in sizes if b + ".tsv" in tables]
    images = sum(sizes[b] for b in done)
    return images, sum(sizes.values()), len(done), len(sizes)


def block_outputs_missing(table: str, index: FolderIndex) -> list[str]:
    """Per-image outputs that the block table lists but that are not on disk."""
    missing = []
    for row in records.read_tsv(table):
        if row["error"]:
            continue
        for path in (row["greyscale"], records.record_path(row["path"])):
            if path and not index.exists(path):
                missing.append(path)
    return missing
