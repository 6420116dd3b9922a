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


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True


def _cell(value) -> str:
    text = html.escape(str(value))
    return (
        f'<td class="n">{text}</td>' if _is_number(str(value)) else f"<td>{text}</td>"
    )


def _table(columns: list[str], rows) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _shown(value: str) -> str:
    """Summary numbers to one decimal, as a table for people."""
    try:
        number = float(value)
    except ValueError:
        return value  # a class name, or empty: every image was rejected
    return f"{number:,.0f}" if number.is_integer() else f"{number:,.1f}"


def overview_html(
    *,
    title: str,
    config: dict,
    counts: dict,
    processed: int,
    rejected: list[tuple[str, str]],
    summary: tuple[list[str], list[list[str]]],
    note: str,
) -> str:
    """The page, from the counts the plan wrote, the number of processed
    images, the rejected ones, and the summary per class (header, rows)."""
    run = [
        ["input folder", config["input_dir"]],
        ["analysis", config["analysis"]],
        # with an image list, the distinct images it lists
        [
            "images listed" if config.get("images") else "images found",
            f"{counts['found']:,}",
        ],
        ["images selected (include, limit)", f"{counts['selected']:,}"],
        ["images processed", f"{processed:,}"],
        ["images rejected", f"{len(rejected):,}"],
        ["other files skipped", f"{counts['skipped']:,}"],
        ["blocks (jobs)", f"{counts['blocks']:,}"],
        ["report made", f"{datetime.datetime.now():%Y-%m-%d %H:%M}"],
    ]
    settings = [[key, json.dumps(value)] for key, value in sorted(config.items())]
    header, rows = summary
    shown_rows = [[_shown(v) for v in row] for row in rows]
    shown = rejected[:SHOWN_REJECTED]
    more = len(rejected) - len(shown)
    rejected_part = (
        _table(["path", "reason"], shown)
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
<h1>{html.escape(title)} of {html.escape(config["input_dir"])}</h1>
<h2>The run</h2>
{_table(["", ""], run)}
<h2>Per class</h2>
<p class="note">{html.escape(note)}</p>
{_table(header, shown_rows)}
<h2>Rejected images</h2>
{rejected_part}
<h2>Configuration</h2>
{_table(["key", "value"], settings)}
</body></html>
"""
