"""Per-class summary of the per-image statistics, and the report's overview."""

from imagestats import atomic, summary
from imagestats.joblog import job_log
from imagestats.overview import overview_html

sm = snakemake
with job_log(sm.log[0]) as log:
    stats = summary.read_stats(sm.input.stats)
    rejected = summary.read_rejected(sm.input.rejected)
    log.info("read %d images and %d rejected", len(stats), len(rejected))
    table = summary.summarise(stats, rejected)
    summary.write_summary(table, sm.output.classes)
    page = overview_html(
        config=sm.config,
        inventory_json=sm.input.inventory,
        stats=stats,
        rejected=rejected,
        classes=table,
    )
    with atomic.open_text(sm.output.overview) as fh:
        fh.write(page)
    log.info(
        "wrote %s (%d classes) and %s",
        sm.output.classes,
        len(table) - 1,
        sm.output.overview,
    )
