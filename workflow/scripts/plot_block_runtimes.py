"""Where the time went: each block job's run time."""

from imagestats import plots
from imagestats.joblog import job_log

sm = snakemake
with job_log(sm.log[0]) as log:
    blocks = plots.read_block_runtimes(list(sm.input.benchmarks), sm.input.sizes)
    log.info("read %d block benchmark files", len(blocks))
    plots.block_runtimes(blocks, sm.output.plot)
    log.info("wrote %s", sm.output.plot)
