"""Greyscale conversion and brightness statistics, identical to Pillow's.

Every 8-bit mode goes straight through ``Image.convert("L")``. Pillow's own
conversion clips 16-bit images to white and float images to black, so those are
first brought to an 8-bit form (see ``to_8bit``). The statistics are
``PIL.ImageStat.Stat`` of the greyscale image's histogram: the same numbers
``ImageStat.Stat(grey)`` gives, from one pass over the pixels.
"""

from __future__ import annotations

import errno
import operator
from typing import NamedTuple

from PIL import Image, ImageStat

SIXTEEN_BIT = ("I;16", "I;16L", "I;16B", "I;16N")
# Pillow's own refusal threshold (twice Image.MAX_IMAGE_PIXELS); load() applies
# its max_pixels instead, so that the limit is a setting and the reason clear.
DEFAULT_MAX_PIXELS = 178_956_970
Image.MAX_IMAGE_PIXELS = None
_FILE_ERRORS = {
    errno.ENOENT: "file not found (deleted, or a broken link)",
    errno.EACCES: "cannot be read: permission denied",
    errno.EPERM: "cannot be read: permission denied",
    errno.ELOOP: "symbolic link loop",
    errno.EISDIR: "is a folder, not a file",
}


class ImageError(Exception):
    """An image that cannot be processed; the message is the reason."""


LEVELS = range(256)
SQUARES = [j * j for j in LEVELS]


class Stats(NamedTuple):
    width: int
    height: int
    mode: str  # the original mode, before any conversion
    frames: int
    min: int
    max: int
    mean: float
    median: int
    std: float


def to_8bit(im: Image.Image) -> Image.Image:
    """Bring modes that ``convert("L")`` would clip to a documented 8-bit form.

    - 16-bit (``I;16*``): v -> (v + 128) // 257, so 0 -> 0 and 65535 -> 255.
    - 32-bit integer (``I``): clipped to 0..65535, then as 16-bit.
    - float (``F``): taken as 0.0 (black) .. 1.0 (white), clipped to that range,
      then scaled by 255 and rounded half to even.
    Other modes are returned unchanged.
    """
    if im.mode not in (*SIXTEEN_BIT, "I", "F"):
        return im
    import numpy as np  # only for these rare modes

    a = np.asarray(im)
    if im.mode == "F":
        out = np.rint(np.clip(np.nan_to_num(a, nan=0.0), 0.0, 1.0) * 255.0)
    else:
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
    try:
        return im.convert("L")
    except ValueError as e:
        raise ImageError(
            f"colour mode {im.mode} cannot be converted to greyscale"
        ) from e


def pillow_stat(histogram: list[int]) -> ImageStat.Stat:
    """``ImageStat.Stat`` of a one-band histogram, with its integer sums
    precomputed in C: the same exact integers as Pillow's Python loops, so
    mean, variance and stddev come out of Pillow's own formulas unchanged."""
    stat = ImageStat.Stat(histogram)
    stat.count = [sum(histogram)]
    stat.sum = [sum(map(operator.mul, LEVELS, histogram))]
    stat.sum2 = [sum(map(operator.mul, SQUARES, histogram))]
    return stat


def statistics(grey: Image.Image, mode: str, frames: int = 1) -> Stats:
    stat = pillow_stat(grey.histogram())
    lo, hi = stat.extrema[0]
    return Stats(
        width=grey.width,
        height=grey.height,
        mode=mode,
        frames=frames,
        min=lo,
        max=hi,
        mean=stat.mean[0],
        median=stat.median[0],
        std=stat.stddev[0],
    )


def too_large(width: int, height: int, max_pixels: int) -> str | None:
    if width * height > max_pixels:
        return (
            f"{width}x{height} = {width * height} pixels,"
            f" more than max_pixels ({max_pixels})"
        )
    return None


def load(path: str, max_pixels: int = DEFAULT_MAX_PIXELS) -> tuple[Image.Image, Stats]:
    """Open ``path``, convert its first frame to greyscale and describe it.

    Raises ``ImageError`` with a reason a person understands when the file is
    not a usable image, or has more than ``max_pixels`` pixels (checked from
    the header, before any pixel is decoded).
    """
    try:
        with Image.open(path) as im:
            reason = too_large(im.width, im.height, max_pixels)
            if reason:
                raise ImageError(reason)
            mode = im.mode
            frames = getattr(im, "n_frames", 1)
            im.load()
            grey = to_greyscale(im)
    except ImageError:
        raise
    except Image.UnidentifiedImageError:
        raise ImageError("not an image Pillow can read") from None
    except OSError as e:
        if e.errno in _FILE_ERRORS:
            raise ImageError(_FILE_ERRORS[e.errno]) from None
        if e.errno is not None:
            raise ImageError(f"cannot be read: {e.strerror}") from None
        raise ImageError(f"damaged or truncated image: {e}") from e
    except (SyntaxError, ValueError, EOFError) as e:
        raise ImageError(f"damaged or truncated image: {e}") from e
    if grey.width == 0 or grey.height == 0:
        raise ImageError("image has no pixels")
    return grey, statistics(grey, mode, frames)
