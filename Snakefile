from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/plan.smk"
include: "workflow/rules/process.smk"
include: "workflow/rules/aggregate.smk"
include: "workflow/rules/plots.smk"


localrules:
    all,
    plan_blocks,
    collect_stats,
    summarise_classes,
    plot_brightness,


rule all:
    default_target: True
    input:
        get_block_tables,
        rules.collect_stats.output,
        rules.summarise_classes.output,
        rules.plot_brightness.output,
