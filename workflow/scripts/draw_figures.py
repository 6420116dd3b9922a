"""The report's figures: the analysis's own, as its REPORT says, and the
block run times."""

import os

from perimage import collect, figures
from perimage.analysis import Spec
from perimage.joblog import job_log
from perimage.plan import PlanFolder
from perimage.plots import block_runtimes, read_block_runtimes

sm = snakemake
with job_log(sm.log[0]) as log:
    expected = PlanFolder.of_file(sm.input.counts).counts()["selected"]
    stats, _ = collect.read_blocks(list(sm.input.tables), expected)
    folder = sm.output.figures
    os.makedirs(folder, exist_ok=True)
    report = Spec.parse(sm.config["analysis"]).report()
    # input_dir is not a param: moving the data must not re-draw
    draw = report.drawer()
    draw(
        stats,
        folder,
        settings=dict(sm.params.settings),
        input_dir=sm.config["input_dir"],
    )
    runtimes = read_block_runtimes(list(sm.input.benchmarks), sm.input.sizes)
    block_runtimes(runtimes, figures.figure_path(folder, figures.RUNTIMES))
    log.info("drew %s's figures in %s", sm.config["analysis"], folder)
