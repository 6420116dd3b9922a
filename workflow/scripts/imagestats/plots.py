"""Plots of a brightness survey, drawn without pyplot (no display, no global state)."""

from __future__ import annotations

import os

import pandas as pd
from matplotlib.figure import Figure

LEVEL = "grey level (0-255)"


def _save(fig: Figure, path: str) -> None:
    # Render next to the destination, then rename: no half-drawn plot in place.
    folder, name = os.path.split(path)
    stem, ext = os.path.splitext(name)
    tmp = os.path.join(folder, f".{stem}.partial{ext}")
    fig.savefig(tmp, bbox_inches="tight")
    os.replace(tmp, path)


def _class_order(stats: pd.DataFrame) -> list[str]:
    return sorted(stats["class"].unique())


def brightness_by_class(stats: pd.DataFrame, path: str) -> None:
    """Box plots of per-image mean brightness, one per class."""
    classes = _class_order(stats)
    height = 1.2 + 0.4 * max(1, len(classes))
    fig = Figure(figsize=(7.5, height))
    ax = fig.add_subplot()
    data = [stats.loc[stats["class"] == c, "mean"].to_numpy() for c in classes]
    ax.boxplot(
        data,
        vert=False,
        tick_labels=classes,
        showfliers=True,
        flierprops={"markersize": 2},
    )
    ax.set_xlim(0, 255)
    ax.set_xlabel(f"per-image mean brightness, {LEVEL}")
    ax.set_title(f"Mean brightness per class ({len(stats)} images)")
    ax.invert_yaxis()
    ax.grid(axis="x", alpha=0.3)
    _save(fig, path)
