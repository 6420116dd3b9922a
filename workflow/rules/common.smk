import os
import sys
from functools import cache

from snakemake.exceptions import WorkflowError
from snakemake.logging import logger
from snakemake.utils import validate

SCRIPTS = os.path.join(workflow.current_basedir, "..", "scripts")
sys.path.insert(0, SCRIPTS)

from imagestats import blocks, codedeps, collect, inventory, plan  # noqa: E402
from imagestats.folders import FolderIndex  # noqa: E402

validate(config, schema="../schemas/config.schema.yaml")
config["extensions"] = list(inventory.normalise_extensions(config["extensions"]))


wildcard_constraints:
    block=blocks.BLOCK_PATTERN,


@cache
def get_current_plan():
    """The plan as it would be written now (one stat per image)."""
    try:
        return plan.current_plan(
            config["input_dir"],
            extensions=config["extensions"],
            patterns=config["include"],
            limit=config["limit"],
            block_size=config["block_size"],
        )
    except inventory.InputError as e:
        raise WorkflowError(str(e)) from None


@cache
def get_current_images():
    return {im.path: im for im in get_current_plan().selected}


# A bad input_dir is reported here, before any job starts. (Jobs that Slurm
# runs parse this file again; they scan only when a param needs it.)
if workflow.is_main_process:
    get_current_plan()


def get_plan_digest(wildcards):
    # The checkpoint's only param: it re-runs when the images it would plan
    # differ from the ones it planned, which a checkpoint alone never notices.
    return get_current_plan().digest()


def get_plan_dir():
    """The checkpoint's output; only in input functions, once it has run."""
    return checkpoints.plan_blocks.get().output.plan


def get_plan_file(name):
    def get(wildcards):
        return os.path.join(get_plan_dir(), name)

    return get


def get_block_manifest(wildcards):
    manifest = wildcards.block + blocks.MANIFEST_SUFFIX
    path = os.path.join(get_plan_dir(), "blocks", manifest)
    if workflow.is_main_process:
        # Here, not in a param: input functions run before Snakemake looks at
        # the job's outputs.
        invalidate_incomplete_block(wildcards.block)
    return path


def get_block_names():
    return blocks.manifest_names(os.path.join(get_plan_dir(), "blocks"))


def get_block_tables(wildcards):
    names = get_block_names()
    if workflow.is_main_process:
        for name in names:
            invalidate_incomplete_block(name)
    return expand(rules.process_block.output.table, block=names)


def get_block_benchmarks(wildcards):
    return expand(rules.process_block.benchmark, block=get_block_names())


def get_block_sources(wildcards):
    """Size and modification time of the block's images, as one digest: a
    changed image re-runs its block (params trigger) without Snakemake tracking
    every image file itself. (A param function that takes ``input`` would be
    ignored by the params trigger.)"""
    current = get_current_images()
    members = blocks.read_manifest(get_block_manifest(wildcards))
    return inventory.fingerprint(
        current.get(p, inventory.Image(p, -1, -1)) for p in members
    )


@cache
def get_output_index():
    return FolderIndex()


@cache
def invalidate_incomplete_block(block):
    """Delete a block table whose per-image outputs are not all on disk, so
    that Snakemake makes them again: it tracks the table, not the thousands of
    files the table lists. The tables are inputs of the target rule, and a
    target's missing input is made again even when later results exist."""
    table = expand(rules.process_block.output.table, block=block)[0]
    if not os.path.exists(table):
        return
    missing = plan.block_outputs_missing(table, get_output_index())
    if missing:
        os.remove(table)
        logger.warning(
            f"{len(missing)} output(s) of block {block} are missing"
            f" (first: {missing[0]}); the block will run again."
        )


def get_code_version(script):
    """A digest of the package modules a script imports: a param, so that
    editing them re-runs the rule (Snakemake itself tracks only the script
    file). Not inputs: Snakemake stats every input of every ready job in each
    scheduling round, and with hundreds of blocks those rounds add up."""
    return codedeps.version(os.path.join(SCRIPTS, script))


def cancel_scheduler_timers():
    """Snakemake's scheduler leaves a non-daemon threading.Timer behind after
    its last round (the --max-jobs-per-timespan rate limiter), and the
    interpreter waits for it before exiting: up to one timespan (10 s in the
    profiles) added to every run. Once the workflow has finished, nothing waits
    on those timers."""
    import threading

    for thread in threading.enumerate():
        if isinstance(thread, threading.Timer):
            thread.cancel()


def warn_about_rejected():
    """Repeat, as the run's last word, how many images were left out."""
    path = rules.collect_stats.output.rejected
    n = collect.count_rejected(path)
    if n:
        logger.warning(collect.rejected_message(n, path))


onsuccess:
    warn_about_rejected()
    cancel_scheduler_timers()


onerror:
    cancel_scheduler_timers()
