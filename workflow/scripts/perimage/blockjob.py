"""A block job as the workflow runs it: its manifest in, its table out, and a
line of overall progress for the terminal."""

from __future__ import annotations

import logging

from . import layout, plan, runner


def run(manifest_path: str, table_path: str, block: str, **options) -> None:
    """Run the block whose manifest is ``manifest_path``; ``options`` are
    those of ``runner.run_block``."""
    manifest = plan.read_manifest(manifest_path)
    runner.run_block(
        manifest["images"],
        table_path,
        reuse_from=[layout.table_path(b) for b in manifest["reuse"]],
        name=f"block {block}",
        **options,
    )
    logging.getLogger("progress").info(
        plan.progress_message(plan.PlanFolder.of_manifest(manifest_path), block)
    )
