"""Checkpoint: list the images below input_dir and write one manifest per block."""

from perimage.inventory import InputError
from perimage.joblog import job_log
from perimage.plan import make_plan

sm = snakemake
cfg = sm.config
with job_log(sm.log[0], InputError):
    make_plan(
        cfg["input_dir"],
        sm.output.plan,
        block_size=cfg["block_size"],
        expected_digest=sm.params.digest,
        extensions=cfg["extensions"],
        patterns=cfg["include"],
        limit=cfg["limit"],
    )
