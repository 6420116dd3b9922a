"""Contact sheets: per class, the darkest and the brightest images, so that
outliers and broken data are seen at a glance.

Written as SVG, each thumbnail the image's greyscale PNG itself, embedded as
it is on disk (small images are enlarged by the browser, pixel by pixel):
nothing is decoded or drawn again. Only large images, or images whose PNG
was not saved, are made into a thumbnail with Pillow.
"""

from __future__ import annotations

import base64
import io
import logging
import os
from xml.sax.saxutils import escape

import numpy as np
from perimage import atomic, decode, inputs, png, results
from perimage.errors import Rejected
from perimage.plots import ByClass
from perimage.svgplot import FONT
from PIL import Image

from .greyscale import to_greyscale

log = logging.getLogger(__name__)
CELL = 128  # thumbnail box, pixels
GAP = 14
CAPTION = 34  # two lines above each thumbnail
LABELS = 110  # row labels on the left
TITLE = 44
EMBED_AS_IS = 64 * 1024  # bytes: a PNG up to this size goes in unchanged


def thumbnail(row: dict, input_dir: str) -> tuple[bytes, tuple[int, int]] | None:
    """A PNG of the image's greyscale version and its size: its own PNG when
    there is one and it is small, else a reduced one made from the original."""
    try:
        path = row["greyscale"]
        size = results.output_size(path) if path else -1
        if size >= 0:  # a file, or a member of its block's archive
            data = results.read_output(path)
            with Image.open(io.BytesIO(data)) as im:
                if size <= EMBED_AS_IS:
                    return data, im.size
                grey = im.convert("L")
        else:
            images = inputs.open_input(input_dir)
            raw, _ = images.read(row["path"], decode.DEFAULT_MAX_PIXELS)
            grey = to_greyscale(decode.open_image(raw))
        grey.thumbnail((CELL, CELL))
        return png.encode(grey), grey.size
    except (OSError, Rejected) as e:
        log.warning("no thumbnail for %s: %s", row["path"], e)
        return None


def choose(ordered: np.ndarray, per_row: int) -> list[tuple[str, np.ndarray]]:
    """Rows of the sheet from a class's row numbers ordered by mean: the
    darkest and the brightest ``per_row`` images; a class too small for that
    is shown whole, darkest first."""
    if len(ordered) > 2 * per_row:
        return [("darkest", ordered[:per_row]), ("brightest", ordered[-per_row:][::-1])]
    first, rest = ordered[:per_row], ordered[per_row:]
    return [("darkest first", first)] + ([("", rest)] if len(rest) else [])


def contact_sheet(
    name: str,
    count: int,
    groups: list[tuple[str, list[dict]]],
    input_dir: str,
    per_row: int,
    path: str,
) -> None:
    """The sheet of a class of ``count`` images: rows of chosen images, each
    a dict of its ``path``, ``greyscale`` and ``mean`` cells."""
    row_height = CAPTION + CELL + GAP
    width = LABELS + per_row * (CELL + GAP) + GAP
    height = TITLE + len(groups) * row_height
    parts = [
        f'<text x="{GAP}" y="28" font-size="18" font-weight="bold">'
        f"{escape(name)}: {count} images</text>"
    ]
    for r, (label, group) in enumerate(groups):
        top = TITLE + r * row_height
        parts.append(
            f'<text x="{GAP}" y="{top + CAPTION + CELL // 2}" font-size="13"'
            f' fill="#333">{escape(label)}</text>'
        )
        for c, row in enumerate(group):
            left = LABELS + c * (CELL + GAP)
            centre = left + CELL // 2
            short = os.path.basename(row["path"])
            short = short if len(short) <= 20 else short[:19] + "…"
            parts.append(
                f'<text x="{centre}" y="{top + 12}" font-size="12"'
                f' text-anchor="middle">{escape(short)}</text>'
                f'<text x="{centre}" y="{top + 27}" font-size="12" fill="#555"'
                f' text-anchor="middle">mean {float(row["mean"]):.1f}</text>'
                f'<rect x="{left}" y="{top + CAPTION}" width="{CELL}"'
                f' height="{CELL}" fill="none" stroke="#bbb"/>'
            )
            thumb = thumbnail(row, input_dir)
            if thumb is None:
                parts.append(
                    f'<text x="{centre}" y="{top + CAPTION + CELL // 2}"'
                    ' font-size="12" text-anchor="middle">unreadable</text>'
                )
                continue
            data, (w, h) = thumb
            scale = min(CELL / w, CELL / h)
            if scale >= 1:  # enlarge by whole pixels, so that pixels stay visible
                scale = max(1, int(scale))
            sw, sh = w * scale, h * scale
            x, y = left + (CELL - sw) / 2, top + CAPTION + (CELL - sh) / 2
            href = "data:image/png;base64," + base64.b64encode(data).decode()
            parts.append(
                f'<image x="{x:.1f}" y="{y:.1f}" width="{sw:.1f}" height="{sh:.1f}"'
                f' style="image-rendering:pixelated" href="{href}"/>'
            )
    svg = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" style="{FONT};background:#fff">\n'
        f'<rect width="100%" height="100%" fill="#fff"/>\n'
        + "\n".join(parts)
        + "\n</svg>\n"
    )
    atomic.write_bytes(path, svg.encode("utf-8"))


def make_galleries(groups: ByClass, input_dir: str, out_dir: str, per_row: int) -> int:
    """One contact sheet per class in ``out_dir``; returns how many."""
    os.makedirs(out_dir, exist_ok=True)
    if not len(groups):
        return 0
    stats = groups.stats
    means = stats.floats("mean")
    for name, members in zip(groups.names, groups.members(), strict=True):
        # by mean, then by path: the members are in the table's order (by path)
        ordered = members[np.argsort(means[members], kind="stable")]
        shown = [
            (label, stats.rows(rows, ["path", "greyscale", "mean"]))
            for label, rows in choose(ordered, per_row)
        ]
        sheet = os.path.join(out_dir, f"{name}.svg")
        contact_sheet(name, len(members), shown, input_dir, per_row, sheet)
        log.info("%s: %d images, sheet %s.svg", name, len(members), name)
    return len(groups.names)
