"""Whether the outputs a block table lists are still there, as recorded.

A block's state token is the one its table recorded, or a new one when an
output the table lists is missing or has another size than recorded
(deleted, truncated by a crash, overwritten): one ``stat`` per output,
nothing read back. The token is a param of the block's job, so a changed
token runs the block, which makes the output again and records the token.

Run as ``python -m perimage.outputcheck`` in the workflow's working
directory, it prints the tokens of every block of the current plan as JSON:
Snakemake's main process starts it while it lists the input folder, so that
the two take a core each.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys

from . import layout, results, tables
from .plan import PlanFolder


def block_state(table_path: str) -> str:
    """The block's state token (see the module's description)."""
    try:
        state, files = tables.BlockTable.recorded_outputs(table_path)
    except FileNotFoundError:
        return ""  # the block runs anyway: its table is missing
    except (ValueError, KeyError, IndexError, UnicodeDecodeError) as e:
        with open(table_path, "rb") as fh:
            content = hashlib.sha256(fh.read()).hexdigest()[:16]
        return f"unreadable table {content} ({type(e).__name__})"
    damaged = [path for path, size in files if _size(path) != size]
    if not damaged:
        return state
    h = hashlib.sha256(state.encode())
    for path in damaged:
        h.update(layout.encode(path) + b"\0")
    first = layout.printable(damaged[0])
    return (
        f"{len(damaged)} outputs missing or damaged, first {first}"
        f" ({h.hexdigest()[:12]})"
    )


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except FileNotFoundError:
        return -1


def planned_states() -> dict[str, str]:
    """The state token of every block of the plan in results/plan/."""
    try:
        blocks = PlanFolder(results.PLAN).sizes()
    except FileNotFoundError:
        return {}
    return {block: block_state(results.table_path(block)) for block in blocks}


if __name__ == "__main__":
    json.dump(planned_states(), sys.stdout)
