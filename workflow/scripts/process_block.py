"""One block job: the analysis on every image of the block's manifest."""

from perimage import blockjob, results, runner
from perimage.joblog import job_log

sm = snakemake
cfg = sm.config
declared = [sm.input.manifest, sm.output.table, sm.log.figures]
with job_log(sm.log.log), results.in_workdir(*declared) as paths:
    blockjob.run(
        *paths,
        sm.wildcards.block,
        # input_dir and progress_every are read from the config, not params:
        # moving the data or logging more often must not re-run the block.
        settings=runner.Settings(
            cfg["input_dir"],
            cfg["analysis"],
            sm.params.version,
            cfg["save_images"],
            cfg["write_records"],
            sm.params.max_pixels,
        ),
        state=sm.params.state,
        on_error=sm.params.on_error,
        workers=sm.threads,
        progress_every=cfg["progress_every"],
    )
