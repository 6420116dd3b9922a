"""Contact sheets: per class, the darkest and the brightest images, so that
outliers and broken data are seen at a glance."""

from __future__ import annotations

import logging
import os
import textwrap

import numpy as np
from matplotlib.figure import Figure
from PIL import Image

from . import records
from .greyscale import ImageError, load
from .plots import save

log = logging.getLogger(__name__)
THUMBNAIL = 128  # pixels, the longer side


def thumbnail(row: dict, input_dir: str) -> np.ndarray | None:
    """The image's greyscale version, small: from its PNG when there is one,
    else made again from the original (write_greyscale: false)."""
    try:
        if row["greyscale"] and os.path.exists(row["greyscale"]):
            with Image.open(row["greyscale"]) as im:
                grey = im.copy()
        else:
            grey, _ = load(os.path.join(input_dir, row["path"]))
    except (OSError, ImageError) as e:
        log.warning("no thumbnail for %s: %s", row["path"], e)
        return None
    grey.thumbnail((THUMBNAIL, THUMBNAIL))
    return np.asarray(grey)


def choose(rows: list[dict], per_row: int) -> list[tuple[str, list[dict]]]:
    """Rows of the sheet: the darkest and the brightest ``per_row`` images by
    mean; a class too small for that is shown whole, darkest first."""
    ordered = sorted(rows, key=lambda r: (float(r["mean"]), r["path"]))
    if len(ordered) > 2 * per_row:
        return [("darkest", ordered[:per_row]), ("brightest", ordered[-per_row:][::-1])]
    first, rest = ordered[:per_row], ordered[per_row:]
    return [("darkest first", first)] + ([("", rest)] if rest else [])


def contact_sheet(name: str, rows: list[dict], input_dir: str, per_row: int, path: str):
    groups = choose(rows, per_row)
    fig = Figure(figsize=(1.7 * per_row, 2.2 * len(groups) + 0.4))
    axes = fig.subplots(len(groups), per_row, squeeze=False)
    for axes_row, (label, group) in zip(axes, groups, strict=True):
        for ax, row in zip(
            axes_row, group + [None] * (per_row - len(group)), strict=True
        ):
            ax.set_xticks([])
            ax.set_yticks([])
            if row is None:
                ax.set_axis_off()
                continue
            pixels = thumbnail(row, input_dir)
            if pixels is not None:
                ax.imshow(
                    pixels, cmap="gray", vmin=0, vmax=255, interpolation="nearest"
                )
            short = textwrap.shorten(os.path.basename(row["path"]), 22, placeholder="…")
            ax.set_title(f"{short}\nmean {float(row['mean']):.1f}", fontsize=7)
        if label:
            axes_row[0].set_ylabel(label, fontsize=10)
    fig.suptitle(f"{name}: {len(rows)} images", fontsize=12)
    fig.tight_layout()
    save(fig, path)


def make_galleries(stats_tsv: str, input_dir: str, out_dir: str, per_row: int) -> int:
    """One contact sheet per class in ``out_dir``; returns how many."""
    by_class: dict[str, list[dict]] = {}
    for row in records.read_tsv(stats_tsv):
        by_class.setdefault(records.class_of(row["path"]), []).append(row)
    os.makedirs(out_dir, exist_ok=True)
    for name, rows in sorted(by_class.items()):
        contact_sheet(
            name, rows, input_dir, per_row, os.path.join(out_dir, f"{name}.png")
        )
        log.info("%s: %d images, sheet %s", name, len(rows), f"{name}.png")
    return len(by_class)
