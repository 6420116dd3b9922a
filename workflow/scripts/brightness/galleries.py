"""Contact sheets: per class, the darkest and the brightest images, so that
outliers and broken data are seen at a glance. Drawn with Pillow."""

from __future__ import annotations

import io
import logging
import os
import textwrap

from perimage import atomic, decode, tables
from perimage.errors import Rejected
from perimage.layout import class_of
from PIL import Image, ImageDraw, ImageFont

from .greyscale import to_greyscale

log = logging.getLogger(__name__)
CELL = 128  # thumbnail box, pixels
GAP = 12
CAPTION = 34  # two lines above each thumbnail
LABELS = 96  # row labels on the left
TITLE = 40


def thumbnail(row: dict, input_dir: str) -> Image.Image | None:
    """The image's greyscale version fitted to the cell: small images are
    enlarged by whole pixels (so that pixels stay visible), large ones reduced.
    From its PNG when there is one, else made again from the original."""
    try:
        if row["greyscale"] and os.path.exists(row["greyscale"]):
            with Image.open(row["greyscale"]) as im:
                grey = im.convert("L")
        else:
            data, _, _ = decode.read_file(os.path.join(input_dir, row["path"]))
            grey = to_greyscale(decode.open_image(data))
    except (OSError, Rejected) as e:
        log.warning("no thumbnail for %s: %s", row["path"], e)
        return None
    factor = CELL // max(grey.size)
    if factor >= 2:
        return grey.resize((grey.width * factor, grey.height * factor), Image.NEAREST)
    grey.thumbnail((CELL, CELL))
    return grey


def choose(rows: list[dict], per_row: int) -> list[tuple[str, list[dict]]]:
    """Rows of the sheet: the darkest and the brightest ``per_row`` images by
    mean; a class too small for that is shown whole, darkest first."""
    ordered = sorted(rows, key=lambda r: (float(r["mean"]), r["path"]))
    if len(ordered) > 2 * per_row:
        return [("darkest", ordered[:per_row]), ("brightest", ordered[-per_row:][::-1])]
    first, rest = ordered[:per_row], ordered[per_row:]
    return [("darkest first", first)] + ([("", rest)] if rest else [])


def contact_sheet(
    name: str, rows: list[dict], input_dir: str, per_row: int, path: str
) -> None:
    groups = choose(rows, per_row)
    row_height = CAPTION + CELL + GAP
    # greyscale, like its thumbnails: a third of the bytes to compress
    sheet = Image.new(
        "L",
        (LABELS + per_row * (CELL + GAP) + GAP, TITLE + len(groups) * row_height),
        255,
    )
    draw = ImageDraw.Draw(sheet)
    small = ImageFont.load_default(size=12)
    draw.text(
        (GAP, 10),
        f"{name}: {len(rows)} images",
        fill=0,
        font=small.font_variant(size=18),
    )
    for r, (label, group) in enumerate(groups):
        top = TITLE + r * row_height
        draw.text(
            (GAP, top + CAPTION + CELL // 2), label, fill=51, font=small, anchor="lm"
        )
        for c, row in enumerate(group):
            left = LABELS + c * (CELL + GAP)
            centre = left + CELL // 2
            short = textwrap.shorten(os.path.basename(row["path"]), 20, placeholder="…")
            draw.text((centre, top), short, fill=0, font=small, anchor="ma")
            mean = f"mean {float(row['mean']):.1f}"
            draw.text((centre, top + 15), mean, fill=85, font=small, anchor="ma")
            box = (left, top + CAPTION, left + CELL - 1, top + CAPTION + CELL - 1)
            draw.rectangle(box, outline=187)
            thumb = thumbnail(row, input_dir)
            if thumb is not None:
                x = left + (CELL - thumb.width) // 2
                y = top + CAPTION + (CELL - thumb.height) // 2
                sheet.paste(thumb, (x, y))
            else:
                middle = (centre, top + CAPTION + CELL // 2)
                draw.text(middle, "unreadable", fill=0, font=small, anchor="mm")
    data = io.BytesIO()
    # level 1: a fifth of the default's time; thumbnails hardly compress anyway
    sheet.save(data, "PNG", compress_level=1)
    atomic.write_bytes(path, data.getvalue())


def make_galleries(
    stats: tables.StatsTable, input_dir: str, out_dir: str, per_row: int
) -> int:
    """One contact sheet per class in ``out_dir``; returns how many."""
    os.makedirs(out_dir, exist_ok=True)
    if not len(stats):
        return 0
    columns = {c: stats.text(c) for c in ("path", "greyscale", "mean")}
    by_class: dict[str, list[dict]] = {}
    for i, path in enumerate(columns["path"]):
        row = {c: v[i] for c, v in columns.items()}
        by_class.setdefault(class_of(path), []).append(row)
    for name, rows in sorted(by_class.items()):
        sheet = os.path.join(out_dir, f"{name}.png")
        contact_sheet(name, rows, input_dir, per_row, sheet)
        log.info("%s: %d images, sheet %s.png", name, len(rows), name)
    return len(by_class)
