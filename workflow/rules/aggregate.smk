rule collect_stats:
    input:
        tables=get_block_tables,
        inventory=get_plan_file("inventory.json"),
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
    log:
        "logs/collect_stats.log",
    conda:
        "../envs/imagestats.yaml"
    params:
        code=get_code_version("collect_stats.py"),
    script:
        "../scripts/collect_stats.py"


rule summarise:
    input:
        stats=rules.collect_stats.output.stats,
        rejected=rules.collect_stats.output.rejected,
        inventory=get_plan_file("inventory.json"),
    output:
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
        "../envs/summary.yaml"
    params:
        code=get_code_version("summarise.py"),
    script:
        "../scripts/summarise.py"
