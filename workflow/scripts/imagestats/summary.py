"""Per-class summaries of the per-image statistics (see ``records.class_of``)."""

from __future__ import annotations

import pandas as pd

from .records import class_of

ALL = "(all)"
SUMMARY_COLUMNS = [
    "class",
    "images",
    "rejected",
    "mean_min",
    "mean_q25",
    "mean_median",
    "mean_q75",
    "mean_max",
    "mean_mean",
    "mean_std",
    "pixel_min",
    "pixel_max",
]


def read_stats(path: str) -> pd.DataFrame:
    df = pd.read_csv(path, sep="\t", dtype={"path": str, "greyscale": str, "mode": str})
    df["class"] = df["path"].map(class_of)
    return df


def read_rejected(path: str) -> pd.DataFrame:
    df = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    df["class"] = df["path"].map(class_of)
    return df


def _describe(name: str, means: pd.Series, stats: pd.DataFrame, rejected: int) -> dict:
    row = {"class": name, "images": len(means), "rejected": rejected}
    if len(means):
        q = means.quantile([0.25, 0.5, 0.75])
        row.update(
            mean_min=means.min(),
            mean_q25=q[0.25],
            mean_median=q[0.5],
            mean_q75=q[0.75],
            mean_max=means.max(),
            mean_mean=means.mean(),
            mean_std=means.std(ddof=0),
            pixel_min=int(stats["min"].min()),
            pixel_max=int(stats["max"].max()),
        )
    return row


def summarise(stats: pd.DataFrame, rejected: pd.DataFrame) -> pd.DataFrame:
    """One row per class, sorted by name, then one row for all images."""
    bad = rejected["class"].value_counts()
    names = sorted(set(stats["class"]) | set(rejected["class"]))
    rows = []
    for name in names:
        part = stats[stats["class"] == name]
        rows.append(_describe(name, part["mean"], part, int(bad.get(name, 0))))
    rows.append(_describe(ALL, stats["mean"], stats, len(rejected)))
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def write_summary(df: pd.DataFrame, path: str) -> None:
    from . import atomic

    with atomic.open_text(path) as fh:
        df.to_csv(fh, sep="\t", index=False, float_format="%.6g")
