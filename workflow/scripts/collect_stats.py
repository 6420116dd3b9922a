"""Merge the block tables into results/stats.tsv and results/rejected.tsv."""

import json

from imagestats.collect import CollectError, collect
from imagestats.joblog import job_log

sm = snakemake
with job_log(sm.log[0], CollectError):
    with open(sm.input.inventory, encoding="utf-8") as fh:
        expected = json.load(fh)["selected"]
    collect(list(sm.input.tables), sm.output.stats, sm.output.rejected, expected)
