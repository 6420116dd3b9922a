"""Whether the outputs a block table lists are still there, as recorded.

A block's state token is the one its table recorded, or a new one when an
output the table lists is missing or has another size than recorded
(deleted, truncated by a crash, overwritten: one ``stat`` per output,
nothing read back; for a member of a block's archive, its size in the
archive's directory, one read per archive), or when its images are not as
the table recorded them (their fingerprint: sizes and modification times).
The token is a param of the block's job, so a changed token runs the block,
which records the token and the fingerprint of the images as it found them.

Run as ``python -m perimage.outputcheck [input_dir block...]`` in the
workflow's working directory, it prints as JSON the tokens of every block of
the current plan, the plan's digest, and the fingerprint of the images of
each block named (one ``stat`` each, from the block's manifest): Snakemake's
main process starts it while it lists the input folder, leaving the last
blocks' images to it, so that the two take a core each.
"""

from __future__ import annotations

import hashlib
import json
import sys

from . import inventory, layout, results, tables
from .plan import PlanFolder


def table_state(table_path: str) -> tuple[str, str | None]:
    """The token the block's table recorded, or a new one when an output it
    lists is missing or damaged, or when it cannot be read; and the
    fingerprint of the images it recorded (None without a readable table)."""
    try:
        table, damaged = _damaged_outputs(table_path)
    except FileNotFoundError:
        return "", None  # the block runs anyway: its table is missing
    except (ValueError, KeyError, IndexError, UnicodeDecodeError) as e:
        with open(table_path, "rb") as fh:
            content = hashlib.sha256(fh.read()).hexdigest()[:16]
        return f"unreadable table {content} ({type(e).__name__})", None
    try:  # its last job failed: run it again, whatever Snakemake recorded
        with open(results.failed_path(table_path)) as fh:
            table.state += f" failed ({fh.read(64)})"
    except FileNotFoundError:
        pass
    if not damaged:
        return table.state, table.sources
    h = hashlib.sha256(table.state.encode())
    for path in damaged:
        h.update(layout.encode(path) + b"\0")
    first = layout.printable(damaged[0])
    token = (
        f"{len(damaged)} outputs missing or damaged, first {first}"
        f" ({h.hexdigest()[:12]})"
    )
    return token, table.sources


def _damaged_outputs(table_path: str) -> tuple[tables.BlockTable, list[str]]:
    """The table's metadata, and the outputs it lists that are missing or
    have another size than recorded, in its order. By column when the table
    allows it (at a million images, reading the rows one by one costs as
    much as the ``stat`` of every output)."""
    import numpy as np

    from .statstable import recorded_output_columns

    found = recorded_output_columns(table_path)
    if found is not None:
        table, paths, recorded = found
        now = np.array(results.output_sizes(paths), np.int64)
        return table, [paths[i] for i in np.flatnonzero(now != recorded)]
    table, files = tables.BlockTable.recorded_outputs(table_path)
    sizes = results.output_sizes([path for path, _ in files])
    damaged = [
        path for (path, size), now in zip(files, sizes, strict=True) if now != size
    ]
    return table, damaged


def block_state(token: str, recorded: str | None, now: str) -> str:
    """The block's param: ``token`` (``table_state``) while its images are
    as its table recorded them (``now`` is their fingerprint now), else a
    new one, so that the block runs and records it."""
    if recorded is None or recorded == now:
        return token
    h = hashlib.sha256(f"{token}\0{now}".encode()).hexdigest()[:12]
    return f"images changed ({h})"


def planned_states() -> dict[str, tuple[str, str | None]]:
    """``table_state`` of every block of the plan in results/plan/."""
    try:
        blocks = PlanFolder(results.PLAN).sizes()
    except FileNotFoundError:
        return {}
    return {block: table_state(results.table_path(block)) for block in blocks}


def examined(input_dir: str, blocks: list[str]) -> dict[str, str]:
    """The fingerprint of each block's images as its manifest lists them
    (none for a block whose manifest cannot be read: the main process then
    examines its images itself)."""
    plan = PlanFolder(results.PLAN)
    found = {}
    for block in blocks:
        try:
            members = plan.manifest(block)["images"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        found[block] = inventory.stat_files(input_dir, members).fingerprint()
    return found


def main(args: list[str]) -> dict:
    recorded = PlanFolder(results.PLAN).recorded()
    images = examined(args[0], args[1:]) if args else {}
    return {
        "digest": recorded[0] if recorded else None,
        "tables": planned_states(),
        "images": images,
    }


if __name__ == "__main__":
    sys.stdout.write(json.dumps(main(sys.argv[1:])))
