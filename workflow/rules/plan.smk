checkpoint plan_blocks:
    output:
        plan=directory("results/plan"),
    log:
        "logs/plan_blocks.log",
    conda:
        "../envs/imagestats.yaml"
    params:
        digest=get_plan_digest,
        code=get_code_version("plan_blocks.py"),
    script:
        "../scripts/plan_blocks.py"
