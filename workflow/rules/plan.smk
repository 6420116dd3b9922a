checkpoint plan_blocks:
    input:
        code=get_code("plan_blocks.py"),
    output:
        plan=directory("results/plan"),
    log:
        "logs/plan_blocks.log",
    conda:
        "../envs/imagestats.yaml"
    params:
        digest=get_plan_digest,
    script:
        "../scripts/plan_blocks.py"
