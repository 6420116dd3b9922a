"""A user analysis's numeric columns per class, and the block run times."""

import os

from perimage import collect
from perimage.joblog import job_log
from perimage.plan import PlanFolder
from perimage.plots import (
    ByClass,
    block_runtimes,
    distribution_by_class,
    read_block_runtimes,
)

sm = snakemake
with job_log(sm.log[0]) as log:
    expected = PlanFolder.of_file(sm.input.sizes).counts()["selected"]
    stats, _ = collect.read_blocks(list(sm.input.tables), expected)
    groups = ByClass(stats)
    os.makedirs(sm.output.columns, exist_ok=True)
    for column in stats.numeric_columns():
        distribution_by_class(groups, column, f"{sm.output.columns}/{column}.svg")
    block_runtimes(
        read_block_runtimes(list(sm.input.benchmarks), sm.input.sizes),
        sm.output.runtimes,
    )
    log.info("plotted %s", ", ".join(stats.numeric_columns()) or "no numeric column")
