"""One block job: greyscale PNG, stats record and table row for every image
of the block's manifest."""

import logging

from imagestats import plan
from imagestats.block import BlockError, process_block
from imagestats.blocks import read_manifest
from imagestats.joblog import job_log

sm = snakemake
with job_log(sm.log[0], BlockError):
    process_block(
        read_manifest(sm.input.manifest),
        # input_dir and progress_every are read from the config, not params:
        # moving the data or logging more often must not re-run the block.
        sm.config["input_dir"],
        sm.output.table,
        write_greyscale=sm.params.write_greyscale,
        max_pixels=sm.params.max_pixels,
        on_error=sm.params.on_error,
        workers=sm.threads,
        progress_every=sm.config["progress_every"],
        name=f"block {sm.wildcards.block}",
    )
    logging.getLogger("progress").info(
        plan.progress_message(sm.input.manifest, sm.output.table)
    )
