"""One image, as its block would process it: a Snakemake target of its own."""

import os

from perimage import layout, runner
from perimage.analysis import AnalysisError
from perimage.errors import BlockError
from perimage.joblog import job_log

sm = snakemake
cfg = sm.config
target = sm.output[0]
with job_log(sm.log[0], BlockError, AnalysisError) as log:
    outcome = runner.run_image(
        sm.params.image,
        runner.Settings(
            cfg["input_dir"],
            cfg["analysis"],
            sm.params.version,
            save_images=True,
            write_records=cfg["write_records"] or target.startswith(layout.RECORDS),
            max_pixels=sm.params.max_pixels,
        ),
    )
    log.info("%s: %s", outcome.path, outcome.values)
    if not os.path.exists(target):
        raise BlockError(
            f"analysis {cfg['analysis']} saves no {target}: its images are"
            f" {', '.join(outcome.outputs) or 'none'}"
        )
