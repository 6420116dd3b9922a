"""The report's overview page."""

from imagestats import atomic
from imagestats.joblog import job_log
from imagestats.overview import overview_html

sm = snakemake
with job_log(sm.log[0]) as log:
    page = overview_html(
        config=sm.config,
        inventory_json=sm.input.inventory,
        stats_tsv=sm.input.stats,
        rejected_tsv=sm.input.rejected,
        classes_tsv=sm.input.classes,
    )
    with atomic.open_text(sm.output.page) as fh:
        fh.write(page)
    log.info("wrote %s", sm.output.page)
