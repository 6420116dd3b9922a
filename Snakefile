# The workflow is workflow/Snakefile, where the Snakemake workflow catalog and
# snakedeploy expect it (a module reads it from there); this file runs it in
# a clone.


include: "workflow/Snakefile"


# A rule of an included file is never the default target, `default_target`
# or not (snakemake/snakemake#2773): name it here.
workflow.default_target = "all"
