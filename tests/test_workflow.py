"""The workflow end to end: outputs, and what a second run does."""

from __future__ import annotations

import base64
import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import read_tsv
from PIL import Image, ImageStat

COLUMNS = [
    "path",
    "greyscale",
    "width",
    "height",
    "mode",
    "frames",
    "min",
    "max",
    "mean",
    "median",
    "std",
]
AGGREGATES = {
    "collect_stats",
    "summarise",
    "plot_brightness",
    "plot_block_runtimes",
    "make_galleries",
    "all",
}


def changed_blocks(before: dict, after: dict) -> set:
    """Blocks whose table is new, rewritten or gone."""
    return {b for b in set(before) | set(after) if before.get(b) != after.get(b)}


def invert(path: Path) -> None:
    """Change an image's pixels (and so its size and time)."""
    with Image.open(path) as im:
        im.point(lambda v: 255 - v).save(path, quality=90)


# -- a first run -------------------------------------------------------------


def test_dry_run_before_anything_ran(fresh):
    run = fresh.snakemake("-n")
    rules = run.rules()
    assert rules["plan_blocks"] == 1
    assert rules["collect_stats"] == 1
    assert not (fresh.results).exists()


def test_outputs_of_a_complete_run(completed_project):
    p = completed_project
    rows = p.stats()
    images = sorted(str(f.relative_to(p.data)) for f in p.data.rglob("*.jpg"))
    assert [r["path"] for r in rows] == images  # every image, sorted by path
    assert list(rows[0]) == COLUMNS
    for row in rows:
        with Image.open(p.data / row["path"]) as im:
            grey = im.convert("L")
        s = ImageStat.Stat(grey)
        assert (int(row["min"]), int(row["max"])) == s.extrema[0]
        assert float(row["mean"]) == s.mean[0]
        assert int(row["median"]) == s.median[0]
        assert float(row["std"]) == s.stddev[0]
        assert (int(row["width"]), int(row["height"])) == grey.size
        assert row["mode"] == "RGB"
        png = p.workdir / row["greyscale"]
        assert row["greyscale"] == f"results/greyscale/{row['path']}.png"
        with Image.open(png) as written:
            assert written.mode == "L"
            assert written.tobytes() == grey.tobytes()
        record = json.loads((p.results / "stats" / (row["path"] + ".json")).read_text())
        assert {k: str(record[k]) for k in COLUMNS} == row
        st = (p.data / row["path"]).stat()
        assert record["source"] == [st.st_size, st.st_mtime_ns]
    assert read_tsv(p.results / "rejected.tsv") == []
    skipped = read_tsv(p.results / "plan" / "skipped.tsv")
    assert skipped == [{"path": "README.md", "reason": "not an image file extension"}]


def test_summary_per_class(completed_project):
    p = completed_project
    summary = {r["class"]: r for r in read_tsv(p.results / "summary" / "classes.tsv")}
    rows = p.stats()
    classes = {r["path"].split("/")[0] for r in rows}
    assert set(summary) == classes | {"(all)"}
    for name in classes:
        means = [float(r["mean"]) for r in rows if r["path"].startswith(name + "/")]
        assert int(summary[name]["images"]) == len(means)
        assert float(summary[name]["mean_min"]) == pytest.approx(min(means), rel=1e-5)
        assert float(summary[name]["mean_max"]) == pytest.approx(max(means), rel=1e-5)
    assert int(summary["(all)"]["images"]) == len(rows)
    plot = (p.results / "plots" / "brightness_by_class.svg").read_text()
    assert plot.lstrip().startswith("<?xml") and "<svg" in plot
    assert all(name in plot for name in classes)


def test_every_log_says_what_it_did_and_how_long_it_took(completed_project):
    logs = completed_project.workdir / "logs"
    files = [f for f in logs.rglob("*.log")]
    assert len(files) == 6 + len(completed_project.block_tables())  # 6 other rules
    for log in files:
        assert "finished in" in log.read_text(), log.name
    block_log = next((logs / "process_block").iterdir()).read_text()
    assert "images from data" in block_log  # what it read
    assert "wrote results/blocks/" in block_log  # what it wrote
    assert "0 rejected" in block_log
    assert "images done" in block_log


def test_block_jobs_and_metadata_scale_with_blocks(completed_project):
    p = completed_project
    inventory = json.loads((p.results / "plan" / "inventory.json").read_text())
    assert inventory["selected"] == len(p.stats()) == 108
    assert inventory["blocks"] == len(p.block_tables()) > 1
    # Snakemake keeps a record per output it knows of: each block's table and
    # the aggregates, none per image
    recorded = {
        base64.b64decode(f.name).decode()
        for f in (p.workdir / ".snakemake" / "metadata").iterdir()
    }
    tables = {f"results/blocks/{b}.tsv" for b in p.block_tables()}
    assert tables <= recorded
    aggregates = recorded - tables
    assert all(
        not a.startswith(("results/greyscale/", "results/stats/")) for a in aggregates
    )
    assert len(aggregates) == 11


# -- a second run --------------------------------------------------------------


def test_nothing_to_do_after_a_complete_run(completed):
    assert completed.snakemake("-n").nothing_to_do()
    before = completed.block_tables()
    run = completed.snakemake()
    assert run.rules() == {}
    assert completed.block_tables() == before


def png_times(project) -> dict[str, int]:
    root = project.results / "greyscale"
    return {str(p.relative_to(root)): p.stat().st_mtime_ns for p in root.rglob("*.png")}


def test_changed_pixels_rerun_only_their_block_and_the_aggregates(completed):
    before, pngs = completed.block_tables(), png_times(completed)
    invert(completed.data / "Forest" / "Forest_3.jpg")
    run = completed.snakemake()
    assert set(run.rules()) == {"process_block"} | AGGREGATES
    assert run.rules()["process_block"] == 1
    (block,) = changed_blocks(before, completed.block_tables())
    row = next(r for r in completed.stats() if r["path"] == "Forest/Forest_3.jpg")
    with Image.open(completed.data / "Forest" / "Forest_3.jpg") as im:
        assert float(row["mean"]) == ImageStat.Stat(im.convert("L")).mean[0]
    # inside the block, only the changed image was processed again
    log = (completed.workdir / "logs/process_block" / f"{block}.log").read_text()
    assert "(1 processed," in log
    rewritten = {k for k, t in png_times(completed).items() if pngs[k] != t}
    assert rewritten == {"Forest/Forest_3.jpg.png"}


def test_touching_an_image_reruns_its_block_only(completed):
    before = completed.block_tables()
    os.utime(completed.data / "River" / "River_2.jpg")
    run = completed.snakemake()
    assert run.rules()["process_block"] == 1
    assert len(changed_blocks(before, completed.block_tables())) == 1


def test_added_image_is_processed_in_one_block(completed):
    before = completed.block_tables()
    new = completed.data / "Pasture" / "Pasture_new.jpg"
    shutil.copy(completed.data / "Forest" / "Forest_1.jpg", new)
    run = completed.snakemake()
    assert run.rules()["plan_blocks"] == 1
    assert run.rules()["process_block"] == 1
    assert len(changed_blocks(before, completed.block_tables())) == 1
    paths = [r["path"] for r in completed.stats()]
    assert "Pasture/Pasture_new.jpg" in paths
    assert paths == sorted(paths)
    assert (completed.results / "greyscale/Pasture/Pasture_new.jpg.png").exists()
    assert completed.snakemake("-n").nothing_to_do()


def test_removed_image_leaves_the_table_and_its_outputs_go(completed):
    before = completed.block_tables()
    (completed.data / "SeaLake" / "SeaLake_4.jpg").unlink()
    run = completed.snakemake()
    assert run.rules()["process_block"] == 1
    assert len(changed_blocks(before, completed.block_tables())) == 1
    assert "SeaLake/SeaLake_4.jpg" not in [r["path"] for r in completed.stats()]
    assert not (completed.results / "greyscale/SeaLake/SeaLake_4.jpg.png").exists()
    assert not (completed.results / "stats/SeaLake/SeaLake_4.jpg.json").exists()
    summary = read_tsv(completed.results / "summary" / "classes.tsv")
    assert next(r for r in summary if r["class"] == "SeaLake")["images"] == "11"


def test_deleted_greyscale_output_is_made_again(completed):
    png = completed.results / "greyscale" / "River" / "River_2.jpg.png"
    expected = png.read_bytes()
    png.unlink()
    dry = completed.snakemake("-n")
    assert dry.rules()["process_block"] == 1
    run = completed.snakemake()
    assert run.rules()["process_block"] == 1
    assert png.read_bytes() == expected
    assert completed.snakemake("-n").nothing_to_do()


def test_deleted_stats_record_is_made_again(completed):
    record = completed.results / "stats" / "Highway" / "Highway_1.jpg.json"
    record.unlink()
    completed.snakemake()
    assert json.loads(record.read_text())["path"] == "Highway/Highway_1.jpg"


def test_config_change_that_changes_results_reruns_the_blocks(completed):
    run = completed.snakemake("--config", "write_greyscale=False")
    assert run.rules()["process_block"] == len(completed.block_tables())
    assert all(r["greyscale"] == "" for r in completed.stats())


def test_config_change_that_does_not_change_results_reruns_nothing(completed):
    stats = (completed.results / "stats.tsv").read_bytes()
    assert completed.snakemake("--config", "progress_every=7", "-n").nothing_to_do()
    # the same images in another place (copied with their times)
    shutil.copytree(
        completed.data, completed.root / "moved", copy_function=shutil.copy2
    )
    run = completed.snakemake("--config", "input_dir=../moved")
    assert run.rules() == {}
    assert (completed.results / "stats.tsv").read_bytes() == stats


def test_editing_processing_code_reruns_what_it_produced(completed):
    code = completed.root / "workflow" / "scripts" / "imagestats"
    with open(code / "greyscale.py", "a", encoding="utf-8") as fh:
        fh.write("\n# an edit\n")
    pngs = png_times(completed)
    run = completed.snakemake()
    assert run.rules()["process_block"] == len(completed.block_tables())
    # new code: every image is processed again, none reused
    assert all(pngs[k] != t for k, t in png_times(completed).items())
    with open(code / "plots.py", "a", encoding="utf-8") as fh:
        fh.write("\n# an edit\n")
    run = completed.snakemake()
    # the rules whose code imports plots.py, and nothing else
    assert set(run.rules()) == {"plot_brightness", "plot_block_runtimes", "all"}


def test_threads_per_block_give_the_same_results(fresh, completed_project):
    """A block job with threads uses that many processes (a few large blocks
    can fill a many-core node); the table does not change."""
    fresh.snakemake("--cores", "2", "--set-threads", "process_block=2")
    logs = [log.read_text() for log in (fresh.workdir / "logs/process_block").iterdir()]
    assert any("2 process(es)" in log for log in logs)
    expected = (completed_project.results / "stats.tsv").read_bytes()
    assert (fresh.results / "stats.tsv").read_bytes() == expected


# -- one image first --------------------------------------------------------


def test_one_image_first(fresh):
    fresh.snakemake("--config", "limit=1")
    assert [r["path"] for r in fresh.stats()] == ["AnnualCrop/AnnualCrop_1.jpg"]
    fresh.snakemake("--config", "include=['River/*','SeaLake/SeaLake_1*']", "limit=0")
    paths = [r["path"] for r in fresh.stats()]
    sealake = [p for p in paths if p.startswith("SeaLake/")]
    assert sealake == [f"SeaLake/SeaLake_{n}.jpg" for n in (1, 10, 11, 12)]
    assert len(paths) == len(sealake) + len(list((fresh.data / "River").iterdir()))


def test_a_single_block_can_be_targeted(fresh):
    fresh.snakemake("plan_blocks")
    name = sorted((fresh.results / "plan" / "blocks").glob("*.jsonl"))[0].stem
    run = fresh.snakemake(f"results/blocks/{name}.tsv")
    assert run.rules() == {"process_block": 1}
    assert not (fresh.results / "stats.tsv").exists()


# -- mistakes, reported before any job runs -------------------------------------


@pytest.mark.parametrize(
    "setting,message",
    [
        ("block_size=0", "block_size"),
        ("on_error=ignore", "on_error"),
        ("limit=-1", "limit"),
        ("unknown_key=1", "unknown_key"),
    ],
)
def test_bad_config_names_the_key(fresh, setting, message):
    run = fresh.snakemake("--config", setting, check=False)
    assert run.returncode != 0
    assert message in run.output
    assert not fresh.results.exists()


@pytest.mark.parametrize("case", ["missing", "empty", "no images"])
def test_unusable_input_dir_is_a_clear_error_before_any_job(fresh, case):
    target = fresh.workdir / "input"
    if case != "missing":
        target.mkdir()
    if case == "no images":
        (target / "notes.txt").write_text("not an image")
    run = fresh.snakemake("--config", "input_dir=input", check=False)
    assert run.returncode != 0
    expected = "does not exist" if case == "missing" else "has no images to process"
    assert expected in run.output
    assert "input" in run.output
    assert not fresh.results.exists()
