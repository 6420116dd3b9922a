"""Small SVG charts: axes, box plots, step histograms and scatter plots.

The report's plots are a few simple charts of up to millions of values, made
once per run right after the last block. Written directly as SVG (points of a
large scatter as one embedded PNG) they take milliseconds; a plotting
library's import alone would take longer than the rest of the aggregation.
"""

from __future__ import annotations

import base64
import io
import math
from dataclasses import dataclass
from xml.sax.saxutils import escape

import numpy as np
from PIL import Image

from . import atomic

PALETTE = [
    "#4c72b0",
    "#dd8452",
    "#55a868",
    "#c44e52",
    "#8172b3",
    "#937860",
    "#da8bc3",
    "#8c8c8c",
    "#ccb974",
    "#64b5cd",
]
FONT = "font-family:system-ui,Helvetica,Arial,sans-serif"


def colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def nice_ticks(lo: float, hi: float, count: int = 6) -> list[float]:
    """Round tick values covering [lo, hi]."""
    if not math.isfinite(lo) or not math.isfinite(hi) or hi <= lo:
        return [lo]
    raw = (hi - lo) / count
    step = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * step:
            step *= factor
            break
    first = math.ceil(lo / step) * step
    ticks = []
    value = first
    while value <= hi + step * 1e-9:
        ticks.append(round(value, 12))
        value += step
    return ticks


def tick_label(value: float) -> str:
    return f"{value:g}"


@dataclass
class Box:
    """Box-plot statistics as matplotlib draws them: quartiles by linear
    interpolation, whiskers to the farthest value within 1.5 times the
    interquartile range, the values beyond as outliers."""

    q1: float
    median: float
    q3: float
    low: float
    high: float
    outliers: np.ndarray

    @classmethod
    def of(cls, values: np.ndarray) -> Box | None:
        values = values[~np.isnan(values)]
        if not len(values):
            return None
        q1, median, q3 = np.percentile(values, [25, 50, 75])
        reach = 1.5 * (q3 - q1)
        inside = values[(values >= q1 - reach) & (values <= q3 + reach)]
        low, high = (inside.min(), inside.max()) if len(inside) else (q1, q3)
        outliers = values[(values < low) | (values > high)]
        return cls(q1, median, q3, low, high, outliers)


class Chart:
    """One plot area with a linear x axis and either a linear y axis or
    labelled rows (categories, top to bottom)."""

    def __init__(
        self,
        width: int,
        height: int,
        title: str,
        *,
        left: int = 70,
        right: int = 30,
        top: int = 40,
        bottom: int = 55,
    ):
        self.width, self.height, self.title = width, height, title
        self.x0, self.x1 = left, width - right
        self.y0, self.y1 = top, height - bottom
        self.parts: list[str] = []
        self.xlim = (0.0, 1.0)
        self.ylim = (0.0, 1.0)
        self.rows: list[str] = []
        self.framed = True

    # -- scales
    def x(self, value):
        lo, hi = self.xlim
        return self.x0 + (np.asarray(value, float) - lo) / (hi - lo) * (
            self.x1 - self.x0
        )

    def y(self, value):
        lo, hi = self.ylim
        return self.y1 - (np.asarray(value, float) - lo) / (hi - lo) * (
            self.y1 - self.y0
        )

    def row_centre(self, i: int) -> float:
        step = (self.y1 - self.y0) / max(1, len(self.rows))
        return self.y0 + step * (i + 0.5)

    @property
    def row_height(self) -> float:
        return (self.y1 - self.y0) / max(1, len(self.rows))

    # -- drawing
    def add(self, svg: str) -> None:
        self.parts.append(svg)

    def line(self, x1, y1, x2, y2, stroke="#222", width=1.0, extra="") -> None:
        self.add(
            f'<line x1="{x1:.2f}" y1="{y1:.2f}" x2="{x2:.2f}" y2="{y2:.2f}"'
            f' stroke="{stroke}" stroke-width="{width}" {extra}/>'
        )

    def rect(self, x, y, w, h, fill, stroke="#222", extra="") -> None:
        self.add(
            f'<rect x="{x:.2f}" y="{y:.2f}" width="{max(w, 0):.2f}"'
            f' height="{max(h, 0):.2f}" fill="{fill}" stroke="{stroke}" {extra}/>'
        )

    def text(self, x, y, text, *, anchor="start", size=12, fill="#222", extra=""):
        self.add(
            f'<text x="{x:.2f}" y="{y:.2f}" text-anchor="{anchor}"'
            f' font-size="{size}" fill="{fill}" {extra}>{escape(str(text))}</text>'
        )

    def path(self, d: str, fill="none", stroke="#222", width=1.0, extra="") -> None:
        self.add(
            f'<path d="{d}" fill="{fill}" stroke="{stroke}"'
            f' stroke-width="{width}" {extra}/>'
        )

    def points(self, xs, ys, fill, radius=2.5, extra="") -> None:
        for px, py in zip(self.x(xs), self.y(ys), strict=True):
            self.add(
                f'<circle cx="{px:.2f}" cy="{py:.2f}" r="{radius}" fill="{fill}"'
                f" {extra}/>"
            )

    def raster(self, layers: list[tuple[np.ndarray, np.ndarray, str]], size=2) -> None:
        """Many points, drawn as one PNG inside the plot area: each layer is
        (x values, y values, colour), drawn in order."""
        w, h = int(self.x1 - self.x0), int(self.y1 - self.y0)
        canvas = np.zeros((h, w, 4), np.uint8)
        for xs, ys, fill in layers:
            px = np.floor(self.x(xs) - self.x0).astype(int)
            py = np.floor(self.y(ys) - self.y0).astype(int)
            rgb = [int(fill[i : i + 2], 16) for i in (1, 3, 5)]
            for dx in range(size):
                for dy in range(size):
                    cx, cy = px + dx - size // 2, py + dy - size // 2
                    ok = (cx >= 0) & (cx < w) & (cy >= 0) & (cy < h)
                    canvas[cy[ok], cx[ok]] = [*rgb, 200]
        out = io.BytesIO()
        Image.fromarray(canvas, "RGBA").save(out, "PNG", compress_level=1)
        data = base64.b64encode(out.getvalue()).decode()
        self.add(
            f'<image x="{self.x0}" y="{self.y0}" width="{w}" height="{h}"'
            f' href="data:image/png;base64,{data}"/>'
        )

    # -- axes
    def x_axis(self, label: str, ticks=None, grid=True) -> None:
        ticks = nice_ticks(*self.xlim) if ticks is None else ticks
        for t in ticks:
            px = float(self.x(t))
            if grid:
                self.line(px, self.y0, px, self.y1, "#ddd", 1)
            self.line(px, self.y1, px, self.y1 + 5, "#222", 1)
            self.text(px, self.y1 + 18, tick_label(t), anchor="middle", size=11)
        self.text((self.x0 + self.x1) / 2, self.y1 + 40, label, anchor="middle")

    def y_axis(self, label: str, ticks=None, grid=True) -> None:
        ticks = nice_ticks(*self.ylim) if ticks is None else ticks
        for t in ticks:
            py = float(self.y(t))
            if grid:
                self.line(self.x0, py, self.x1, py, "#ddd", 1)
            self.line(self.x0 - 5, py, self.x0, py, "#222", 1)
            self.text(self.x0 - 8, py + 4, tick_label(t), anchor="end", size=11)
        cx, cy = self.x0 - 50, (self.y0 + self.y1) / 2
        self.text(
            cx, cy, label, anchor="middle", extra=f'transform="rotate(-90 {cx} {cy})"'
        )

    def row_labels(self) -> None:
        for i, label in enumerate(self.rows):
            self.text(self.x0 - 8, self.row_centre(i) + 4, label, anchor="end")

    def legend(self, items: list[tuple[str, str]]) -> None:
        x, y = self.x1 + 12, self.y0 + 4
        for i, (label, fill) in enumerate(items):
            self.rect(x, y + i * 18, 12, 12, fill, stroke="none")
            self.text(x + 18, y + i * 18 + 10, label, size=11)

    def box(self, i: int, box: Box, fill: str, offset=0.0, thickness=0.5) -> None:
        """A horizontal box plot in row ``i``."""
        centre = self.row_centre(i) + offset * self.row_height
        half = thickness * self.row_height / 2
        lo, q1, med, q3, hi = (
            float(self.x(v)) for v in (box.low, box.q1, box.median, box.q3, box.high)
        )
        self.line(lo, centre, q1, centre)
        self.line(q3, centre, hi, centre)
        self.line(lo, centre - half / 2, lo, centre + half / 2)
        self.line(hi, centre - half / 2, hi, centre + half / 2)
        self.rect(q1, centre - half, q3 - q1, 2 * half, fill)
        self.line(med, centre - half, med, centre + half, "#000", 2)
        # one mark per pixel: a million outliers must not make a huge file
        for px in np.unique(np.round(self.x(box.outliers) * 2) / 2):
            self.add(
                f'<circle cx="{px:.1f}" cy="{centre:.1f}" r="2" fill="none"'
                ' stroke="#444" stroke-opacity="0.6"/>'
            )

    def svg(self) -> str:
        title = (
            f'<text x="{self.width / 2:.1f}" y="24" text-anchor="middle"'
            f' font-size="15" font-weight="bold">{escape(self.title)}</text>'
        )
        frame = (
            f'<rect x="{self.x0}" y="{self.y0}" width="{self.x1 - self.x0}"'
            f' height="{self.y1 - self.y0}" fill="none" stroke="#222"/>'
            if self.framed
            else ""
        )
        return (
            f'<?xml version="1.0" encoding="utf-8"?>\n'
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{self.width}"'
            f' height="{self.height}" viewBox="0 0 {self.width} {self.height}"'
            f' style="{FONT};background:#fff">\n'
            f'<rect width="100%" height="100%" fill="#fff"/>\n'
            + "\n".join([title, *self.parts, frame])
            + "\n</svg>\n"
        )

    def save(self, path: str) -> None:
        atomic.write_bytes(path, self.svg().encode("utf-8"))


def message(path: str, text: str) -> None:
    """A plot with nothing to show says why."""
    chart = Chart(700, 90, "", top=10, bottom=10)
    chart.framed = False
    chart.text(350, 50, text, anchor="middle")
    chart.save(path)


def rows_height(rows: int, per_row: float = 38, extra: int = 110) -> int:
    """A chart height that gives each of ``rows`` labelled rows its room."""
    return int(extra + per_row * max(1, rows))
