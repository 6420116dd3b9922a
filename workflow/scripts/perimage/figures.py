"""What the report shows of an analysis: its title, the note on its summary
per class, which columns are summarised, and its figures.

An analysis module may define ``REPORT = Report(...)`` beside its function;
any other analysis gets ``default_report``: a box plot per class of every
numeric column. Every figure is an SVG below ``results/plots/``, named
``<figure>.svg``; ``Report.figures`` gives, for each figure or folder of
figures (the first part of the name), its report category, label and
caption. The engine adds the block run times to every report.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field

FOLDER = "results/plots"
RUNTIMES = "block_runtimes"


@dataclass(frozen=True)
class Figure:
    """How the report files a figure: its category, a label naming it (for a
    folder of figures, a label whose value is the figure's name in it), and
    a caption (reStructuredText)."""

    category: str
    label: str
    caption: str


@dataclass(frozen=True)
class Report:
    """``draw`` is "module:function": ``function(stats, folder, *, settings,
    input_dir)`` draws the analysis's figures into ``folder`` from the table
    of all images (``tables.StatsTable``) and the config values named in
    ``settings`` (params of the job, so that changing one re-draws; not
    ``input_dir``, so that moving the data does not)."""

    title: str
    note: str
    figures: dict[str, Figure]
    draw: str
    summarise: tuple[str, ...] = ()  # empty: every numeric column
    # the columns the analysis returns, when it says: an image list may then
    # not name its own columns so, checked before any job starts
    columns: tuple[str, ...] = ()
    settings: tuple[str, ...] = ()
    # what the engine adds to every report
    engine_figures: dict[str, Figure] = field(
        default_factory=lambda: {
            RUNTIMES: Figure(
                "4. Run time",
                "run time per block",
                "Each block job's run time (from its Snakemake benchmark file)"
                " against the number of images in the block. Points far above"
                " the others are slow blocks: larger images, a slow disk, or a"
                " busy node.",
            )
        }
    )

    def all_figures(self) -> dict[str, Figure]:
        return {**self.figures, **self.engine_figures}

    def figure(self, name: str) -> Figure:
        """The description of figure ``name`` (a path below the folder,
        without ``.svg``): its own, or its folder's."""
        figures = self.all_figures()
        return figures.get(name) or figures[name.split("/")[0]]

    def labels(self, name: str) -> dict[str, str]:
        figure = self.figure(name)
        _, _, inside = name.partition("/")
        return {figure.label: inside} if inside else {"figure": figure.label}

    def drawer(self) -> Callable:
        module, _, function = self.draw.partition(":")
        return getattr(importlib.import_module(module), function)


def default_report(analysis: str) -> Report:
    return Report(
        title=f"Analysis {analysis}",
        note="A class is a top-level folder, or the image list's class column."
        " For each numeric column,"
        " <column>_min ... <column>_std describe the distribution of its values"
        " over the class's images: quartiles by linear interpolation, std of"
        " the population.",
        figures={
            "columns": Figure(
                "2. Columns",
                "column",
                "How the column's values are distributed within each class."
                " Each box spans the middle half of the class's images (from"
                " the first to the third quartile), the line inside is the"
                " median, the whiskers reach the farthest values within 1.5"
                " times that span, and the circles beyond are outliers: images"
                " worth a look.",
            )
        },
        draw="perimage.plots:draw_columns",
    )


def figure_path(folder: str, name: str) -> str:
    path = os.path.join(folder, f"{name}.svg")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return path
