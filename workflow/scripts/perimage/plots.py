"""The report's generic plots: any numeric column per class, and where the
block jobs' time went."""

from __future__ import annotations

import os

import numpy as np

from . import plan, summary, tables
from .figures import figure_path
from .statstable import StatsTable
from .svgplot import Box, Chart, colour, message, rows_height


class ByClass:
    """The rows of ``results/stats.tsv`` grouped by class: ``names`` sorted,
    ``index`` each row's class among them."""

    def __init__(self, stats: StatsTable):
        self.stats = stats
        self.names, self.index = summary.classes(stats)
        self.counts = np.bincount(self.index, minlength=len(self.names))
        # each class's row numbers, in the table's order (by path)
        order = np.argsort(self.index, kind="stable")
        self._members = (
            np.split(order, np.cumsum(self.counts)[:-1]) if self.names else []
        )

    def __len__(self) -> int:
        return len(self.stats)

    def members(self) -> list[np.ndarray]:
        """Each class's row numbers, in the table's order (by path)."""
        return self._members

    def values(self, column: str) -> list[np.ndarray]:
        v = self.stats.floats(column)
        return [v[rows] for rows in self.members()]

    def labels(self) -> list[str]:
        return [f"{n} ({c})" for n, c in zip(self.names, self.counts, strict=True)]


def distribution_by_class(
    groups: ByClass,
    column: str,
    path: str,
    *,
    label: str | None = None,
    limits: tuple[float, float] | None = None,
    title: str | None = None,
) -> None:
    """Box plots of one numeric column, one per class."""
    if not len(groups):
        return message(path, "No image was processed (see results/rejected.tsv).")
    values = groups.values(column)
    if limits is None:
        finite = np.concatenate(values)
        finite = finite[np.isfinite(finite)]
        lo, hi = (float(finite.min()), float(finite.max())) if len(finite) else (0, 1)
        pad = (hi - lo) * 0.04 or 1.0
        limits = (lo - pad, hi + pad)
    chart = Chart(
        820, rows_height(len(groups.names)), title or f"{column} per class", left=190
    )
    chart.rows = groups.labels()
    chart.xlim = limits
    chart.x_axis(label or column)
    chart.row_labels()
    for i, v in enumerate(values):
        box = Box.of(v)
        if box is not None:
            chart.box(i, box, colour(i) + "99")
    chart.save(path)


def draw_columns(stats, folder: str, *, settings: dict, input_dir: str) -> None:
    """Any analysis's figures unless it says otherwise: one box plot per
    class of each numeric column, ``columns/<column>.svg``."""
    groups = ByClass(stats)
    for column in stats.numeric_columns():
        distribution_by_class(groups, column, figure_path(folder, f"columns/{column}"))


def read_block_runtimes(benchmarks: list[str], sizes_tsv: str) -> list[dict]:
    """Each block's job time (its Snakemake benchmark file) and image count
    (from the plan's blocks.tsv)."""
    sizes = plan.PlanFolder.of_file(sizes_tsv).sizes()
    blocks = []
    for path in benchmarks:
        name = os.path.basename(path)[: -len(".tsv")]
        with open(path, encoding="utf-8", newline="") as fh:
            header, rows = tables.read_rows(fh)
        seconds = float(rows[-1][header.index("s")])
        blocks.append({"block": name, "images": sizes[name], "seconds": seconds})
    return blocks


def block_runtimes(blocks: list[dict], path: str) -> None:
    """Each block job's run time against its number of images."""
    images = np.array([b["images"] for b in blocks], float)
    seconds = np.array([b["seconds"] for b in blocks], float)
    total = seconds.sum()
    per_image = total / images.sum() * 1000 if images.sum() else 0
    chart = Chart(
        820,
        460,
        f"{len(blocks)} block jobs: {total:.1f} s in all, {per_image:.2f} ms per image",
        left=80,
    )
    chart.xlim = (0, max(1.0, images.max() * 1.05))
    chart.ylim = (0, max(0.1, seconds.max() * 1.1))
    chart.x_axis("images in the block")
    chart.y_axis("run time of its job, seconds")
    chart.points(images, seconds, colour(0))
    chart.save(path)
