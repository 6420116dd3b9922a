rule process_block:
    input:
        manifest=get_block_manifest,
    output:
        table="results/blocks/{block}.tsv",
    log:
        "logs/process_block/{block}.log",
    benchmark:
        "logs/benchmarks/process_block/{block}.tsv"
    conda:
        "../envs/imagestats.yaml"
    threads: 1
    params:
        sources=get_block_sources,
        write_greyscale=config["write_greyscale"],
        max_pixels=config["max_pixels"],
        on_error=config["on_error"],
        code=get_code_version("process_block.py"),
    script:
        "../scripts/process_block.py"
