rule plot_brightness:
    input:
        stats=rules.collect_stats.output.stats,
    output:
        by_class=report(
            "results/plots/brightness_by_class.svg",
            caption="../report/brightness_by_class.rst",
            category="2. Brightness",
            labels={"plot": "mean per class"},
        ),
        histograms=report(
            "results/plots/mean_histograms.svg",
            caption="../report/mean_histograms.rst",
            category="2. Brightness",
            labels={"plot": "histograms of means"},
        ),
        min_max=report(
            "results/plots/min_max_spread.svg",
            caption="../report/min_max_spread.rst",
            category="2. Brightness",
            labels={"plot": "darkest and brightest pixels"},
        ),
        mean_std=report(
            "results/plots/mean_vs_std.png",
            caption="../report/mean_vs_std.rst",
            category="2. Brightness",
            labels={"plot": "mean against std"},
        ),
    log:
        "logs/plot_brightness.log",
    # the longest aggregate job: started first, it no longer ends the run alone
    priority: 1
    conda:
        "../envs/plots.yaml"
    params:
        code=get_code_version("plot_brightness.py"),
    script:
        "../scripts/plot_brightness.py"


rule plot_block_runtimes:
    input:
        benchmarks=get_block_benchmarks,
        sizes=get_plan_file("blocks.tsv"),
    output:
        plot=report(
            "results/plots/block_runtimes.svg",
            caption="../report/block_runtimes.rst",
            category="4. Run time",
            labels={"plot": "run time per block"},
        ),
    log:
        "logs/plot_block_runtimes.log",
    conda:
        "../envs/plots.yaml"
    params:
        code=get_code_version("plot_block_runtimes.py"),
    script:
        "../scripts/plot_block_runtimes.py"
