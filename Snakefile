from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/plan.smk"
include: "workflow/rules/process.smk"
include: "workflow/rules/report.smk"


# Everything but the block jobs runs where snakemake runs, also with the
# Slurm profile: each takes seconds.
localrules:
    all,
    plan_blocks,
    process_image,
    record_image,
    summarise,
    draw_figures,


rule all:
    default_target: True
    input:
        get_final_outputs,
