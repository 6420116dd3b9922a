"""The brightness survey's plots and contact sheets, and the block run times."""

from brightness import galleries, plots
from perimage import collect
from perimage.joblog import job_log
from perimage.plan import PlanFolder
from perimage.plots import ByClass, block_runtimes, read_block_runtimes

sm = snakemake
with job_log(sm.log[0]) as log:
    expected = PlanFolder.of_file(sm.input.sizes).counts()["selected"]
    stats, _ = collect.read_blocks(list(sm.input.tables), expected)
    groups = ByClass(stats)
    plots.brightness_by_class(groups, sm.output.by_class)
    plots.mean_histograms(groups, sm.output.histograms)
    plots.min_max_spread(groups, sm.output.min_max)
    plots.mean_vs_std(groups, sm.output.mean_std)
    block_runtimes(
        read_block_runtimes(list(sm.input.benchmarks), sm.input.sizes),
        sm.output.runtimes,
    )
    # not a param: moving the data must not re-run this
    n = galleries.make_galleries(
        groups, sm.config["input_dir"], sm.output.sheets, sm.params.per_row
    )
    log.info("plotted %d images; %d contact sheets", len(groups), n)
