rule plot_brightness:
    input:
        stats=rules.collect_stats.output.stats,
        code=get_code("plot_brightness.py"),
    output:
        by_class="results/plots/brightness_by_class.svg",
    log:
        "logs/plot_brightness.log",
    conda:
        "../envs/imagestats.yaml"
    script:
        "../scripts/plot_brightness.py"
