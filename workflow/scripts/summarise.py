"""The table of all images, the rejected ones, the summary per class, and
the report's overview page."""

from perimage import atomic, collect, imagelist, summary
from perimage.joblog import job_log
from perimage.overview import overview_html
from perimage.plan import PlanFolder

sm = snakemake
with job_log(sm.log[0]) as log:
    counts = PlanFolder.of_file(sm.input.counts).counts()
    stats, rejected = collect.read_blocks(list(sm.input.tables), counts["selected"])
    stats, rejected = imagelist.join(sm.input.images, stats, rejected)
    collect.write(stats, rejected, sm.output.stats, sm.output.rejected)
    columns = sm.params.columns or stats.numeric_columns()
    summary.write(sm.output.classes, *summary.summarise(stats, rejected, columns))
    page = overview_html(
        title=sm.params.title,
        config=sm.config,
        counts=counts,
        processed=len(stats),
        rejected=rejected,
        summary=summary.read(sm.output.classes),
        note=sm.params.note,
    )
    with atomic.open_text(sm.output.overview) as fh:
        fh.write(page)
    log.info(
        "summarised %s per class; wrote %s", ", ".join(columns), ", ".join(sm.output)
    )
