# The report's figures for the built-in brightness survey (analysis: brightness).


rule draw_figures:
    input:
        tables=get_block_tables,
        benchmarks=get_block_benchmarks,
        sizes=get_plan_sizes_file,
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
            "results/plots/mean_vs_std.svg",
            caption="../report/mean_vs_std.rst",
            category="2. Brightness",
            labels={"plot": "mean against std"},
        ),
        sheets=report(
            directory("results/galleries"),
            patterns=["{name}.svg"],
            caption="../report/galleries.rst",
            category="3. Galleries",
            labels={"class": "{name}"},
        ),
        runtimes=report(
            "results/plots/block_runtimes.svg",
            caption="../report/block_runtimes.rst",
            category="4. Run time",
            labels={"plot": "run time per block"},
        ),
    log:
        "logs/draw_figures.log",
    conda:
        "../envs/workflow.yaml"
    params:
        per_row=config["gallery_images"],
        code=code_version("draw_figures"),
    script:
        "../scripts/draw_brightness_figures.py"
