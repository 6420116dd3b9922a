rule summarise:
    input:
        tables=get_block_tables,
        counts=get_plan_counts,
        images=get_images_list,
    output:
        stats=report(
            "results/stats.tsv",
            caption="../report/stats.rst",
            category="5. Tables",
            labels={"table": "all images"},
        ),
        rejected=report(
            "results/rejected.tsv",
            caption="../report/rejected.rst",
            category="5. Tables",
            labels={"table": "rejected images"},
        ),
        classes=report(
            "results/summary/classes.tsv",
            caption="../report/classes.rst",
            category="1. Overview",
            labels={"item": "summary per class (table)"},
        ),
        overview=report(
            "results/report/overview.html",
            caption="../report/overview.rst",
            category="1. Overview",
            labels={"item": "run overview"},
        ),
    log:
        "logs/summarise.log",
    benchmark:
        "logs/benchmarks/summarise.tsv"
    conda:
        "../envs/workflow.yaml"
    params:
        # what the analysis's REPORT says (not input_dir: moving the data
        # must not re-run the report's jobs)
        columns=REPORT.summarise,
        title=REPORT.title,
        note=REPORT.note,
        code=code_version("summarise"),
    script:
        "../scripts/summarise.py"


rule draw_figures:
    input:
        tables=get_block_tables,
        benchmarks=get_block_benchmarks,
        sizes=get_plan_sizes_file,
        counts=get_plan_counts,
        images=get_images_list,
    output:
        # every figure the analysis's REPORT names, and the block run times
        figures=report(
            directory("results/plots"),
            patterns=["{figure}.svg"],
            caption="../report/figure.rst",
            category=get_figure_category,
            labels=get_figure_labels,
        ),
    log:
        "logs/draw_figures.log",
    benchmark:
        "logs/benchmarks/draw_figures.tsv"
    conda:
        "../envs/workflow.yaml"
    params:
        settings={key: config[key] for key in REPORT.settings},
        captions={name: f.caption for name, f in REPORT.all_figures().items()},
        code=get_figures_code_version,
    script:
        "../scripts/draw_figures.py"
