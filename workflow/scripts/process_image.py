"""One image, as its block would process it: a Snakemake target of its own."""

from perimage import runner
from perimage.joblog import job_log

sm = snakemake
with job_log(sm.log[0]) as log:
    outcome = runner.run_target(
        sm.output[0],
        sm.params.image,
        sm.config,
        sm.params.version,
        sm.params.max_pixels,
    )
    log.info("%s: %s", outcome.path, outcome.values)
