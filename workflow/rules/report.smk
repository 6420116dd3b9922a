rule make_galleries:
    input:
        stats=rules.collect_stats.output.stats,
        code=get_code("make_galleries.py"),
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
    script:
        "../scripts/make_galleries.py"


rule describe_run:
    input:
        inventory=get_plan_file("inventory.json"),
        stats=rules.collect_stats.output.stats,
        rejected=rules.collect_stats.output.rejected,
        classes=rules.summarise_classes.output.classes,
        code=get_code("describe_run.py"),
    output:
        page=report(
            "results/report/overview.html",
            caption="../report/overview.rst",
            category="1. Overview",
            labels={"item": "run overview"},
        ),
    log:
        "logs/describe_run.log",
    conda:
        "../envs/imagestats.yaml"
    script:
        "../scripts/describe_run.py"
