rule collect_stats:
    input:
        tables=get_block_tables,
        inventory=get_plan_file("inventory.json"),
        code=get_code("collect_stats.py"),
    output:
        stats="results/stats.tsv",
        rejected="results/rejected.tsv",
    log:
        "logs/collect_stats.log",
    conda:
        "../envs/imagestats.yaml"
    script:
        "../scripts/collect_stats.py"


rule summarise_classes:
    input:
        stats=rules.collect_stats.output.stats,
        rejected=rules.collect_stats.output.rejected,
        code=get_code("summarise_classes.py"),
    output:
        classes="results/summary/classes.tsv",
    log:
        "logs/summarise_classes.log",
    conda:
        "../envs/imagestats.yaml"
    script:
        "../scripts/summarise_classes.py"
