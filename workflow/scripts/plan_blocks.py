"""Checkpoint: list the images below input_dir and write one manifest per
block; then remove what the workflow wrote for images that are gone."""

from perimage import archive, results
from perimage.joblog import job_log
from perimage.plan import make_plan

sm = snakemake
cfg = sm.config
with job_log(sm.log[0]) as log, results.in_workdir(sm.output.plan) as (out,):
    plan = make_plan(
        cfg["input_dir"],
        out,
        block_size=cfg["block_size"],
        token=sm.params.token,
        images=cfg["images"],
        extensions=cfg["extensions"],
        patterns=cfg["include"],
        limit=cfg["limit"],
    )
    hint = archive.folder_hint(cfg["input_dir"], plan.selection.selected.paths)
    if hint:
        log.warning("%s", hint)
    dropped, removed = results.tidy(plan.found(), plan.tables_in_use())
    log.info(
        "removed %d tables of former blocks and %d outputs of images no longer in %s",
        dropped,
        removed,
        cfg["input_dir"],
    )
