"""Plots of a brightness survey, drawn without pyplot (no display, no global
state) and without pandas, whose import alone would double these jobs' time."""

from __future__ import annotations

import csv
import io
import os

import numpy as np
from matplotlib.figure import Figure

from . import atomic, records
from .records import class_of

LEVEL = "grey level (0 = black, 255 = white)"
NUMERIC = ("min", "max", "mean", "median", "std")


class Survey:
    """The columns of results/stats.tsv that the plots use."""

    def __init__(self, stats_tsv: str):
        with open(stats_tsv, encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh, delimiter="\t")
            columns = next(reader)
            table = list(zip(*reader, strict=True)) or [()] * len(columns)
        column = dict(zip(columns, table, strict=True))
        self.paths = list(column["path"])
        self.classes = np.array([class_of(p) for p in self.paths])
        self.values = {c: np.array(column[c], dtype=float) for c in NUMERIC}

    def __len__(self) -> int:
        return len(self.paths)

    def class_names(self) -> list[str]:
        return sorted(set(self.classes.tolist()))

    def per_class(self, column: str) -> list[np.ndarray]:
        v = self.values[column]
        return [v[self.classes == c] for c in self.class_names()]


def save(fig: Figure, path: str, dpi: int = 110) -> None:
    """Render in memory, then write atomically: no half-drawn plot in place."""
    data = io.BytesIO()
    fmt = os.path.splitext(path)[1].lstrip(".")
    fig.savefig(data, format=fmt, bbox_inches="tight", dpi=dpi)
    atomic.write_bytes(path, data.getvalue())


def nothing_to_plot(path: str) -> None:
    fig = Figure(figsize=(7.5, 1.5))
    fig.text(
        0.5, 0.5, "No image was processed (see results/rejected.tsv).", ha="center"
    )
    save(fig, path)


def _class_height(n: int) -> float:
    return 1.4 + 0.38 * max(1, n)


def brightness_by_class(survey: Survey, path: str) -> None:
    """Box plots of per-image mean brightness, one per class."""
    if not len(survey):
        return nothing_to_plot(path)
    classes = survey.class_names()
    fig = Figure(figsize=(8, _class_height(len(classes))))
    ax = fig.add_subplot()
    ax.boxplot(
        survey.per_class("mean"),
        vert=False,
        tick_labels=[
            f"{c} ({n})"
            for c, n in zip(classes, map(len, survey.per_class("mean")), strict=True)
        ],
        flierprops={"markersize": 2, "alpha": 0.5},
    )
    ax.set_xlim(0, 255)
    ax.set_xlabel(f"mean brightness of an image, {LEVEL}")
    ax.set_title(f"Mean brightness per class: {len(survey)} images")
    ax.invert_yaxis()
    ax.grid(axis="x", alpha=0.3)
    save(fig, path)


def mean_histograms(survey: Survey, path: str) -> None:
    """Each class's histogram of per-image means, stacked on one axis (a
    ridgeline): shapes compare at a glance, and one axes draws fast."""
    if not len(survey):
        return nothing_to_plot(path)
    classes = survey.class_names()
    fig = Figure(figsize=(8, _class_height(len(classes)) * 1.1))
    ax = fig.add_subplot()
    bins = np.linspace(0, 255, 86)
    centres = (bins[:-1] + bins[1:]) / 2
    colours = _palette(len(classes))
    base = np.arange(len(classes))[::-1]  # the first class at the top
    for y, means, colour in zip(base, survey.per_class("mean"), colours, strict=True):
        counts, _ = np.histogram(means, bins=bins)
        height = counts / counts.max() * 0.9 if counts.max() else counts
        ax.fill_between(centres, y, y + height, step="mid", color=colour, alpha=0.8)
        ax.plot(
            centres, y + height, drawstyle="steps-mid", color="black", linewidth=0.6
        )
    labels = [
        f"{c} ({len(m)})"
        for c, m in zip(classes, survey.per_class("mean"), strict=True)
    ]
    ax.set_yticks(base + 0.3, labels)
    ax.set_xlim(0, 255)
    ax.set_ylim(-0.1, len(classes))
    ax.set_xlabel(f"mean brightness of an image, {LEVEL}")
    ax.set_title("Distribution of mean brightness per class (each scaled to its peak)")
    ax.grid(axis="x", alpha=0.3)
    save(fig, path)


def min_max_spread(survey: Survey, path: str) -> None:
    """Per class, the darkest and the brightest pixel of each image."""
    if not len(survey):
        return nothing_to_plot(path)
    classes = survey.class_names()
    fig = Figure(figsize=(8, _class_height(len(classes)) * 1.2))
    ax = fig.add_subplot()
    where = np.arange(len(classes))
    style = {
        "vert": False,
        "widths": 0.32,
        "patch_artist": True,
        "flierprops": {"markersize": 2},
        "medianprops": {"color": "black"},
    }
    for column, shift, colour in (("min", -0.2, "#4c72b0"), ("max", 0.2, "#dd8452")):
        parts = ax.boxplot(survey.per_class(column), positions=where + shift, **style)
        for box in parts["boxes"]:
            box.set_facecolor(colour)
        ax.plot([], [], color=colour, linewidth=8, label=f"{column} of each image")
    ax.set_yticks(where, classes)
    ax.set_xlim(0, 255)
    ax.set_xlabel(LEVEL)
    ax.set_title("Darkest and brightest pixel of each image, per class")
    ax.invert_yaxis()
    ax.legend(loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    save(fig, path)


def mean_vs_std(survey: Survey, path: str) -> None:
    """Each image as a point: its mean against its standard deviation."""
    if not len(survey):
        return nothing_to_plot(path)
    fig = Figure(figsize=(8, 6))
    ax = fig.add_subplot()
    colours = _palette(len(survey.class_names()))
    # big clear points for a few images, small faint ones for a crowd
    size = float(np.clip(4000 / len(survey), 2, 25))
    alpha = float(np.clip(300 / len(survey), 0.15, 0.8))
    for colour, name in zip(colours, survey.class_names(), strict=True):
        chosen = survey.classes == name
        ax.scatter(
            survey.values["mean"][chosen],
            survey.values["std"][chosen],
            s=size,
            alpha=alpha,
            color=colour,
            label=name,
            rasterized=True,
        )
    ax.set_xlim(0, 255)
    ax.set_ylim(bottom=0)
    ax.set_xlabel("mean grey level of the image")
    ax.set_ylabel("standard deviation of its grey levels")
    ax.set_title(f"Brightness against contrast: {len(survey)} images")
    ax.legend(markerscale=4, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    ax.grid(alpha=0.3)
    save(fig, path, dpi=120)


def _palette(n: int) -> list:
    from matplotlib import colormaps

    cmap = colormaps["tab10" if n <= 10 else "tab20"]
    return [cmap(i % cmap.N) for i in range(n)]


def block_runtimes(blocks: list[dict], path: str) -> None:
    """Each block job's run time against its number of images."""
    fig = Figure(figsize=(8, 4.5))
    ax = fig.add_subplot()
    images = np.array([b["images"] for b in blocks], float)
    seconds = np.array([b["seconds"] for b in blocks], float)
    ax.scatter(images, seconds, s=18, color="#4c72b0")
    total = seconds.sum()
    per_image = total / images.sum() * 1000 if images.sum() else 0
    ax.set_xlabel("images in the block")
    ax.set_ylabel("run time of its job, seconds")
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    ax.set_title(
        f"{len(blocks)} block jobs: {total:.1f} s in all, {per_image:.2f} ms per image"
    )
    ax.grid(alpha=0.3)
    save(fig, path)


def read_block_runtimes(benchmarks: list[str], sizes_tsv: str) -> list[dict]:
    """Each block's job time (its Snakemake benchmark file) and image count."""
    sizes = {r["block"]: int(r["images"]) for r in records.read_tsv(sizes_tsv)}
    blocks = []
    for path in benchmarks:
        name = os.path.basename(path)[: -len(".tsv")]
        row = records.read_tsv(path)[-1]
        blocks.append(
            {"block": name, "images": sizes[name], "seconds": float(row["s"])}
        )
    return blocks
