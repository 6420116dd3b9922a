"""Per-class summary of the per-image statistics."""

from imagestats import summary
from imagestats.joblog import job_log

sm = snakemake
with job_log(sm.log[0]) as log:
    stats = summary.read_stats(sm.input.stats)
    rejected = summary.read_rejected(sm.input.rejected)
    table = summary.summarise(stats, rejected)
    summary.write_summary(table, sm.output.classes)
    log.info("wrote %s (%d classes)", sm.output.classes, len(table) - 1)
