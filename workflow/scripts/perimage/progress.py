"""Progress in images, printed by the main snakemake process after each
block job: Snakemake counts jobs, and blocks differ in size.

It listens to Snakemake's own log records, the events its logger plugins
receive (``JOB_INFO`` names a job's rule and wildcards, ``JOB_FINISHED`` its
end), so no job reads or writes anything for it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from snakemake_interface_logger_plugins.common import LogEvent

RULE = "process_block"


class ImageProgress(logging.Handler):
    """Counts the images of the block jobs this run has finished.

    ``sizes`` gives the plan's image count per block, ``to_run`` the blocks
    this run runs (both asked once a block job has finished, when the plan
    exists); ``say`` prints a line."""

    def __init__(
        self,
        sizes: Callable[[], dict[str, int]],
        to_run: Callable[[], set[str]],
        say: Callable[[str], None],
    ):
        super().__init__(logging.INFO)
        self.sizes, self.to_run, self.say = sizes, to_run, say
        self.blocks: dict[int, str] = {}  # job id -> block
        self.done: set[str] = set()

    def emit(self, record: logging.LogRecord) -> None:
        event = getattr(record, "event", None)
        if event == LogEvent.JOB_INFO and getattr(record, "rule_name", "") == RULE:
            self.blocks[record.jobid] = record.wildcards["block"]
        elif event == LogEvent.JOB_FINISHED:
            block = self.blocks.pop(getattr(record, "job_id", None), None)
            if block is not None:
                self.done.add(block)
                self.say(self.message(block))

    def message(self, block: str) -> str:
        sizes = self.sizes()
        blocks = self.to_run() | self.done
        images = sum(sizes[b] for b in self.done)
        total = sum(sizes[b] for b in blocks)
        return (
            f"{images} of {total} images done ({100 * images / total:.0f}%),"
            f" {len(self.done)} of {len(blocks)} blocks, after block {block}"
        )
