"""The ``images`` key: an image list or a sample sheet instead of a scan of
input_dir, through the real workflow on the .test images. Expectations come
from Pillow and Python's csv module, never from the workflow's own code."""

from __future__ import annotations

import csv
import os
import re
import shlex
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from conftest import REPO, read_block_table, read_tsv
from PIL import Image, ImageStat

README = (REPO / "README.md").read_text()
AGGREGATES = {"summarise", "draw_figures", "all"}
MISSING = "file not found (deleted, or a broken link)"
FOLDER = "is a folder, not a file"


def pillow(path: Path) -> dict:
    """What Pillow itself says of an image's grey levels."""
    with Image.open(path) as im:
        s = ImageStat.Stat(im.convert("L"))
    return {"min": s.extrema[0][0], "max": s.extrema[0][1], "mean": s.mean[0]}


def write_sheet(path: Path, rows: list[list[str]], delimiter: str = ",") -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, delimiter=delimiter).writerows(rows)


def read_sheet(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def rejected(project) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for row in read_tsv(project.results / "rejected.tsv"):
        found.setdefault(row["path"], []).append(row["reason"])
    return found


def plan_of(project) -> set[tuple[str, frozenset]]:
    """(block, images) of every planned block, as its table lists them."""
    tables = project.results / "blocks"
    return {
        (b, frozenset(r["path"] for r in read_block_table(tables / f"{b}.tsv")))
        for b in project.planned_blocks()
    }


# -- what a list selects -------------------------------------------------------


def test_a_text_list_processes_only_its_images_as_pillow_reads_them(fresh):
    listed = [
        "River/River_3.jpg",
        "Forest/Forest_10.jpg",
        "AnnualCrop/AnnualCrop_1.jpg",
    ]
    # written on Windows, in no order: neither matters
    (fresh.workdir / "mine.txt").write_bytes("\r\n".join(listed).encode() + b"\r\n")
    fresh.snakemake("--config", "images=mine.txt")
    stats = fresh.stats()
    assert [r["path"] for r in stats] == sorted(listed)
    for row in stats:
        expected = pillow(fresh.data / row["path"])
        assert (int(row["min"]), int(row["max"])) == (expected["min"], expected["max"])
        assert float(row["mean"]) == expected["mean"]
    made = sorted(
        str(p.relative_to(fresh.results / "greyscale"))
        for p in (fresh.results / "greyscale").rglob("*.png")
    )
    assert made == sorted(f"{p}.png" for p in listed)
    assert read_tsv(fresh.results / "rejected.tsv") == []
    # a text list has no class column: classes stay the top-level folders
    summary = read_tsv(fresh.results / "summary/classes.tsv")
    assert [r["class"] for r in summary] == ["AnnualCrop", "Forest", "River", "(all)"]


def test_missing_folder_and_twice_listed_paths_are_rejected_with_the_reason(fresh):
    lines = [
        "Forest/Forest_2.jpg",
        "Forest/nope.jpg",  # does not exist
        "River",  # a folder
        "SeaLake/SeaLake_1.jpg",
        "Forest/Forest_2.jpg",  # again, on line 5
        "Forest/Forest_2.jpg",  # and on line 6
        "README.md",  # not an image: extensions do not apply to a list
    ]
    (fresh.workdir / "mine.txt").write_text("\n".join(lines) + "\n")
    fresh.snakemake("--config", "images=mine.txt")
    assert rejected(fresh) == {
        "Forest/nope.jpg": [MISSING],
        "River": [FOLDER],
        "README.md": ["not an image Pillow can read"],
        "Forest/Forest_2.jpg": [
            "listed again on line 5 of mine.txt (first on line 1)",
            "listed again on line 6 of mine.txt (first on line 1)",
        ],
    }
    processed = [r["path"] for r in fresh.stats()]
    assert processed == ["Forest/Forest_2.jpg", "SeaLake/SeaLake_1.jpg"]
    # processed plus rejected equals the lines selected
    assert len(processed) + sum(map(len, rejected(fresh).values())) == len(lines)
    summary = {r["class"]: r for r in read_tsv(fresh.results / "summary/classes.tsv")}
    assert summary["Forest"]["rejected"] == "3"
    assert summary["(top level)"]["rejected"] == "2"  # River and README.md
    assert summary["(all)"]["rejected"] == "5"


def test_include_and_limit_select_among_the_listed_images(fresh):
    listed = [p for p in fresh.images() if p.startswith(("River/", "Forest/"))]
    (fresh.workdir / "mine.txt").write_text("\n".join(reversed(listed)) + "\n")
    fresh.snakemake("--config", "images=mine.txt", "include=['River/*']", "limit=3")
    river = sorted(p for p in listed if p.startswith("River/"))
    assert [r["path"] for r in fresh.stats()] == river[:3]


# -- a sample sheet --------------------------------------------------------------


def test_a_sheet_carries_its_columns_and_its_class_column_gives_the_class(fresh):
    images = fresh.images()[::4]
    rows = [["path", "class", "split"]]
    for i, path in enumerate(images):
        label = "water, mostly" if path.startswith(("River", "SeaLake")) else "land"
        rows.append([path, label, "train" if i % 3 else "test"])
    write_sheet(fresh.workdir / "sheet.csv", rows)
    fresh.snakemake("--config", "images=sheet.csv")
    sheet = {r["path"]: r for r in read_sheet(fresh.workdir / "sheet.csv")}
    with open(fresh.results / "stats.tsv", newline="", encoding="utf-8") as fh:
        header = next(csv.reader(fh, delimiter="\t"))
    assert header[:3] == ["path", "class", "split"]
    assert "mean" in header[3:] and "class" not in header[3:]
    stats = fresh.stats()
    assert [r["path"] for r in stats] == sorted(sheet)
    for row in stats:
        assert (row["class"], row["split"]) == (
            sheet[row["path"]]["class"],
            sheet[row["path"]]["split"],
        )
        assert float(row["mean"]) == pillow(fresh.data / row["path"])["mean"]
    counts = Counter(r["class"] for r in sheet.values())
    summary = read_tsv(fresh.results / "summary/classes.tsv")
    assert [(r["class"], int(r["images"])) for r in summary] == [
        *sorted(counts.items()),
        ("(all)", len(sheet)),
    ]
    # only the analysis's numeric columns are summarised
    assert not any(c.startswith("split_") for c in summary[0])
    plots = fresh.results / "plots"
    galleries = sorted(p.name for p in (plots / "galleries").glob("*.svg"))
    assert galleries == sorted(f"{c}.svg" for c in counts)
    for figure in ("brightness_by_class", "mean_histograms", "min_max_spread"):
        svg = (plots / f"{figure}.svg").read_text()
        for name, n in counts.items():
            assert f"{name} ({n})" in svg, figure
        assert "Forest (" not in svg
    overview = (fresh.results / "report/overview.html").read_text()
    assert "water, mostly" in overview
    assert re.search(rf"images listed</t[hd]>\s*<td[^>]*>{len(sheet)}<", overview)


def test_a_tsv_sheet_and_a_rejected_image_keep_the_sheet_class(fresh):
    rows = [
        ["split", "path", "class"],
        ["a", "Forest/Forest_1.jpg", "trees"],
        ["b", "Forest/missing.jpg", "trees"],
        ["c", "Highway/Highway_1.jpg", "roads"],
    ]
    write_sheet(fresh.workdir / "sheet.tsv", rows, "\t")
    fresh.snakemake("--config", "images=sheet.tsv")
    stats = fresh.stats()
    assert [(r["path"], r["split"], r["class"]) for r in stats] == [
        ("Forest/Forest_1.jpg", "a", "trees"),
        ("Highway/Highway_1.jpg", "c", "roads"),
    ]
    assert list(stats[0])[:3] == ["path", "split", "class"]
    assert rejected(fresh) == {"Forest/missing.jpg": [MISSING]}
    summary = read_tsv(fresh.results / "summary/classes.tsv")
    assert [(r["class"], r["images"], r["rejected"]) for r in summary] == [
        ("roads", "1", "0"),
        ("trees", "1", "1"),
        ("(all)", "2", "1"),
    ]


# -- what a second run does ----------------------------------------------------


@pytest.fixture
def listed_all_but_one(fresh):
    """A complete run on a list of every .test image but one."""
    left_out = "SeaLake/SeaLake_7.jpg"  # inside its block, not its first
    images = [p for p in fresh.images() if p != left_out]
    rows = [["path", "class"]] + [[p, p.split("/")[0].lower()] for p in images]
    write_sheet(fresh.workdir / "sheet.csv", rows)
    fresh.snakemake("--config", "images=sheet.csv")
    return fresh, left_out


def test_a_list_of_the_same_images_in_another_order_reruns_no_block(
    listed_all_but_one,
):
    project, _ = listed_all_but_one
    sheet = project.workdir / "sheet.csv"
    header, *rows = sheet.read_text().splitlines()
    sheet.write_text("\n".join([header, *reversed(rows)]) + "\n")
    before = project.block_tables()
    stats = (project.results / "stats.tsv").read_bytes()
    run = project.snakemake("--config", "images=sheet.csv")
    assert set(run.rules()) <= AGGREGATES
    assert project.block_tables() == before
    assert (project.results / "stats.tsv").read_bytes() == stats


def test_an_image_added_to_or_removed_from_the_list_changes_one_block(
    listed_all_but_one,
):
    project, left_out = listed_all_but_one
    sheet = project.workdir / "sheet.csv"
    rows = [list(r.values()) for r in read_sheet(sheet)]
    for change in ("added", "removed"):  # the same image, both ways
        if change == "added":
            rows.append([left_out, "sealake"])
        else:
            rows.remove([left_out, "sealake"])
        write_sheet(sheet, [["path", "class"], *rows])
        plan, tables = plan_of(project), project.block_tables()
        run = project.snakemake("--config", "images=sheet.csv")
        assert run.rules()["plan_blocks"] == 1
        assert run.rules()["process_block"] == 1
        ((_, old),) = plan - plan_of(project)
        ((block, now),) = plan_of(project) - plan
        assert now == (old | {left_out} if change == "added" else old - {left_out})
        changed = {b for b, t in project.block_tables().items() if tables.get(b) != t}
        assert changed & set(project.planned_blocks()) == {block}
        assert [r["path"] for r in project.stats()] == sorted(p for p, _ in rows)
    assert not (project.results / "greyscale" / f"{left_out}.png").exists()
    assert project.snakemake("--config", "images=sheet.csv", "-n").nothing_to_do()


def test_a_changed_class_reaches_the_table_and_summary_without_a_block(
    listed_all_but_one,
):
    project, _ = listed_all_but_one
    sheet = project.workdir / "sheet.csv"
    rows = read_sheet(sheet)
    for row in rows:
        if row["path"].startswith("Forest/"):
            row["class"] = "woods"
    write_sheet(sheet, [["path", "class"], *([r["path"], r["class"]] for r in rows)])
    before = project.block_tables()
    run = project.snakemake("--config", "images=sheet.csv")
    assert set(run.rules()) == AGGREGATES
    assert project.block_tables() == before
    classes = {r["path"]: r["class"] for r in project.stats()}
    assert classes["Forest/Forest_1.jpg"] == "woods"
    summary = {r["class"]: r for r in read_tsv(project.results / "summary/classes.tsv")}
    assert "forest" not in summary
    assert summary["woods"]["images"] == str(
        sum(1 for r in rows if r["class"] == "woods")
    )
    assert (project.results / "plots/galleries/woods.svg").exists()


# -- mistakes, reported before any job starts ----------------------------------


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("nope.txt", None, "images list 'nope.txt' does not exist"),
        ("data", None, "images list 'data' is a folder, not a file"),
        ("l.txt", "", "images list 'l.txt' lists no image"),
        (
            "l.txt",
            "Forest/Forest_1.jpg\n\nForest/Forest_2.jpg\n",
            "images list 'l.txt', line 2: the path is empty",
        ),
        (
            "l.txt",
            "/etc/passwd.jpg\n",
            "images list 'l.txt', line 1: the path '/etc/passwd.jpg' is absolute:"
            " paths are relative to input_dir",
        ),
        (
            "l.txt",
            "Forest/Forest_1.jpg\nForest/../../x.jpg\n",
            "images list 'l.txt', line 2: the path 'Forest/../../x.jpg' leads out"
            " of input_dir ('..')",
        ),
        (
            "l.txt",
            "./Forest/Forest_1.jpg\n",
            "images list 'l.txt', line 1: the path './Forest/Forest_1.jpg' has an"
            " empty or '.' part",
        ),
        (
            "s.csv",
            "file,label\nForest/Forest_1.jpg,1\n",
            "images list 's.csv', line 1: no column is named 'path' (the columns"
            " are 'file', 'label')",
        ),
        (
            "s.csv",
            "path,class,path\nForest/Forest_1.jpg,a,b\n",
            "images list 's.csv', line 1, column 3: the column name 'path' is also"
            " column 1",
        ),
        (
            "s.csv",
            "path,,split\nForest/Forest_1.jpg,a,b\n",
            "images list 's.csv', line 1, column 2: the column has no name",
        ),
        (
            "s.csv",
            "path,mean\nForest/Forest_1.jpg,1\n",
            "images list 's.csv', line 1, column 2 (mean): 'mean' is also a column"
            " of results/stats.tsv (the analysis writes it); rename it in the list",
        ),
        (
            "s.csv",
            'path,split\nForest/Forest_1.jpg,"a\nb"\nForest/Forest_2.jpg,a,b\n',
            "images list 's.csv', line 4: 3 fields, but the header names 2 columns",
        ),
        (
            "s.csv",
            'path,split\nForest/Forest_1.jpg,"a"b\n',
            "images list 's.csv', line 2: malformed row: ",
        ),
        (
            "s.tsv",
            "split\tpath\na\tForest/Forest_1.jpg\nb\t\n",
            "images list 's.tsv', line 3, column 2 (path): the path is empty",
        ),
        (
            "s.csv",
            "path,class\nForest/Forest_1.jpg,a\nForest/Forest_2.jpg,a/b\n",
            "images list 's.csv', line 3, column 2 (class): the class 'a/b' cannot"
            " name a file (it holds '/' or NUL, or starts with '.')",
        ),
        (
            "s.csv",
            "path,class\nForest/Forest_1.jpg,(all)\n",
            "images list 's.csv', line 2, column 2 (class): the class '(all)' is the"
            " summary's row of all classes",
        ),
        (
            "s.csv",
            "path,class\nForest/Forest_1.jpg,\n",
            "images list 's.csv', line 2, column 2 (class): the class is empty",
        ),
        ("s.csv", "", "images list 's.csv' has no header row on line 1"),
    ],
)
def test_a_bad_list_is_an_error_naming_file_line_and_column(
    fresh, name, content, message
):
    if content is not None:
        (fresh.workdir / name).write_text(content, newline="")
    run = fresh.snakemake("--config", f"images={name}", "-n", check=False)
    assert run.returncode != 0
    assert message in run.output
    assert not fresh.results.exists()


def test_a_list_that_include_empties_is_an_error_before_any_job(fresh):
    (fresh.workdir / "l.txt").write_text("Forest/Forest_1.jpg\nRiver/River_1.jpg\n")
    run = fresh.snakemake(
        "--config", "images=l.txt", "include=['Highway/*']", check=False
    )
    assert run.returncode != 0
    assert (
        "images list 'l.txt' has no images to process: none match include and"
        " limit (2 images listed)"
    ) in run.output
    assert not fresh.results.exists()


def test_a_list_error_after_a_plan_is_still_reported_before_any_job(completed):
    (completed.workdir / "l.txt").write_text("Forest/../x.jpg\n")
    before = completed.snapshot()
    run = completed.snakemake("--config", "images=l.txt", check=False)
    assert run.returncode != 0
    assert "images list 'l.txt', line 1: the path 'Forest/../x.jpg'" in run.output
    assert completed.snapshot() == before


CUSTOM = ["--configfile", ".test/config-custom/config.yaml"]


def test_a_users_analysis_summarises_its_own_columns_not_the_sheets(fresh):
    images = fresh.images()[:20]
    rows = [["path", "label", "class"]]
    rows += [[p, str(i % 3), "odd" if i % 2 else "even"] for i, p in enumerate(images)]
    write_sheet(fresh.workdir / "sheet.csv", rows)
    fresh.snakemake(*CUSTOM, "--config", "images=sheet.csv")
    stats = fresh.stats()
    assert list(stats[0])[:3] == ["path", "label", "class"]
    assert [r["label"] for r in stats] == [r[1] for r in sorted(rows[1:])]
    columns = sorted(p.name for p in (fresh.results / "plots/columns").glob("*.svg"))
    assert columns == ["max.svg", "mean.svg", "min.svg"]
    summary = read_tsv(fresh.results / "summary/classes.tsv")
    assert [r["class"] for r in summary] == ["even", "odd", "(all)"]
    assert not any(c.startswith("label_") for c in summary[0])


def test_a_sheet_column_named_as_a_users_analysis_column_stops_the_summary(fresh):
    write_sheet(
        fresh.workdir / "sheet.csv",
        [["path", "max"], ["Forest/Forest_1.jpg", "1"]],
    )
    run = fresh.snakemake(*CUSTOM, "--config", "images=sheet.csv", check=False)
    assert run.returncode != 0
    assert (
        "images list 'sheet.csv', line 1, column 2 (max): 'max' is also a column"
        " of results/stats.tsv (the analysis writes it); rename it in the list"
    ) in run.output + (fresh.workdir / "logs/summarise.log").read_text()
    assert not (fresh.results / "stats.tsv").exists()


def test_brightness_declares_the_columns_it_writes(completed_project):
    """The parse-time check of a sheet's column names relies on it."""
    from brightness import REPORT

    with open(completed_project.results / "stats.tsv", encoding="utf-8") as fh:
        header = fh.readline().rstrip("\n").split("\t")
    assert list(REPORT.columns) == header[1:]


# -- README's commands, as written ---------------------------------------------


def readme_section() -> str:
    start = README.index("\n## Image lists and sample sheets\n")
    return README[start : README.index("\n## ", start + 1)]


def readme_blocks(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", readme_section(), re.DOTALL)


def run_readme_line(project, line: str):
    """A README command in the .test working directory, its data folder for
    /data/EuroSAT_RGB: snakemake through the project's own, the rest by sh."""
    line = line.replace("/data/EuroSAT_RGB", "data")
    if line.startswith("snakemake "):
        return project.snakemake(*shlex.split(line)[1:])
    subprocess.run(["sh", "-c", line], cwd=project.workdir, check=True)
    return None


def test_readme_list_example_runs_as_written(fresh):
    (commands,) = [b for b in readme_blocks("sh") if "residential_files.txt" in b]
    lines = [x for x in commands.splitlines() if x and not x.startswith("#")]
    assert len(lines) == 2
    for line in lines:
        run_readme_line(fresh, line)
    residential = sorted(
        f"Residential/{p.name}" for p in (fresh.data / "Residential").glob("*.jpg")
    )
    assert [r["path"] for r in fresh.stats()] == residential


def test_readme_sheet_example_runs_as_written(fresh):
    (sheet,) = readme_blocks("csv")
    (fresh.workdir / "sheet.csv").write_text(sheet)
    (commands,) = [b for b in readme_blocks("sh") if "images=sheet.csv" in b]
    for line in commands.splitlines():
        run_readme_line(fresh, line)
    expected = read_sheet(fresh.workdir / "sheet.csv")
    stats = fresh.stats()
    assert [(r["path"], r["class"], r["split"]) for r in stats] == sorted(
        (r["path"], r["class"], r["split"]) for r in expected
    )
    summary = read_tsv(fresh.results / "summary/classes.tsv")
    counts = Counter(r["class"] for r in expected)
    assert [(r["class"], int(r["images"])) for r in summary[:-1]] == sorted(
        counts.items()
    )
    assert os.path.exists(
        fresh.results / "plots/galleries" / f"{stats[0]['class']}.svg"
    )
