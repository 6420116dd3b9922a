"""A user's own analysis through the same engine: the .test config with one
(.test/config-custom), columns, re-runs, rejections, and the layering."""

from __future__ import annotations

import re

import pytest
from conftest import REPO, Project, read_tsv
from PIL import Image, ImageStat

CUSTOM = ["--configfile", ".test/config-custom/config.yaml"]
ANALYSIS = ".test/analyses/min_max_mean.py"


@pytest.fixture(scope="module")
def custom_project(tmp_path_factory) -> Project:
    project = Project.create(tmp_path_factory.mktemp("custom") / "repo")
    project.snakemake(*CUSTOM)
    return project


@pytest.fixture
def custom(custom_project, tmp_path) -> Project:
    return custom_project.copy_to(tmp_path / "repo")


def test_the_default_run_writes_what_the_brightness_survey_wrote_before(
    completed_project,
):
    """tests/expected/brightness-stats.tsv is results/stats.tsv of the .test
    run of the first release, before the engine and the analysis were apart."""
    expected = (REPO / "tests" / "expected" / "brightness-stats.tsv").read_bytes()
    assert (completed_project.results / "stats.tsv").read_bytes() == expected


def test_a_user_analysis_gives_its_columns_for_every_image(custom_project):
    p = custom_project
    rows = p.stats()
    assert list(rows[0]) == ["path", "min", "max", "mean", "thumbnail"]
    assert [r["path"] for r in rows] == p.images()
    for row in rows:
        with Image.open(p.data / row["path"]) as im:
            grey = im.convert("L")
        stat = ImageStat.Stat(grey)
        assert (int(row["min"]), int(row["max"])) == stat.extrema[0]
        assert float(row["mean"]) == stat.mean[0]
        assert row["thumbnail"] == f"results/thumbnail/{row['path']}.png"
        with Image.open(p.workdir / row["thumbnail"]) as thumb:
            assert thumb.tobytes() == grey.resize((16, 16)).tobytes()
    assert not (p.results / "greyscale").exists()


def test_its_report_items_are_one_plot_per_numeric_column(custom_project):
    """Where README says they are: results/plots/columns/<column>.svg."""
    readme = (REPO / "README.md").read_text()
    assert "`results/plots/columns/<column>.svg`" in readme
    p = custom_project
    plots = sorted(f.name for f in (p.results / "plots" / "columns").glob("*.svg"))
    assert plots == ["max.svg", "mean.svg", "min.svg"]
    for plot in plots:
        svg = (p.results / "plots" / "columns" / plot).read_text()
        assert all(name in svg for name in ("AnnualCrop", "SeaLake"))
    summary = read_tsv(p.results / "summary" / "classes.tsv")
    assert list(summary[0])[:4] == ["class", "images", "rejected", "min_min"]
    assert summary[-1]["class"] == "(all)"
    assert summary[-1]["images"] == str(len(p.images()))


def test_editing_the_analysis_file_reruns_every_block(custom):
    before = custom.block_tables()
    with open(custom.root / ANALYSIS, "a", encoding="utf-8") as fh:
        fh.write("\n# an edit\n")
    run = custom.snakemake(*CUSTOM)
    assert run.rules()["process_block"] == len(before)
    logs = (custom.workdir / "logs" / "process_block").glob("*.log")
    assert all("0 already current)" in log.read_text() for log in logs)
    assert custom.snakemake(*CUSTOM, "-n").nothing_to_do()


def test_editing_a_module_beside_the_analysis_reruns_every_block(custom):
    """README: editing a module the analysis imports from beside it re-runs
    every block, reusing nothing."""
    helper = custom.workdir / "analyses" / "thumbnail_size.py"
    helper.write_text("SIDE = 16\n")
    analysis = custom.root / ANALYSIS
    text = analysis.read_text()
    assert "(16, 16)" in text
    text = text.replace("(16, 16)", "(SIDE, SIDE)")
    analysis.write_text(
        text.replace("\n\n\ndef", "\nfrom thumbnail_size import SIDE\n\n\ndef", 1)
    )
    custom.snakemake(*CUSTOM)
    before = custom.block_tables()
    helper.write_text("SIDE = 8\n")
    run = custom.snakemake(*CUSTOM)
    assert run.rules()["process_block"] == len(before)
    logs = (custom.workdir / "logs" / "process_block").glob("*.log")
    assert all("0 already current)" in log.read_text() for log in logs)
    for row in custom.stats():
        with Image.open(custom.workdir / row["thumbnail"]) as thumb:
            assert thumb.size == (8, 8)
    assert custom.snakemake(*CUSTOM, "-n").nothing_to_do()


def test_switching_analyses_reruns_what_it_must_and_nothing_else(completed):
    stats = (completed.results / "stats.tsv").read_bytes()
    blocks = len(completed.block_tables())
    there = completed.snakemake(*CUSTOM)
    assert there.rules()["process_block"] == blocks
    assert "plan_blocks" not in there.rules()
    back = completed.snakemake()
    assert back.rules()["process_block"] == blocks
    assert "plan_blocks" not in back.rules()
    assert (completed.results / "stats.tsv").read_bytes() == stats
    assert completed.snakemake("-n").nothing_to_do()


def test_an_exception_rejects_the_image_with_its_message(custom):
    (custom.root / ANALYSIS).write_text(
        "def analyse(image):\n"
        "    if image.height != image.width:\n"
        "        raise ValueError('not square')\n"
        "    return {'side': image.width}\n"
    )
    wide = custom.data / "Forest" / "Forest_wide.jpg"
    Image.new("RGB", (30, 20), "grey").save(wide)
    run = custom.snakemake(*CUSTOM)
    assert "1 image was rejected" in run.output
    assert read_tsv(custom.results / "rejected.tsv") == [
        {"path": "Forest/Forest_wide.jpg", "reason": "not square"}
    ]


def test_a_bug_that_fails_every_image_stops_the_run_clearly(custom):
    (custom.root / ANALYSIS).write_text(
        "def analyse(image):\n    return {'ratio': image.width / 0}\n"
    )
    run = custom.snakemake(*CUSTOM, check=False)
    assert run.returncode != 0
    assert re.search(
        r"raised an exception for every image it was given in block \w+ \(\d+\)",
        run.output,
    )
    assert "That is a bug in the analysis, not bad images" in run.output


def test_the_engine_never_imports_an_analysis():
    engine = REPO / "workflow" / "scripts" / "perimage"
    for module in engine.glob("*.py"):
        text = module.read_text()
        assert not re.search(r"^\s*(from|import)\s+brightness", text, re.M), module
