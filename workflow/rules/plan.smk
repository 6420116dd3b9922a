checkpoint plan_blocks:
    output:
        plan=directory("results/plan"),
    log:
        "logs/plan_blocks.log",
    benchmark:
        "logs/benchmarks/plan_blocks.tsv"
    conda:
        "../envs/workflow.yaml"
    params:
        token=get_plan_token,
        code=code_version("plan_blocks"),
    script:
        "../scripts/plan_blocks.py"
