"""One image as a Snakemake target: it runs what a block runs for that image,
is up to date after a full run, and runs again when the image changes."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

from conftest import Project
from PIL import Image

IMAGE = "Forest/Forest_1.jpg"
TARGET = f"results/greyscale/{IMAGE}.png"


def test_one_image_as_a_target_processes_that_image_only(fresh, completed_project):
    run = fresh.snakemake("--cores", "1", TARGET)
    assert run.rules() == {"process_image": 1}
    written = sorted(p for p in fresh.results.rglob("*") if p.is_file())
    # the PNG, and the record of what the job wrote (its row), for its block
    record = fresh.results / "targets" / f"{IMAGE}.tsv"
    assert written == [fresh.workdir / TARGET, record]
    # exactly what a block writes for it
    block_made = (completed_project.workdir / TARGET).read_bytes()
    assert (fresh.workdir / TARGET).read_bytes() == block_made
    log = fresh.workdir / "logs" / "process_image" / f"greyscale/{IMAGE}.log"
    assert "'mean': '" in log.read_text()  # its row, in its log


def test_after_a_full_run_the_target_is_up_to_date(completed):
    assert completed.snakemake("-n", TARGET).nothing_to_do()


def test_a_changed_image_runs_alone_then_the_full_run_does_what_is_needed(completed):
    with Image.open(completed.data / IMAGE) as im:
        im.point(lambda v: 255 - v).save(completed.data / IMAGE)
    one = completed.snakemake(TARGET)
    assert one.rules() == {"process_image": 1}
    assert completed.snakemake("-n", TARGET).nothing_to_do()
    made = (completed.workdir / TARGET).stat().st_mtime_ns
    full = completed.snakemake()
    assert full.rules()["process_block"] == 1
    assert "process_image" not in full.rules()
    # its block reused the target's output: processed nothing, wrote no PNG
    (log,) = [
        p.read_text()
        for p in (completed.workdir / "logs" / "process_block").glob("*.log")
        if p.stat().st_mtime_ns > made
    ]
    assert re.search(r"\(0 processed, \d+ already current\)", log), log
    assert (completed.workdir / TARGET).stat().st_mtime_ns == made
    assert not (completed.results / "targets" / f"{IMAGE}.tsv").exists()
    assert completed.snakemake("-n").nothing_to_do()
    with Image.open(completed.data / IMAGE) as im:
        expected = im.convert("L").tobytes()
    with Image.open(completed.workdir / TARGET) as png:
        assert png.tobytes() == expected


def test_a_full_run_never_makes_per_image_jobs(fresh):
    run = fresh.snakemake()
    assert "process_image" not in run.rules()
    assert run.rules()["process_block"] == len(fresh.block_tables())


def test_a_record_target(fresh):
    target = f"results/stats/{IMAGE}.json"
    run = fresh.snakemake(target)
    assert run.rules() == {"record_image": 1}
    record = json.loads((fresh.workdir / target).read_text())
    assert record["path"] == IMAGE
    assert record["greyscale"] == TARGET


def test_awkward_names_as_targets(fresh):
    """Spaces, quotes and a leading dash, passed as README shows: quoted for
    the shell, as one argument each."""
    names = ["Forest/with space.jpg", 'Forest/it\'s "quoted".jpg', "Forest/-dash.jpg"]
    for name in names:
        shutil.copy(fresh.data / IMAGE, fresh.data / name)
    quoted = "'results/greyscale/Forest/with space.jpg.png'"
    quoted += " 'results/greyscale/Forest/it'\\''s \"quoted\".jpg.png'"
    quoted += " results/greyscale/Forest/-dash.jpg.png"
    command = " ".join(Project.command()) + " " + quoted
    run = subprocess.run(
        ["bash", "-c", command],
        cwd=fresh.root,
        env=fresh.environment(),
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    for name in names:
        assert (fresh.workdir / f"results/greyscale/{name}.png").exists(), name


def test_what_is_not_an_image_output_is_no_target_of_it(completed):
    run = completed.snakemake("-n", "results/summary/classes.tsv")
    assert "process_image" not in run.output
    missing = completed.snakemake(
        "-n", "results/greyscale/Forest/nope.jpg.png", check=False
    )
    assert missing.returncode != 0
    # README: "an error that says so", and Snakemake's own for other names
    message = "no image in input_dir 'data' has outputs named Forest/nope.jpg.png"
    assert message in missing.output
    other = completed.snakemake("-n", "results/greyscale/README.md.png", check=False)
    assert other.returncode != 0
    assert "MissingRuleException" in other.output
    assert "No rule to produce results/greyscale/README.md.png" in other.output
