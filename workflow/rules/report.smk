rule summarise:
    input:
        tables=get_block_tables,
        counts=get_plan_counts,
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
    conda:
        "../envs/workflow.yaml"
    params:
        columns=get_summary_columns,
        title=REPORT_TITLE,
        note=SUMMARY_NOTE,
        code=code_version("summarise"),
    script:
        "../scripts/summarise.py"
