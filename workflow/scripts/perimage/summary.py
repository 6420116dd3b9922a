"""Summaries per class (top-level folder, ``layout.class_of``): how many
images, how many rejected, and how chosen numeric columns are distributed."""

from __future__ import annotations

import math

from . import atomic, tables
from .layout import class_of

ALL = "(all)"
STATISTICS = ("min", "q25", "median", "q75", "max", "mean", "std")


def summarise(
    stats: tables.StatsTable, rejected: list[tuple[str, str]], columns: list[str]
) -> tuple[list[str], list[list]]:
    """One row per class, sorted by name, then one for all images: ``class``,
    ``images``, ``rejected``, and for each column its minimum, quartiles
    (linear interpolation, as numpy and pandas compute them by default),
    maximum, mean and standard deviation (of the population) over the class's
    images, as ``<column>_min`` ... ``<column>_std``."""
    classes = [class_of(p) for p in stats.text("path")]
    bad = [class_of(p) for p, _ in rejected]
    # a column no image has (every one rejected) is summarised as empty
    nothing = [math.nan] * len(stats)
    values = {c: stats.floats(c) if c in stats.columns else nothing for c in columns}
    header = ["class", "images", "rejected"]
    header += [f"{c}_{s}" for c in columns for s in STATISTICS]
    members: dict[str, list[int]] = {}
    for i, name in enumerate(classes):
        members.setdefault(name, []).append(i)
    rows = []
    for name in sorted(set(classes) | set(bad)):
        chosen = members.get(name, [])
        rows.append(_row(name, chosen, bad.count(name), values))
    rows.append(_row(ALL, range(len(classes)), len(bad), values))
    return header, rows


def _row(name: str, chosen, rejected: int, values: dict) -> list:
    row = [name, len(chosen), rejected]
    for column in values.values():
        v = sorted(x for x in (column[i] for i in chosen) if not math.isnan(x))
        if v:
            mean = math.fsum(v) / len(v)
            std = math.sqrt(math.fsum((x - mean) ** 2 for x in v) / len(v))
            row += [v[0], *(_quantile(v, q) for q in (0.25, 0.5, 0.75)), v[-1]]
            row += [mean, std]
        else:
            row += [None] * len(STATISTICS)
    return row


def _quantile(ordered: list[float], q: float) -> float:
    """numpy's default ("linear") quantile of sorted values."""
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def write(path: str, header: list[str], rows: list[list]) -> None:
    with atomic.open_text(path) as fh:
        tables.write_rows(fh, header, ([_cell(v) for v in row] for row in rows))


def read(path: str) -> tuple[list[str], list[list[str]]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return tables.read_rows(fh)


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return "" if value is None else str(value)
