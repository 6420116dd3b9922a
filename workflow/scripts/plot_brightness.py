"""Plots of the brightness survey."""

from imagestats import plots
from imagestats.joblog import job_log

sm = snakemake
with job_log(sm.log[0]) as log:
    survey = plots.Survey(sm.input.stats)
    plots.brightness_by_class(survey, sm.output.by_class)
    log.info("plotted %d images to %s", len(survey), sm.output.by_class)
