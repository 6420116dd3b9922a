"""Summaries per class (top-level folder, ``layout.class_of``, or an image
list's ``class`` column): how many images, how many rejected, and how chosen
numeric columns are distributed."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

from . import atomic, tables, textcolumns
from .layout import ALL, CLASS_COLUMN, class_of
from .statstable import StatsTable

STATISTICS = ("min", "q25", "median", "q75", "max", "mean", "std")


def classes(stats: StatsTable) -> tuple[list[str], np.ndarray]:
    """The classes of the table's images, sorted by name, and each image's
    index into them: an image list's class column, else the top-level
    folders."""
    if CLASS_COLUMN in stats.carried:
        import pyarrow.compute as pc

        cells = stats.text(CLASS_COLUMN)
        distinct = pc.unique(cells)
        found = distinct.to_pylist()
        index = textcolumns.numbers(pc.index_in(cells, value_set=distinct))
        index = index.astype(np.intp)
    else:
        # a class depends only on the first folder: class_of runs once per one
        folders, index = textcolumns.first_folders(stats.text("path"))
        found = [class_of(folder) for folder in folders]
    names = sorted(set(found))
    position = {name: i for i, name in enumerate(names)}
    lookup = np.array([position[name] for name in found], dtype=np.intp)
    return names, lookup[index]


def summarise(
    stats: StatsTable, rejected: list[tuple[str, str]], columns: list[str]
) -> tuple[list[str], list[list]]:
    """One row per class, sorted by name, then one for all images: ``class``,
    ``images``, ``rejected``, and for each column its minimum, quartiles
    (linear interpolation, as numpy and pandas compute them by default),
    maximum, mean and standard deviation (of the population) over the class's
    images, as ``<column>_min`` ... ``<column>_std``."""
    names, index = classes(stats)
    counts = np.bincount(index, minlength=len(names))
    of = stats.rejected_classes
    bad = Counter(of.get(path) or class_of(path) for path, _ in rejected)
    # a column no image has (every one rejected) is summarised as empty
    nothing = [None] * len(STATISTICS)
    by_column = []
    for column in columns:
        if column in stats.columns:
            by_column.append(_by_class(stats.floats(column), index, len(names)))
        else:
            by_column.append([nothing] * (len(names) + 1))
    header = ["class", "images", "rejected"]
    header += [f"{c}_{s}" for c in columns for s in STATISTICS]
    rows = []
    for name in sorted(set(names) | set(bad)):
        i = names.index(name) if name in names else None
        row = [name, 0 if i is None else int(counts[i]), bad[name]]
        for found in by_column:
            row += nothing if i is None else found[i]
        rows.append(row)
    everything = [value for found in by_column for value in found[-1]]
    rows.append([ALL, len(stats), len(rejected), *everything])
    return header, rows


def _by_class(values: np.ndarray, index: np.ndarray, n: int) -> list[list]:
    """The statistics of ``values`` per class (``index``: each value's class,
    of ``n``), then of all of them; empty values (NaN) are left out."""
    keep = ~np.isnan(values)
    values, index = values[keep], index[keep]
    # class by class, in the table's order (a radix sort, for few classes)
    small = index.astype(np.int16) if n < 2**15 else index
    order = np.argsort(small, kind="stable")
    ends = np.cumsum(np.bincount(index, minlength=n))
    per_class = np.split(values[order], ends)[:n]
    found = [_statistics(_sorted(v)) for v in per_class]
    return [*found, _statistics(_sorted(values))]


def _sorted(values: np.ndarray) -> np.ndarray:
    """The values sorted as a stable sort of Python floats has them: of
    equal values, the first comes first, which shows only in the signs of
    zeros (0.0 == -0.0). A stable sort of floats is several times slower."""
    ordered = np.sort(values)
    low, high = (np.searchsorted(ordered, 0.0, side=s) for s in ("left", "right"))
    ordered[low:high] = values[values == 0]
    return ordered


def _statistics(ordered: np.ndarray) -> list:
    """min, quartiles, max, mean and std of sorted values, in Python floats
    computed exactly as a loop over them would: the sums are exact
    (``math.fsum``), squares are libm's ``pow`` as Python's ``**`` is."""
    if not len(ordered):
        return [None] * len(STATISTICS)
    mean = math.fsum(ordered.tolist()) / len(ordered)
    with np.errstate(invalid="ignore"):  # inf - inf is NaN, as in Python
        squares = np.float_power(ordered - mean, 2)
    std = math.sqrt(math.fsum(squares.tolist()) / len(ordered))
    quartiles = [_quantile(ordered, q) for q in (0.25, 0.5, 0.75)]
    return [float(ordered[0]), *quartiles, float(ordered[-1]), mean, std]


def _quantile(ordered: np.ndarray, q: float) -> float:
    """numpy's default ("linear") quantile of sorted values."""
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    a, b = float(ordered[low]), float(ordered[high])
    return a + (b - a) * (position - low)


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
