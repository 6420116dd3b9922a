"""The brightness survey's per-image analysis."""

from __future__ import annotations

from perimage.analysis import describe
from PIL import Image

from .greyscale import statistics, to_greyscale


@describe(pixels_only=True, strict=True)
def analyse(image: Image.Image) -> dict:
    """The greyscale image (saved as ``results/greyscale/<path>.png``), the
    original's size, mode and frame count, and the statistics of its grey
    levels (0-255)."""
    grey = to_greyscale(image)
    return {
        "greyscale": grey,
        "width": grey.width,
        "height": grey.height,
        "mode": image.mode,
        "frames": getattr(image, "n_frames", 1),
        **statistics(grey),
    }
