"""The one-image script a researcher starts from, turned into an analysis:
the darkest and brightest grey level and the mean, and a small thumbnail."""

from PIL import ImageStat


def analyse(image):
    grey = image.convert("L")
    stat = ImageStat.Stat(grey)
    low, high = stat.extrema[0]
    return {
        "min": low,
        "max": high,
        "mean": stat.mean[0],
        "thumbnail": grey.resize((16, 16)),
    }
