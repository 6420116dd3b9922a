"""Plots of the brightness survey."""

from imagestats import plots
from imagestats.joblog import job_log

sm = snakemake
with job_log(sm.log[0]) as log:
    survey = plots.Survey(sm.input.stats)
    log.info("read %d images from %s", len(survey), sm.input.stats)
    plots.brightness_by_class(survey, sm.output.by_class)
    plots.mean_histograms(survey, sm.output.histograms)
    plots.min_max_spread(survey, sm.output.min_max)
    plots.mean_vs_std(survey, sm.output.mean_std)
    log.info("wrote %s", ", ".join(sm.output))
