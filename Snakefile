from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/plan.smk"
include: "workflow/rules/process.smk"
include: "workflow/rules/aggregate.smk"
include: "workflow/rules/plots.smk"
include: "workflow/rules/report.smk"


# Cheap steps run where snakemake runs, also with the Slurm profile.
localrules:
    all,
    plan_blocks,
    collect_stats,
    summarise,
    plot_brightness,
    plot_block_runtimes,
    make_galleries,


rule all:
    default_target: True
    input:
        get_block_tables,
        rules.collect_stats.output,
        rules.summarise.output,
        rules.plot_brightness.output,
        rules.plot_block_runtimes.output,
        rules.make_galleries.output,
