"""Contact sheets of the darkest and brightest images of every class."""

from imagestats.galleries import make_galleries
from imagestats.joblog import job_log

sm = snakemake
with job_log(sm.log[0]) as log:
    n = make_galleries(
        sm.input.stats,
        # not a param: moving the data must not re-run this
        sm.config["input_dir"],
        sm.output.sheets,
        sm.params.per_row,
    )
    log.info("wrote %d contact sheets to %s", n, sm.output.sheets)
