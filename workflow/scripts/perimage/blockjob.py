"""A block job as the workflow runs it: its manifest in; its table and its
figures out."""

from __future__ import annotations

import dataclasses
import json
import time

from . import atomic, inventory, plan, results, runner


def run(manifest_path: str, table_path: str, figures_path: str, block: str, **options):
    """Run the block whose manifest is ``manifest_path``; ``options`` are
    those of ``runner.run_block``. The figures (images, processed, reused,
    rejected, seconds, CPU seconds, start and end) go to ``figures_path`` as
    JSON, for the benchmark and for anyone who wants them without parsing
    the log."""
    started = time.time()
    manifest = plan.read_manifest(manifest_path)
    # what the images were as the job began: the workflow compares it with
    # its own listing to tell whether they changed since
    settings = options["settings"]
    looked = inventory.stat_files(settings.input_dir, manifest["images"])
    result = runner.run_block(
        manifest["images"],
        table_path,
        sources=looked.fingerprint(),
        reuse_from=[results.table_path(b) for b in manifest["reuse"]],
        name=f"block {block}",
        home=results.table_path(block),
        **options,
    )
    figures = {
        "block": block,
        **dataclasses.asdict(result),
        "started": started,
        "finished": time.time(),
    }
    with atomic.open_text(figures_path) as fh:
        json.dump(figures, fh, indent=1)
