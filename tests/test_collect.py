"""The aggregate jobs' tables, by column, against a reference made row by row
with the csv module and sorted(): results/stats.tsv, rejected.tsv and the
summary per class must be the same bytes."""

from __future__ import annotations

import csv
import io
import math
import os
import random
from pathlib import Path

import numpy as np
import pytest
from brightness import galleries
from perimage import collect, summary, tables
from perimage.layout import class_of
from perimage.plots import ByClass

HOSTILE = [
    "names/tab\there.jpg",
    "names/new\nline.jpg",
    'names/quote\'s "double".jpg',
    '"quoted folder/x.jpg',
    "names/-leading-dash.jpg",
    "-dash folder/x.jpg",
    "names/with space.jpg",
    "names/ünïcödé 画像.jpg",
    "names/\uff5e wide.jpg",  # sorts after "😀" in UTF-16, before it by code point
    "names/😀.jpg",
    "top level.jpg",
    "(top level)/folder named as the class of top-level images.jpg",
    "a/b/c/deep.jpg",
]
COLUMNS = ["mean", "std", "note", "count", "loose", "label"]
# not both inf and -inf: their sum is an error to fsum, and was before
NUMBERS = ["", "nan", "inf", "-0.0", "0.0", "1e-300", "5e-324", "255.0"]


def cells(rng: random.Random, column: str) -> str:
    if column in ("mean", "std"):
        return rng.choice(NUMBERS) if rng.random() < 0.05 else repr(rng.gauss(100, 40))
    if column == "note":
        return rng.choice(["", "plain", "a\tb", 'say "hi"', "two\nlines", " pad "])
    if column == "count":
        return str(rng.randrange(0, 5))  # many ties
    if column == "loose":  # numbers Python reads and Arrow does not
        return rng.choice(["1_000", " 2", "3", "", "4.5"])
    return rng.choice(["x", "nan(1)", "1"])  # not a number to Python


def make_blocks(folder: Path, seed: int, mode: str, n: int = 3000) -> list[str]:
    """Block tables as the block jobs write them: ``runs`` are sorted
    blocks of consecutive paths (as the plan makes them), ``mixed`` blocks
    of paths in any order, ``repeated`` with some paths in two blocks."""
    rng = random.Random(seed)
    paths = {f"{rng.choice('ABCD')}/img_{i}.jpg" for i in range(n)}
    paths = sorted(paths | set(HOSTILE) | {f"top_{i}.jpg" for i in range(5)})
    if mode == "runs":
        cuts = sorted(rng.sample(range(1, len(paths)), 9))
        blocks = [
            paths[a:b] for a, b in zip([0, *cuts], [*cuts, len(paths)], strict=True)
        ]
    else:
        rng.shuffle(paths)
        if mode == "repeated":
            paths += rng.sample(paths, 50)
        blocks = [paths[i::9] for i in range(9)] + [[]]
    rng.shuffle(blocks)
    written = []
    for b, block in enumerate(blocks):
        columns = [c for c in COLUMNS if rng.random() < 0.7]
        table = tables.BlockTable(columns, "version", "", [])
        for path in block:
            values = [cells(rng, c) for c in columns]
            error = (
                rng.choice(["cannot decode", "bad\ttab", 'q"uote'])
                if rng.random() < 0.1
                else ""
            )
            if error:
                values = [""] * len(columns)
            table.rows.append([path, *values, error, "1:2", "4096", ""])
        path = folder / f"{b:02}.tsv"
        with open(path, "w", encoding="utf-8", newline="") as fh:
            table.write(fh)
        written.append(str(path))
    return written


def reference(block_tables: list[str]):
    """stats.tsv and rejected.tsv as text, and the processed rows, made one
    row at a time."""
    header: list[str] = []
    read = []
    for path in block_tables:
        with open(path, encoding="utf-8", newline="") as fh:
            fh.readline()
            names, *rows = csv.reader(fh, delimiter="\t")
        header += [c for c in names[1:-4] if c not in header]
        read.append([dict(zip(names, row, strict=True)) for row in rows])
    good = [r for rows in read for r in rows if not r["_error"]]
    bad = sorted((r["path"], r["_error"]) for rows in read for r in rows if r["_error"])
    good = sorted(good, key=lambda r: r["path"])
    columns = ["path", *header]
    stats = [[r.get(c, "") for c in columns] for r in good]
    return (
        write_text(columns, stats),
        write_text(["path", "reason"], bad),
        columns,
        stats,
        bad,
    )


def write_text(header, rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def reference_summary(columns, stats, bad, chosen) -> str:
    """The summary per class as a loop over Python floats computes it."""
    classes = [class_of(row[0]) for row in stats]
    values = {
        c: [
            float(row[columns.index(c)] or "nan") if c in columns else math.nan
            for row in stats
        ]
        for c in chosen
    }
    header = ["class", "images", "rejected"]
    header += [f"{c}_{s}" for c in chosen for s in summary.STATISTICS]
    rows = []
    names = sorted(set(classes) | {class_of(p) for p, _ in bad})
    for name, members in [
        (n, [i for i, c in enumerate(classes) if c == n]) for n in names
    ] + [(summary.ALL, range(len(stats)))]:
        rejected = sum(1 for p, _ in bad if name in (summary.ALL, class_of(p)))
        row = [name, len(members), rejected]
        for column in chosen:
            v = sorted(
                x for x in (values[column][i] for i in members) if not math.isnan(x)
            )
            if not v:
                row += [""] * 7
                continue
            mean = math.fsum(v) / len(v)
            std = math.sqrt(math.fsum((x - mean) ** 2 for x in v) / len(v))
            quartiles = [quantile(v, q) for q in (0.25, 0.5, 0.75)]
            row += [v[0], *quartiles, v[-1], mean, std]
        rows.append([f"{x:.6g}" if isinstance(x, float) else str(x) for x in row])
    return write_text(header, rows)


def quantile(v: list[float], q: float) -> float:
    position = (len(v) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(v) - 1)
    return v[low] + (v[high] - v[low]) * (position - low)


def numeric_reference(columns, stats) -> list[str]:
    found = []
    for i, column in enumerate(columns[1:], start=1):
        cells = [row[i] for row in stats if row[i] != ""]
        try:
            [float(c) for c in cells]
        except ValueError:
            continue
        if cells:
            found.append(column)
    return found


def run_aggregates(tmp_path: Path, block_tables: list[str], expected: int):
    stats, rejected = collect.read_blocks(block_tables, expected)
    collect.write(
        stats, rejected, str(tmp_path / "stats.tsv"), str(tmp_path / "rejected.tsv")
    )
    return stats, rejected


@pytest.mark.parametrize(("mode", "seed"), [("runs", 1), ("mixed", 2), ("repeated", 3)])
def test_tables_and_summary_are_those_made_row_by_row(tmp_path, mode, seed):
    block_tables = make_blocks(tmp_path, seed, mode)
    stats_text, rejected_text, columns, rows, bad = reference(block_tables)
    stats, rejected = run_aggregates(tmp_path, block_tables, len(rows) + len(bad))
    assert (tmp_path / "stats.tsv").read_bytes() == stats_text.encode()
    assert (tmp_path / "rejected.tsv").read_bytes() == rejected_text.encode()
    assert rejected == bad

    numeric = numeric_reference(columns, rows)
    assert stats.numeric_columns() == numeric
    assert "loose" in numeric and "label" not in numeric and "note" not in numeric
    chosen = [*numeric, "absent"]  # a column no image has is summarised as empty
    summary.write(
        str(tmp_path / "classes.tsv"), *summary.summarise(stats, rejected, chosen)
    )
    expected = reference_summary(columns, rows, bad, chosen)
    assert (tmp_path / "classes.tsv").read_bytes() == expected.encode()


def test_numbers_of_the_summary_are_numpys_quartiles_and_population_std(tmp_path):
    rng = np.random.default_rng(6)
    values = rng.normal(100, 30, 2001)
    table = tables.BlockTable(["mean"], "v", "", [])
    table.rows = [
        [f"c/{i}.jpg", repr(float(v)), "", "", "", ""] for i, v in enumerate(values)
    ]
    with open(tmp_path / "0.tsv", "w", encoding="utf-8", newline="") as fh:
        table.write(fh)
    stats, rejected = collect.read_blocks([str(tmp_path / "0.tsv")], len(values))
    header, rows = summary.summarise(stats, rejected, ["mean"])
    found = dict(zip(header, rows[-1], strict=True))
    for name, q in (("q25", 25), ("median", 50), ("q75", 75)):
        assert found[f"mean_{name}"] == pytest.approx(
            np.percentile(values, q), rel=1e-15
        )
    assert found["mean_std"] == pytest.approx(np.std(values), rel=1e-12)
    assert found["mean_mean"] == pytest.approx(np.mean(values), rel=1e-15)
    assert (found["mean_min"], found["mean_max"]) == (values.min(), values.max())


def test_every_image_rejected(tmp_path):
    table = tables.BlockTable(["mean"], "v", "", [])
    table.rows = [
        [p, "", "cannot decode", "", "", ""] for p in ("b/2.jpg", "a/1.jpg", "c.jpg")
    ]
    with open(tmp_path / "0.tsv", "w", encoding="utf-8", newline="") as fh:
        table.write(fh)
    block_tables = [str(tmp_path / "0.tsv")]
    stats_text, rejected_text, *_ = reference(block_tables)
    stats, rejected = run_aggregates(tmp_path, block_tables, 3)
    assert (
        (tmp_path / "stats.tsv").read_text(encoding="utf-8")
        == stats_text
        == "path\tmean\n"
    )
    assert (tmp_path / "rejected.tsv").read_text(encoding="utf-8") == rejected_text
    assert stats.numeric_columns() == []
    _, summary_rows = summary.summarise(stats, rejected, ["mean"])
    assert [r[:3] for r in summary_rows] == [
        ["(top level)", 0, 1],
        ["a", 0, 1],
        ["b", 0, 1],
        ["(all)", 0, 3],
    ]
    assert all(v is None for r in summary_rows for v in r[3:])
    with pytest.raises(collect.CollectError):
        collect.read_blocks(block_tables, 4)


def test_no_block_table_and_an_analysis_without_columns(tmp_path):
    run_aggregates(tmp_path, [], 0)
    assert (tmp_path / "stats.tsv").read_text() == "path\n"
    table = tables.BlockTable([], "v", "", [[p, "", "", "", ""] for p in HOSTILE])
    with open(tmp_path / "0.tsv", "w", encoding="utf-8", newline="") as fh:
        table.write(fh)
    stats_text, *_ = reference([str(tmp_path / "0.tsv")])
    run_aggregates(tmp_path, [str(tmp_path / "0.tsv")], len(HOSTILE))
    assert (tmp_path / "stats.tsv").read_bytes() == stats_text.encode()


def test_a_carriage_return_in_a_name(tmp_path):
    """The csv module neither quotes a carriage return nor, in a table
    without quotes, reads it as a line end: the row stays whole."""
    table = tables.BlockTable(["mean"], "v", "", [])
    table.rows = [
        ["x/carriage\rreturn.jpg", "1.5", "", "", "", ""],
        ["x/a.jpg", "2.0", "", "", "", ""],
    ]
    with open(tmp_path / "0.tsv", "w", encoding="utf-8", newline="") as fh:
        table.write(fh)
    run_aggregates(tmp_path, [str(tmp_path / "0.tsv")], 2)
    assert (tmp_path / "stats.tsv").read_bytes() == (
        b"path\tmean\nx/a.jpg\t2.0\nx/carriage\rreturn.jpg\t1.5\n"
    )


def test_groups_by_class_and_the_galleries_choice(tmp_path):
    block_tables = make_blocks(tmp_path, 5, "mixed")
    _, _, columns, rows, bad = reference(block_tables)
    stats, _ = collect.read_blocks(block_tables, len(rows) + len(bad))
    groups = ByClass(stats)
    by_class: dict[str, list[list[str]]] = {}
    for row in rows:
        by_class.setdefault(class_of(row[0]), []).append(row)
    assert groups.names == sorted(by_class)
    assert groups.labels() == [f"{n} ({len(by_class[n])})" for n in sorted(by_class)]
    i = columns.index("count")
    for name, values in zip(groups.names, groups.values("count"), strict=True):
        expected = [float(r[i] or "nan") for r in by_class[name]]
        np.testing.assert_array_equal(values, expected)
    # the darkest and brightest by "count" (many ties: broken by path)
    means = stats.floats("count")
    for name, members in zip(groups.names, groups.members(), strict=True):
        ordered = members[np.argsort(means[members], kind="stable")]
        chosen = [
            [stats.rows(r, ["path"])[k]["path"] for k in range(len(r))]
            for _, r in galleries.choose(ordered, 4)
        ]
        # an empty cell (NaN) last
        expected = sorted(by_class[name], key=lambda r: (float(r[i] or "inf"), r[0]))
        if len(expected) > 8:
            assert chosen == [
                [r[0] for r in expected[:4]],
                [r[0] for r in expected[-4:][::-1]],
            ]
        else:
            paths = [r[0] for r in expected]
            assert chosen == [paths[:4], *([paths[4:]] if paths[4:] else [])]


def test_signed_zeros_are_shown_as_a_sort_of_python_floats_has_them(tmp_path):
    cells = ["0.0", "-0.0", "-0.0", "0.0", "1.5", "-1.5", "0.0"]
    table = tables.BlockTable(["mean"], "v", "", [])
    table.rows = [[f"z/{i}.jpg", v, "", "", "", ""] for i, v in enumerate(cells)]
    table.rows += [[f"y/{i}.jpg", v, "", "", "", ""] for i, v in enumerate(cells[:2])]
    with open(tmp_path / "0.tsv", "w", encoding="utf-8", newline="") as fh:
        table.write(fh)
    block_tables = [str(tmp_path / "0.tsv")]
    _, _, columns, rows, bad = reference(block_tables)
    stats, rejected = collect.read_blocks(block_tables, len(rows))
    summary.write(
        str(tmp_path / "c.tsv"), *summary.summarise(stats, rejected, ["mean"])
    )
    expected = reference_summary(columns, rows, bad, ["mean"])
    assert (tmp_path / "c.tsv").read_text(encoding="utf-8") == expected
    assert "\t-0\t" in expected


def test_arrow_columns_become_numpy_as_arrow_has_them():
    import pyarrow as pa
    import pyarrow.compute as pc
    from perimage import textcolumns

    floats = pa.chunked_array([[1.5, None, -0.0], [], [2.0, None]], pa.float64())
    for start in range(5):
        part = floats.slice(start)
        expected = np.array([np.nan if v is None else v for v in part.to_pylist()])
        found = textcolumns.numbers(part)
        assert found.tolist() == pytest.approx(expected.tolist(), nan_ok=True)
        assert np.signbit(found).tolist() == np.signbit(expected).tolist()
    ints = pa.chunked_array([[3, 1], [2]], pa.int32()).slice(1)
    assert textcolumns.numbers(ints).tolist() == [1, 2]
    assert textcolumns.numbers(ints).dtype == np.int32
    nine = pa.array([i % 3 == 0 for i in range(9)])
    for start in range(4):
        expected = [i % 3 == 0 for i in range(start, 9)]
        assert textcolumns.numbers(nine.slice(start)).tolist() == expected
    with_null = pc.is_valid(pa.array([1, None, 3])).slice(1)
    assert textcolumns.numbers(with_null).tolist() == [False, True]
    null_bools = pa.array([True, None, True, False])
    assert textcolumns.numbers(null_bools).tolist() == [True, False, True, False]
    empty = pa.chunked_array([], pa.float64())
    assert textcolumns.numbers(empty).tolist() == []


def test_the_aggregates_do_not_import_pandas(tmp_path):
    """Arrow's to_numpy imports pandas: a quarter of a second in every
    aggregate job, for nothing."""
    import subprocess
    import sys

    block_tables = make_blocks(tmp_path, 4, "mixed")
    n = sum(len(tables.BlockTable.read(t).rows) for t in block_tables)
    code = (
        "import sys\n"
        "from perimage import collect, summary\n"
        f"stats, rejected = collect.read_blocks({block_tables!r}, {n})\n"
        "summary.summarise(stats, rejected, stats.numeric_columns())\n"
        "assert 'pandas' not in sys.modules, 'pandas was imported'\n"
        "print(len(stats))\n"
    )
    scripts = Path(collect.__file__).parents[1]
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "PYTHONPATH": str(scripts)},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 0


def test_numpy_booleans_become_arrow_booleans():
    from perimage import textcolumns

    for n in (0, 1, 7, 8, 9, 17):
        values = np.array([i % 3 != 1 for i in range(n)], dtype=bool)
        found = textcolumns.booleans(values)
        assert found.to_pylist() == values.tolist()
        assert textcolumns.numbers(found).tolist() == values.tolist()
