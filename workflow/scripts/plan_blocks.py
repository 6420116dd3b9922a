"""Checkpoint: list the images below input_dir and write one manifest per block."""

from imagestats.inventory import InputError
from imagestats.joblog import job_log
from imagestats.plan import make_plan

cfg = snakemake.config
with job_log(snakemake.log[0], InputError):
    make_plan(
        cfg["input_dir"],
        snakemake.output.plan,
        extensions=cfg["extensions"],
        patterns=cfg["include"],
        limit=cfg["limit"],
        block_size=cfg["block_size"],
    )
