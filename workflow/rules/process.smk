rule process_block:
    input:
        manifest=get_block_manifest,
    output:
        # updated, not replaced: the job reuses the rows that are still current
        table=update("results/blocks/{block}.tsv"),
    log:
        log="logs/process_block/{block}.log",
        # the block's figures (images, processed, reused, CPU) as JSON
        figures="logs/process_block/{block}.json",
    benchmark:
        "logs/benchmarks/process_block/{block}.tsv"
    priority: get_block_priority
    conda:
        "../envs/workflow.yaml"
    threads: get_block_threads
    params:
        state=get_block_state,
        version=get_process_version,
        max_pixels=config["max_pixels"],
        on_error=config["on_error"],
    script:
        "../scripts/process_block.py"


rule process_image:
    input:
        image=get_image_file,
    output:
        "results/{image_name}/{path}.png",
    log:
        "logs/process_image/{image_name}/{path}.log",
    conda:
        "../envs/workflow.yaml"
    params:
        image=get_image,
        version=get_process_version,
        max_pixels=config["max_pixels"],
    script:
        "../scripts/process_image.py"


use rule process_image as record_image with:
    output:
        "results/stats/{path}.json",
    log:
        "logs/record_image/{path}.log",
