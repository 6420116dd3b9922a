"""The brightness survey's figures, as its ``REPORT`` names them."""

from __future__ import annotations

import logging
import os

from perimage.figures import figure_path
from perimage.plots import ByClass

from . import galleries, plots

log = logging.getLogger(__name__)


def draw(stats, folder: str, *, settings: dict, input_dir: str) -> None:
    groups = ByClass(stats)
    plots.brightness_by_class(groups, figure_path(folder, "brightness_by_class"))
    plots.mean_histograms(groups, figure_path(folder, "mean_histograms"))
    plots.min_max_spread(groups, figure_path(folder, "min_max_spread"))
    plots.mean_vs_std(groups, figure_path(folder, "mean_vs_std"))
    sheets = os.path.join(folder, "galleries")
    n = galleries.make_galleries(groups, input_dir, sheets, settings["gallery_images"])
    log.info("plotted %d images; %d contact sheets", len(groups), n)
