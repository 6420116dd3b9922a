"""Plots of the brightness survey."""

from imagestats import plots, summary
from imagestats.joblog import job_log

sm = snakemake
with job_log(sm.log[0]) as log:
    stats = summary.read_stats(sm.input.stats)
    plots.brightness_by_class(stats, sm.output.by_class)
    log.info("plotted %d images to %s", len(stats), sm.output.by_class)
