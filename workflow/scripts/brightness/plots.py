"""The brightness survey's plots, from the table of all images (the rows
of ``results/stats.tsv``, grouped by class: ``perimage.plots.ByClass``)."""

from __future__ import annotations

import numpy as np
from perimage.plots import ByClass, distribution_by_class
from perimage.svgplot import Box, Chart, colour, message, rows_height

LEVEL = "grey level (0 = black, 255 = white)"
NOTHING = "No image was processed (see results/rejected.tsv)."


def brightness_by_class(groups: ByClass, path: str) -> None:
    """Box plots of per-image mean brightness, one per class."""
    distribution_by_class(
        groups,
        "mean",
        path,
        label=f"mean brightness of an image, {LEVEL}",
        limits=(0, 255),
        title=f"Mean brightness per class: {len(groups)} images",
    )


def mean_histograms(groups: ByClass, path: str) -> None:
    """Each class's histogram of per-image means, stacked on one axis (a
    ridgeline), each scaled to its peak: shapes compare at a glance."""
    if not len(groups):
        return message(path, NOTHING)
    chart = Chart(
        820,
        rows_height(len(groups.names), 44),
        "Distribution of mean brightness per class (each scaled to its peak)",
        left=190,
    )
    chart.rows = groups.labels()
    chart.xlim = (0, 255)
    chart.x_axis(f"mean brightness of an image, {LEVEL}")
    chart.row_labels()
    edges = np.linspace(0, 255, 86)
    for i, means in enumerate(groups.values("mean")):
        counts, _ = np.histogram(means[~np.isnan(means)], bins=edges)
        if not counts.max():
            continue
        base = chart.row_centre(i) + chart.row_height * 0.45
        tops = base - counts / counts.max() * chart.row_height * 0.9
        xs = chart.x(edges)
        d = f"M{xs[0]:.1f},{base:.1f}"
        for x0, x1, top in zip(xs[:-1], xs[1:], tops, strict=True):
            d += f" L{x0:.1f},{top:.1f} L{x1:.1f},{top:.1f}"
        d += f" L{xs[-1]:.1f},{base:.1f} Z"
        chart.path(
            d, fill=colour(i), stroke="#222", width=0.6, extra='fill-opacity="0.8"'
        )
    chart.save(path)


def min_max_spread(groups: ByClass, path: str) -> None:
    """Per class, the darkest and the brightest pixel of each image."""
    if not len(groups):
        return message(path, NOTHING)
    chart = Chart(
        900,
        rows_height(len(groups.names), 46),
        "Darkest and brightest pixel of each image, per class",
        left=190,
        right=140,
    )
    chart.rows = groups.labels()
    chart.xlim = (0, 255)
    chart.x_axis(LEVEL)
    chart.row_labels()
    for column, offset, fill in (("min", -0.2, colour(0)), ("max", 0.2, colour(1))):
        for i, values in enumerate(groups.values(column)):
            box = Box.of(values)
            if box is not None:
                chart.box(i, box, fill, offset=offset, thickness=0.32)
    chart.legend([("min of each image", colour(0)), ("max of each image", colour(1))])
    chart.save(path)


def mean_vs_std(groups: ByClass, path: str) -> None:
    """Each image as a point: its mean against its standard deviation."""
    if not len(groups):
        return message(path, NOTHING)
    means, stds = groups.values("mean"), groups.values("std")
    top = max((float(np.nanmax(s)) for s in stds if len(s)), default=1.0)
    chart = Chart(
        900, 620, f"Brightness against contrast: {len(groups)} images", right=200
    )
    chart.xlim = (0, 255)
    chart.ylim = (0, max(1.0, top * 1.05))
    chart.x_axis("mean grey level of the image")
    chart.y_axis("standard deviation of its grey levels")
    size = 5 if len(groups) < 1000 else 3 if len(groups) < 10000 else 2
    chart.raster(
        [(m, s, colour(i)) for i, (m, s) in enumerate(zip(means, stds, strict=True))],
        size=size,
    )
    chart.legend([(name, colour(i)) for i, name in enumerate(groups.names)])
    chart.save(path)
