"""The brightness survey, the workflow's built-in analysis: every image's
greyscale version and its brightness statistics, identical to Pillow's.

Its function is ``brightness.analyse`` (config ``analysis: brightness``);
``REPORT`` says what the report shows of it. The function is imported only
when asked for: Snakemake reads ``REPORT`` while it parses the workflow,
which should not cost the import of Pillow and NumPy.
"""

from perimage.figures import Figure, Report

__all__ = ["REPORT", "analyse"]

BRIGHTNESS = "2. Brightness"
REPORT = Report(
    title="Brightness survey",
    note="A class is a top-level folder, or the image list's class column."
    " mean_* describe the distribution of the images' mean grey levels"
    " (0 black, 255 white): quartiles by linear interpolation, std of the"
    " population.",
    summarise=("mean",),
    columns=(
        "greyscale",
        *("width", "height", "mode", "frames"),
        *("min", "max", "mean", "median", "std"),
    ),
    settings=("gallery_images",),
    draw="brightness.figures:draw",
    figures={
        "brightness_by_class": Figure(
            BRIGHTNESS,
            "mean per class",
            "Mean brightness of the images of each class. Each box spans the"
            " middle half of the class's images (from the first to the third"
            " quartile), the line inside is the median, and the dots are"
            " outliers: images much darker or brighter than the rest of their"
            " class, worth a look in the galleries.",
        ),
        "mean_histograms": Figure(
            BRIGHTNESS,
            "histograms of means",
            "How the images' mean grey levels are distributed within each"
            " class: one histogram per class, stacked, each scaled to its own"
            " peak so that shapes compare at a glance (the image counts are"
            " next to the class names). Two humps in one class often mean two"
            " kinds of scene, or two acquisition settings.",
        ),
        "min_max_spread": Figure(
            BRIGHTNESS,
            "darkest and brightest pixels",
            "For each class, the darkest (blue) and brightest (orange) pixel of"
            " every image. Images whose darkest pixel is far above 0, or whose"
            " brightest is far below 255, use only part of the available"
            " range: low contrast, haze, or under-exposure.",
        ),
        "mean_vs_std": Figure(
            BRIGHTNESS,
            "mean against std",
            "Every image as one point: its mean grey level against the"
            " standard deviation of its grey levels (its contrast), coloured"
            " by class. Points far from their class's cloud are unusual"
            " images; points at a standard deviation near 0 are flat,"
            " featureless images.",
        ),
        "galleries": Figure(
            "3. Galleries",
            "class",
            "Contact sheet of the class: the darkest images (top row) and the"
            " brightest (bottom row), as greyscale thumbnails with their file"
            " name and mean grey level. A class with few images is shown"
            " whole, darkest first.",
        ),
    },
)


def __getattr__(name: str):
    if name == "analyse":
        from .survey import analyse

        return analyse
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
