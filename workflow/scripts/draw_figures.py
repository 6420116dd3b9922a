"""The report's figures: the analysis's own, as its REPORT says, and the
block run times."""

import os

from perimage import collect, figures, imagelist, results
from perimage.analysis import Spec
from perimage.joblog import job_log
from perimage.plan import PlanFolder
from perimage.plots import block_runtimes, read_block_runtimes

sm = snakemake
with job_log(sm.log[0]) as log:
    expected = PlanFolder.of_file(sm.input.counts).counts()["selected"]
    stats, _ = collect.read_blocks(list(sm.input.tables), expected)
    stats, _ = imagelist.join(sm.input.images, stats, [])  # its classes
    runtimes = read_block_runtimes(list(sm.input.benchmarks), sm.input.sizes)
    draw = Spec.parse(sm.config["analysis"]).report().drawer()
    # galleries read the images' own outputs, which only the workdir has
    with results.in_workdir(sm.output.figures) as (folder,):
        os.makedirs(folder, exist_ok=True)
        # input_dir is not a param: moving the data must not re-draw
        draw(
            stats, folder, settings=sm.params.settings, input_dir=sm.config["input_dir"]
        )
        block_runtimes(runtimes, figures.figure_path(folder, figures.RUNTIMES))
    log.info("drew the figures of %s in %s", sm.config["analysis"], folder)
