"""Greyscale conversion and brightness statistics, identical to Pillow's.

Every 8-bit mode goes straight through ``Image.convert("L")``. Pillow's own
conversion clips 16-bit images to white and float images to black, so those
are first brought to an 8-bit form (see ``to_8bit``); LAB images, which
Pillow cannot convert, give their lightness channel. The statistics are those
of ``PIL.ImageStat.Stat``: its own formulas, on the integer sums of the
histogram, computed in C.
"""

from __future__ import annotations

import math

import numpy as np
from perimage.analysis import Rejected
from PIL import Image

SIXTEEN_BIT = ("I;16", "I;16L", "I;16B", "I;16N")
CLIPPED_BY_PILLOW = frozenset((*SIXTEEN_BIT, "I", "F"))
LEVELS = np.arange(256, dtype=np.int64)
SQUARES = LEVELS * LEVELS


def to_8bit(im: Image.Image) -> Image.Image:
    """Bring modes that ``convert("L")`` would clip to a documented 8-bit form.

    - 16-bit (``I;16*``): v / 257, rounded to the nearest integer, so 0 -> 0
      and 65535 -> 255.
    - 32-bit integer (``I``): clipped to 0..65535, then as 16-bit.
    - float (``F``): taken as 0.0 (black) .. 1.0 (white), clipped to that range
      (NaN as 0.0), then times 255, rounded half to even.
    Other modes are returned unchanged.
    """
    if im.mode not in CLIPPED_BY_PILLOW:
        return im
    a = np.asarray(im)
    if im.mode == "F":
        out = np.rint(np.clip(np.nan_to_num(a, nan=0.0), 0.0, 1.0) * 255.0)
    else:
        # 257 is odd, so v / 257 is never halfway: this is v / 257 rounded
        out = (np.clip(a.astype(np.int64), 0, 65535) + 128) // 257
    return Image.fromarray(out.astype(np.uint8), mode="L")


def to_greyscale(im: Image.Image) -> Image.Image:
    """The greyscale ("L") version of any image Pillow can open.

    Alpha is ignored (as ``convert("L")`` does); palette, CMYK, 1-bit and other
    8-bit modes convert as Pillow converts them.
    """
    im = to_8bit(im)
    if im.mode == "L":
        return im
    if im.mode == "LAB":
        return im.getchannel("L")
    try:
        return im.convert("L")
    except ValueError:
        raise Rejected(
            f"colour mode {im.mode} cannot be converted to greyscale"
        ) from None


def statistics(grey: Image.Image) -> dict:
    """``ImageStat.Stat(grey)``'s extrema (``min``, ``max``), ``mean``,
    ``median`` and stddev (``std``): its formulas, term for term, on the same
    integer sums (exact below 10**14 pixels), without its Python loops."""
    counts = np.array(grey.histogram(), dtype=np.int64)
    count = int(counts.sum())
    total = int(counts @ LEVELS)
    total2 = int(counts @ SQUARES)
    used = np.flatnonzero(counts)  # an "L" image's extrema are its used levels
    # Pillow's median: the first level at which more than half are counted
    median = int(np.searchsorted(np.cumsum(counts), count // 2, side="right"))
    # total**2 / count is a float: on a huge uniform image it can round past
    # total2, where Pillow would fail on the square root of a tiny negative
    variance = max((total2 - (total**2) / count) / count, 0.0)
    return {
        "min": int(used[0]),
        "max": int(used[-1]),
        "mean": total / count,
        "median": median,
        "std": math.sqrt(variance),
    }
