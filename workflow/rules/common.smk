import atexit
import gc
import os
import re
import sys
from functools import cache

from snakemake.exceptions import WorkflowError
from snakemake.logging import logger
from snakemake.utils import validate

from perimage import (
    chunking,
    collect,
    inputs,
    inventory,
    progress,
    results,
    state,
)  # noqa: E402
from perimage.analysis import AnalysisError  # noqa: E402
from perimage.plan import PlanFolder  # noqa: E402
from perimage.state import State  # noqa: E402

# The interpreter's last garbage collections at exit walk every object this
# process holds (the listing of input_dir among them): a third of a second
# at 270,000 images, for memory that is given back anyway. Frozen objects
# are skipped; atexit handlers, which close Snakemake's and logging's files,
# still run.
atexit.register(gc.freeze)

validate(config, schema="../schemas/config.schema.yaml")
config["extensions"] = list(inventory.normalise_extensions(config["extensions"]))
STATE = State(config, ENGINE)
# where a job finds the files of single images, even in a shadow directory
os.environ.update({results.WORKDIR_VARIABLE: os.getcwd()})
# what the report shows: the analysis says (its module's REPORT)
try:
    REPORT = STATE.report()
except AnalysisError as e:
    raise WorkflowError(str(e)) from None


wildcard_constraints:
    block=chunking.BLOCK_NAME,
    # per-image targets: results/<image name>/<image path>.png, never one of
    # the workflow's own result folders, and only for image file names
    image_name=rf"(?!(?:{'|'.join(results.FOLDERS)})/)[A-Za-z][A-Za-z0-9_-]*",
    path=(
        r"(?:[^/.][^/]*/)*[^/.][^/]*"
        rf"(?:(?i:{'|'.join(re.escape(e) for e in config['extensions'])})"
        r"|~[0-9a-f]{16})"
    ),


# A bad input_dir or analysis is reported here, before any job starts. (Jobs
# that Slurm runs parse this file again; they do not list input_dir.)
if workflow.is_main_process:
    try:
        STATE.start_looking()
        STATE.process_version()
    except (inventory.InputError, AnalysisError) as e:
        raise WorkflowError(str(e)) from None


def get_plan_token(wildcards):
    """The checkpoint's param: it runs again when the images it would plan
    differ from the ones it planned, which a checkpoint alone never notices."""
    return STATE.plan_token()


def get_plan():
    """The checkpoint's output; only in input functions, once it has run."""
    return PlanFolder(checkpoints.plan_blocks.get().output.plan)


@cache
def get_plan_sizes():
    return get_plan().sizes()


def get_block_manifest(wildcards):
    return get_plan().manifest_path(wildcards.block)


def get_block_state(wildcards):
    """Changes when an image of the block changed (size or modification
    time) or an output its table lists is missing or damaged, so that the
    block runs again, without Snakemake tracking every file itself."""
    return STATE.block_state(wildcards.block, get_plan(), workflow.is_main_process)


def get_block_threads(wildcards):
    try:
        cores = workflow.cores
    except WorkflowError:  # a dry run without --cores
        cores = 1
    return state.block_threads(get_plan_sizes(), wildcards.block, cores)


def get_block_priority(wildcards):
    # largest blocks first, so that none starts last and ends the run alone
    return get_plan_sizes()[wildcards.block]


def get_process_version(wildcards):
    return STATE.process_version()


def get_block_tables(wildcards):
    return expand(rules.process_block.output.table, block=get_plan_sizes())


def get_block_benchmarks(wildcards):
    return expand(rules.process_block.benchmark, block=get_plan_sizes())


def get_images_list(wildcards):
    """The image list, an input of the aggregate jobs: they join its other
    columns, so that editing them re-runs those jobs and no block."""
    return config["images"] or []


def get_plan_counts(wildcards):
    return get_plan().counts_path


def get_plan_sizes_file(wildcards):
    return get_plan().sizes_path


def get_image(wildcards):
    """The image whose outputs' stem is the ``path`` wildcard."""
    image = STATE.image_sources().get(wildcards.path)
    if image is None:
        raise WorkflowError(
            f"no image in input_dir {config['input_dir']!r} has outputs named"
            f" {wildcards.path}.png"
        )
    return image


def get_image_file(wildcards):
    # a member of a zip archive: the archive
    return inputs.input_file(config["input_dir"], get_image(wildcards))


def code_version(rule):
    """A digest of the rule's script and the modules it imports: a param, so
    that editing them re-runs the rule (Snakemake tracks only the script)."""

    def version(wildcards):
        script = workflow.get_rule(rule).script
        return STATE.code_version(os.path.basename(script))

    return version


def get_figures_code_version(wildcards):
    """The figures' script and the analysis's drawing code."""
    return STATE.figures_code_version(workflow.get_rule("draw_figures").script)


def get_figure_category(wildcards):
    return REPORT.figure(wildcards.figure).category


def get_figure_labels(wildcards):
    return REPORT.labels(wildcards.figure)


def get_final_outputs(wildcards):
    return [
        *get_block_tables(wildcards),
        *rules.summarise.output,
        *rules.draw_figures.output,
    ]


def get_blocks_to_run():
    """The blocks this run runs (Snakemake's DAG, once the plan exists)."""
    jobs = workflow.dag.needrun_jobs(exclude_finished=False)
    return {job.wildcards.block for job in jobs if job.rule.name == "process_block"}


if workflow.is_main_process:
    logger.addHandler(
        progress.ImageProgress(get_plan_sizes, get_blocks_to_run, logger.info)
    )


def warn_about_rejected():
    """Repeat, as the run's last word, how many images were left out."""
    path = rules.summarise.output.rejected
    n = collect.count_rejected(path)
    if n:
        logger.warning(collect.rejected_message(n, path))


onsuccess:
    warn_about_rejected()
    state.cancel_scheduler_timer()


onerror:
    state.cancel_scheduler_timer()
