rule make_galleries:
    input:
        stats=rules.collect_stats.output.stats,
    output:
        sheets=report(
            directory("results/galleries"),
            patterns=["{name}.png"],
            caption="../report/galleries.rst",
            category="3. Galleries",
            labels={"class": "{name}"},
        ),
    log:
        "logs/make_galleries.log",
    conda:
        "../envs/imagestats.yaml"
    params:
        per_row=config["gallery_images"],
        code=get_code_version("make_galleries.py"),
    script:
        "../scripts/make_galleries.py"
