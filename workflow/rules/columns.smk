# The report's figures for any analysis but the brightness survey.


rule draw_figures:
    input:
        tables=get_block_tables,
        benchmarks=get_block_benchmarks,
        sizes=get_plan_sizes_file,
    output:
        columns=report(
            directory("results/plots/columns"),
            patterns=["{column}.svg"],
            caption="../report/columns.rst",
            category="2. Columns",
            labels={"column": "{column}"},
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
        code=code_version("draw_figures"),
    script:
        "../scripts/draw_column_figures.py"
