"""The report's overview page: what was run, on what, and what came out."""

from __future__ import annotations

import datetime
import html
import json

SHOWN_REJECTED = 500  # more would make the page slow; all are in rejected.tsv

STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 1.6em; }
table { border-collapse: collapse; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; }
th { background: #f0f0f0; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.note { color: #555; font-size: 0.9em; }
"""


def _cell(value) -> str:
    text = html.escape(str(value))
    numeric = text.replace(".", "", 1).replace(",", "").lstrip("-").isdigit()
    return f'<td class="n">{text}</td>' if numeric else f"<td>{text}</td>"


def _table(columns: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _number(value, digits: int = 1) -> str:
    try:
        return f"{float(value):.{digits}f}"
    except ValueError:
        return str(value)  # empty: a class whose images were all rejected


def overview_html(
    *, config: dict, inventory_json: str, stats, rejected, classes
) -> str:
    """The page, from the counts the plan wrote and the tables (pandas data
    frames) of processed images, rejected images and the summary per class."""
    with open(inventory_json, encoding="utf-8") as fh:
        counts = json.load(fh)
    processed = len(stats)
    rejected = rejected.to_dict("records")
    classes = classes.astype(object).where(classes.notna(), "").to_dict("records")
    run = [
        ["input folder", config["input_dir"]],
        ["images found", f"{counts['found']:,}"],
        ["images selected (include, limit)", f"{counts['selected']:,}"],
        ["images processed", f"{processed:,}"],
        ["images rejected", f"{len(rejected):,}"],
        ["other files skipped", f"{counts['skipped']:,}"],
        ["blocks (jobs)", f"{counts['blocks']:,}"],
        ["report made", f"{datetime.datetime.now():%Y-%m-%d %H:%M}"],
    ]
    settings = [[key, json.dumps(value)] for key, value in sorted(config.items())]
    summary_columns = ["class", "images", "rejected", "mean_min", "mean_median"]
    summary_columns += ["mean_max", "mean_mean", "mean_std", "pixel_min", "pixel_max"]
    summary = [
        [c["class"], int(c["images"]), int(c["rejected"])]
        + [
            _number(c[k], 0 if k.startswith("pixel") else 1)
            for k in summary_columns[3:]
        ]
        for c in classes
    ]
    shown = rejected[:SHOWN_REJECTED]
    more = len(rejected) - len(shown)
    rejected_part = (
        _table(["path", "reason"], [[r["path"], r["reason"]] for r in shown])
        if rejected
        else "<p>None: every image was processed.</p>"
    )
    if more:
        rejected_part += (
            f'<p class="note">and {more:,} more, in results/rejected.tsv</p>'
        )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Run overview</title>
<style>{STYLE}</style></head><body>
<h1>Brightness survey of {html.escape(config["input_dir"])}</h1>
<h2>The run</h2>
{_table(["", ""], run)}
<h2>Per class</h2>
<p class="note">A class is a top-level folder. "mean_*" describe the
distribution of the images' mean grey levels (0 black, 255 white);
pixel_min and pixel_max are the darkest and brightest pixel in the class.</p>
{_table(summary_columns, summary)}
<h2>Rejected images</h2>
{rejected_part}
<h2>Configuration</h2>
{_table(["key", "value"], settings)}
</body></html>
"""
