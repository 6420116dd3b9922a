"""Plots of a brightness survey, drawn without pyplot (no display, no global
state) and without pandas, whose import alone would double this job's time."""

from __future__ import annotations

import contextlib
import os

import numpy as np
from matplotlib.figure import Figure

from . import records
from .records import class_of

LEVEL = "grey level (0-255)"
NUMERIC = ("min", "max", "mean", "median", "std")


class Survey:
    """The columns of results/stats.tsv that the plots use."""

    def __init__(self, stats_tsv: str):
        rows = records.read_tsv(stats_tsv)
        self.paths = [r["path"] for r in rows]
        self.classes = np.array([class_of(p) for p in self.paths])
        self.values = {c: np.array([float(r[c]) for r in rows]) for c in NUMERIC}

    def __len__(self) -> int:
        return len(self.paths)

    def class_names(self) -> list[str]:
        return sorted(set(self.classes.tolist()))

    def per_class(self, column: str) -> list[np.ndarray]:
        v = self.values[column]
        return [v[self.classes == c] for c in self.class_names()]


def _save(fig: Figure, path: str) -> None:
    # Render next to the destination, then rename: no half-drawn plot in place.
    folder, name = os.path.split(path)
    stem, ext = os.path.splitext(name)
    tmp = os.path.join(folder, f".{stem}.partial{ext}")
    try:
        fig.savefig(tmp, bbox_inches="tight")
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise


def nothing_to_plot(path: str) -> None:
    fig = Figure(figsize=(7.5, 1.5))
    fig.text(
        0.5, 0.5, "No image was processed (see results/rejected.tsv).", ha="center"
    )
    _save(fig, path)


def brightness_by_class(survey: Survey, path: str) -> None:
    """Box plots of per-image mean brightness, one per class."""
    if not len(survey):
        return nothing_to_plot(path)
    classes = survey.class_names()
    fig = Figure(figsize=(7.5, 1.2 + 0.4 * max(1, len(classes))))
    ax = fig.add_subplot()
    ax.boxplot(
        survey.per_class("mean"),
        vert=False,
        tick_labels=classes,
        showfliers=True,
        flierprops={"markersize": 2},
    )
    ax.set_xlim(0, 255)
    ax.set_xlabel(f"per-image mean brightness, {LEVEL}")
    ax.set_title(f"Mean brightness per class ({len(survey)} images)")
    ax.invert_yaxis()
    ax.grid(axis="x", alpha=0.3)
    _save(fig, path)
