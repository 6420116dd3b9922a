"""The workflow end to end on .test: outputs against Pillow, and what a second
run does."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys

import pandas as pd
import pytest
from conftest import read_tsv
from perimage import inventory, state
from perimage.plan import PlanFolder
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
AGGREGATES = {"summarise", "draw_figures", "all"}


def changed_blocks(before: dict, after: dict) -> set:
    """Blocks whose table is new, rewritten or gone."""
    return {b for b in set(before) | set(after) if before.get(b) != after.get(b)}


def invert(path) -> None:
    """Change an image's pixels (and so its size and time)."""
    with Image.open(path) as im:
        im.point(lambda v: 255 - v).save(path, quality=90)


def pillow_row(path) -> dict:
    """What Pillow itself says of an image."""
    with Image.open(path) as im:
        mode, size = im.mode, im.size
        grey = im.convert("L")
    s = ImageStat.Stat(grey)
    return {
        "width": size[0],
        "height": size[1],
        "mode": mode,
        "min": s.extrema[0][0],
        "max": s.extrema[0][1],
        "mean": s.mean[0],
        "median": s.median[0],
        "std": s.stddev[0],
        "grey": grey.tobytes(),
    }


# -- a first run -------------------------------------------------------------


def test_dry_run_before_anything_ran_changes_nothing(fresh):
    before = fresh.snapshot()
    run = fresh.snakemake("-n")
    # the blocks are known once the plan has run
    assert run.rules() == {"plan_blocks": 1, "all": 1}
    assert fresh.snapshot() == before


def test_outputs_of_a_complete_run(completed_project):
    p = completed_project
    rows = p.stats()
    assert [r["path"] for r in rows] == p.images()  # every image, sorted by path
    assert list(rows[0]) == COLUMNS
    for row in rows:
        expected = pillow_row(p.data / row["path"])
        assert int(row["width"]) == expected["width"]
        assert int(row["height"]) == expected["height"]
        assert row["mode"] == expected["mode"]
        assert row["frames"] == "1"
        assert int(row["min"]) == expected["min"]
        assert int(row["max"]) == expected["max"]
        assert float(row["mean"]) == expected["mean"]
        assert int(row["median"]) == expected["median"]
        assert float(row["std"]) == expected["std"]
        assert row["greyscale"] == f"results/greyscale/{row['path']}.png"
        with Image.open(p.workdir / row["greyscale"]) as written:
            assert written.mode == "L"
            assert written.tobytes() == expected["grey"]
    assert read_tsv(p.results / "rejected.tsv") == []
    skipped = read_tsv(p.results / "plan" / "skipped.tsv")
    assert skipped == [{"path": "README.md", "reason": "not an image file extension"}]


def test_one_file_per_image(completed_project):
    p = completed_project
    greyscale = [f for f in (p.results / "greyscale").rglob("*") if f.is_file()]
    assert len(greyscale) == len(p.images())
    assert not (p.results / "stats").exists()  # records only on request


def test_summary_per_class(completed_project):
    """Every column, against pandas over Pillow's own statistics."""
    p = completed_project
    means = pd.DataFrame(
        {
            "class": [r.split("/")[0] for r in p.images()],
            "mean": [pillow_row(p.data / r)["mean"] for r in p.images()],
        }
    )
    summary = {r["class"]: r for r in read_tsv(p.results / "summary" / "classes.tsv")}
    groups = [*means.groupby("class"), ("(all)", means)]
    assert list(summary) == [name for name, _ in groups]
    for name, part in groups:
        m = part["mean"]
        expected = {
            "images": len(part),
            "rejected": 0,
            "mean_min": m.min(),
            "mean_q25": m.quantile(0.25),
            "mean_median": m.quantile(0.5),
            "mean_q75": m.quantile(0.75),
            "mean_max": m.max(),
            "mean_mean": m.mean(),
            "mean_std": m.std(ddof=0),
        }
        row = summary[name]
        assert list(row) == ["class", *expected]
        for column, value in expected.items():
            assert float(row[column]) == pytest.approx(value, rel=1e-5), (name, column)


def test_every_log_says_what_it_did_and_how_long_it_took(completed_project):
    p = completed_project
    logs = list((p.workdir / "logs").rglob("*.log"))
    # the plan, a log per block, and the two aggregate jobs
    assert len(logs) == 1 + len(p.block_tables()) + 2
    for log in logs:
        assert "finished in" in log.read_text(), log.name
    for block, members in p.block_members().items():
        text = (p.workdir / "logs/process_block" / f"{block}.log").read_text()
        assert f"{len(members)} images from data" in text  # what it read
        assert f"wrote results/blocks/{block}.tsv" in text  # what it wrote
        assert f"({len(members)} processed, 0 already current), 0 rejected" in text


def test_snakemake_keeps_records_per_block_not_per_image(completed_project):
    p = completed_project
    recorded = {
        base64.b64decode(f.name).decode()
        for f in (p.workdir / ".snakemake" / "metadata").iterdir()
    }
    tables = {f"results/blocks/{b}.tsv" for b in p.block_tables()}
    assert tables <= recorded
    assert not [r for r in recorded if r.startswith("results/greyscale/")]
    assert len(recorded) < len(tables) + 20  # the plan and the aggregates
    assert len(tables) < len(p.images())


# -- a second run --------------------------------------------------------------


def test_nothing_to_do_after_a_complete_run_and_nothing_changes(completed):
    before = completed.snapshot()
    assert completed.snakemake("-n").nothing_to_do()
    run = completed.snakemake()
    assert run.rules() == {}
    assert completed.snapshot() == before


@pytest.mark.parametrize(
    "args",
    [["-n"], ["--summary"], ["--lint"], ["--detailed-summary"]],
)
def test_looking_changes_no_file(completed, args):
    png = completed.results / "greyscale" / "River" / "River_2.jpg.png"
    png.unlink()  # something for a run to do, so a look has something to see
    before = completed.snapshot()
    completed.snakemake(*args)
    assert completed.snapshot() == before


def test_the_report_changes_no_file_but_writes_itself(completed):
    before = completed.snapshot()
    completed.snakemake("--report", "report.html")
    after = completed.snapshot()
    assert set(after) - set(before) == {".test/report.html"}
    assert {f: after[f] for f in before} == before


def png_times(project) -> dict[str, int]:
    root = project.results / "greyscale"
    return {str(p.relative_to(root)): p.stat().st_mtime_ns for p in root.rglob("*.png")}


def owner_of(project, image: str) -> str:
    return next(b for b, m in project.block_members().items() if image in m)


def plan_of(project) -> set[tuple[str, frozenset]]:
    """The plan the last run wrote, with each block's images as its table
    lists them: (block, images) for every block in results/plan/blocks.tsv."""
    members = project.block_members()
    return {(b, frozenset(members[b])) for b in project.planned_blocks()}


def one_block_changed(before: set, after: set) -> tuple[str, frozenset, frozenset]:
    """README: an image added or removed changes the block it falls in and no
    other. Returns that block's new name, its images before and after."""
    (old,) = before - after
    (new,) = after - before
    return new[0], old[1], new[1]


def test_changed_pixels_rerun_only_their_block_and_the_aggregates(completed):
    before, pngs = completed.block_tables(), png_times(completed)
    image = "Forest/Forest_3.jpg"
    invert(completed.data / image)
    run = completed.snakemake()
    assert set(run.rules()) == {"process_block"} | AGGREGATES
    assert run.rules()["process_block"] == 1
    assert changed_blocks(before, completed.block_tables()) == {
        owner_of(completed, image)
    }
    row = next(r for r in completed.stats() if r["path"] == image)
    assert float(row["mean"]) == pillow_row(completed.data / image)["mean"]
    # inside the block, only the changed image was processed again
    block = owner_of(completed, image)
    log = (completed.workdir / "logs/process_block" / f"{block}.log").read_text()
    assert "(1 processed," in log
    rewritten = {k for k, t in png_times(completed).items() if pngs[k] != t}
    assert rewritten == {f"{image}.png"}


def test_touching_an_image_reruns_its_block_only(completed):
    before = completed.block_tables()
    os.utime(completed.data / "River" / "River_2.jpg")
    run = completed.snakemake()
    assert run.rules()["process_block"] == 1
    assert changed_blocks(before, completed.block_tables()) == {
        owner_of(completed, "River/River_2.jpg")
    }


def examined_beside(project) -> list[str]:
    """The blocks whose images Snakemake's main process leaves to the
    outputs' check, as it decides when it starts (``state.examined_beside``);
    one at least on .test, else the tests below would not test it."""
    config = {"images": None, "include": [], "limit": 0, "input_dir": "data"}
    plan = PlanFolder(str(project.results / "plan"))
    beside, first = state.examined_beside(config, plan)
    assert beside and len(beside) < len(plan.sizes())
    assert first == plan.manifest(beside[0])["images"][0]
    return beside


def test_the_check_examines_the_last_blocks_images_as_the_listing_would(completed):
    beside = examined_beside(completed)
    proc = subprocess.run(
        [sys.executable, "-m", "perimage.outputcheck", "data", *beside],
        cwd=completed.workdir,
        env=dict(os.environ, PYTHONPATH=str(completed.root / "workflow/scripts")),
        capture_output=True,
        text=True,
        check=True,
    )
    found = json.loads(proc.stdout)
    plan = PlanFolder(str(completed.results / "plan"))
    listing = inventory.scan(str(completed.data), [".jpg"])
    runs, start = {}, 0
    for block, n in plan.sizes().items():
        runs[block] = (start, start + n)
        start += n
    assert found["images"] == {b: listing.fingerprint(*runs[b]) for b in beside}
    assert found["digest"] == plan.recorded()[0]
    assert set(found["tables"]) == set(runs)


def test_touching_an_image_of_the_last_block_reruns_its_block_only(completed):
    last = completed.images()[-1]
    assert owner_of(completed, last) in examined_beside(completed)
    before = completed.block_tables()
    os.utime(completed.data / last, ns=(1, 1))
    run = completed.snakemake()
    assert run.rules()["process_block"] == 1
    assert changed_blocks(before, completed.block_tables()) == {
        owner_of(completed, last)
    }
    assert completed.snakemake("-n").nothing_to_do()


@pytest.mark.parametrize(
    ("new", "touch"),
    [
        ("Pasture/Pasture_new.jpg", False),  # in another block
        ("Pasture/Pasture_new.jpg", True),
        ("SeaLake/SeaLake_new.jpg", False),  # the last image now
    ],
)
def test_a_new_plan_and_the_images_of_the_last_block(completed, new, touch):
    """With a new plan, Snakemake's main process examines the last blocks'
    images itself (the check examined the blocks of the former plan): an
    untouched block is not run, a touched one is."""
    last = completed.images()[-1]
    assert owner_of(completed, last) in examined_beside(completed)
    before, plan = completed.block_tables(), plan_of(completed)
    shutil.copy(completed.data / "Forest" / "Forest_1.jpg", completed.data / new)
    if touch:
        os.utime(completed.data / last, ns=(1, 1))
    run = completed.snakemake()
    assert run.rules()["plan_blocks"] == 1
    block, old, now = one_block_changed(plan, plan_of(completed))
    assert now == old | {new}
    planned = set(completed.planned_blocks())
    changed = {block, owner_of(completed, last)} if touch else {block}
    assert changed_blocks(before, completed.block_tables()) & planned == changed
    assert run.rules()["process_block"] == len(changed)
    assert [r["path"] for r in completed.stats()] == completed.images()
    assert completed.snakemake("-n").nothing_to_do()


def test_added_image_is_processed_in_one_block(completed):
    before, plan = completed.block_tables(), plan_of(completed)
    new = "Pasture/Pasture_new.jpg"
    shutil.copy(completed.data / "Forest" / "Forest_1.jpg", completed.data / new)
    run = completed.snakemake()
    assert run.rules()["plan_blocks"] == 1
    assert run.rules()["process_block"] == 1
    block, old, now = one_block_changed(plan, plan_of(completed))
    assert now == old | {new}
    planned = set(completed.planned_blocks())
    assert changed_blocks(before, completed.block_tables()) & planned == {block}
    paths = [r["path"] for r in completed.stats()]
    assert paths == completed.images()
    assert (completed.results / "greyscale" / f"{new}.png").exists()
    assert completed.snakemake("-n").nothing_to_do()


def changed_in_plan(before: set, after: set) -> tuple[set, frozenset, frozenset]:
    """The blocks of ``after`` that are not in ``before`` (by name or by
    images), and the images of the blocks that changed, before and after."""
    gone, new = before - after, after - before
    return (
        {b for b, _ in new},
        frozenset().union(*(m for _, m in gone)),
        frozenset().union(*(m for _, m in new)),
    )


@pytest.mark.parametrize(
    "gone",
    [
        "SeaLake/SeaLake_7.jpg",  # inside its block: that block alone changes
        "SeaLake/SeaLake_4.jpg",  # the first of its block: a neighbour changes too
    ],
)
def test_removed_image_leaves_the_table_and_its_outputs_go(completed, gone):
    before, plan = completed.block_tables(), plan_of(completed)
    (completed.data / gone).unlink()
    run = completed.snakemake()
    assert run.rules()["plan_blocks"] == 1
    blocks, old, now = changed_in_plan(plan, plan_of(completed))
    assert now == old - {gone}  # the other blocks keep their images
    if gone == "SeaLake/SeaLake_7.jpg":
        assert len(blocks) == 1
    else:
        assert len(blocks) == 2  # README: only blocks of its own stretch
    assert run.rules()["process_block"] == len(blocks)
    planned = set(completed.planned_blocks())
    assert changed_blocks(before, completed.block_tables()) & planned == blocks
    assert [r["path"] for r in completed.stats()] == completed.images()
    assert not (completed.results / "greyscale" / f"{gone}.png").exists()
    summary = read_tsv(completed.results / "summary" / "classes.tsv")
    sealake = [i for i in completed.images() if i.startswith("SeaLake/")]
    assert next(r for r in summary if r["class"] == "SeaLake")["images"] == str(
        len(sealake)
    )


@pytest.mark.parametrize("damage", ["deleted", "emptied", "truncated"])
def test_a_damaged_greyscale_output_is_made_again(completed, damage):
    """An output that is missing, or shorter than the table records (a crash
    after the rename, a copy cut short), is made again by its block."""
    image = "River/River_2.jpg"
    png = completed.results / "greyscale" / f"{image}.png"
    expected = png.read_bytes()
    if damage == "deleted":
        png.unlink()
    else:
        png.write_bytes(b"" if damage == "emptied" else expected[:100])
    dry = completed.snakemake("-n")
    assert dry.rules()["process_block"] == 1
    assert "outputs missing or damaged" in dry.output
    run = completed.snakemake()
    assert run.rules()["process_block"] == 1
    assert png.read_bytes() == expected
    block = owner_of(completed, image)
    log = (completed.workdir / "logs/process_block" / f"{block}.log").read_text()
    assert "(1 processed," in log
    assert completed.snakemake("-n").nothing_to_do()


def test_config_change_that_changes_results_reruns_the_blocks(completed):
    run = completed.snakemake("--config", "save_images=False")
    assert run.rules()["process_block"] == len(completed.block_tables())
    assert all(r["greyscale"] == "" for r in completed.stats())


@pytest.mark.parametrize(
    "change",
    ["write_records=True", "on_error=fail", "max_pixels=4000", "extensions=['.jpg']"],
)
def test_other_config_changes_rerun_what_depends_on_them(completed, change):
    """README: a config value that changes results re-runs what depends on
    it; a block that runs again reuses the outputs of images it does not
    affect."""
    extra = "Forest/extra.png"
    if change.startswith("extensions"):  # an image that .jpg alone leaves out
        with Image.open(completed.data / "Forest" / "Forest_1.jpg") as im:
            im.save(completed.data / extra)
        completed.snakemake()
    images, stats = completed.images(), (completed.results / "stats.tsv").read_bytes()
    pngs, plan = png_times(completed), plan_of(completed)
    run = completed.snakemake("--config", change)
    blocks = completed.planned_blocks()
    if change.startswith("extensions"):  # the plan changes, as on removing it
        changed, old, now = changed_in_plan(plan, plan_of(completed))
        assert now == old - {extra}
        assert run.rules()["process_block"] == len(changed) == 1
    else:  # every block
        assert run.rules()["process_block"] == len(blocks)
    assert completed.snakemake("--config", change, "-n").nothing_to_do()
    logs = completed.workdir / "logs" / "process_block"
    if change == "max_pixels=4000":  # every .test image has 64x64 pixels
        assert completed.stats() == []
        assert read_tsv(completed.results / "rejected.tsv") == [
            {"path": p, "reason": "64x64 = 4096 pixels, more than max_pixels (4000)"}
            for p in images
        ]
        assert png_times(completed) == {}
        return
    if change.startswith("extensions"):
        assert run.rules()["plan_blocks"] == 1
        kept = [p for p in images if p.endswith(".jpg")]
        assert [r["path"] for r in completed.stats()] == kept
        assert not (completed.results / "greyscale" / f"{extra}.png").exists()
        assert png_times(completed) == {
            k: t for k, t in pngs.items() if k != extra + ".png"
        }
        return
    # results as before
    assert (completed.results / "stats.tsv").read_bytes() == stats
    if change == "on_error=fail":  # and every image's outputs reused
        assert png_times(completed) == pngs
        for block in blocks:
            assert "(0 processed," in (logs / f"{block}.log").read_text()
    else:  # every image has a new output, its record
        for row in completed.stats():
            record = completed.results / "stats" / f"{row['path']}.json"
            written = json.loads(record.read_text())
            assert written["path"] == row["path"]
            assert written["mean"] == float(row["mean"])


def is_shown(name: str, label: str) -> bool:
    return label == name or (label.endswith("…") and name.startswith(label[:-1]))


def test_gallery_images_sets_how_many_each_sheet_shows(completed):
    run = completed.snakemake("--config", "gallery_images=2")
    assert "process_block" not in run.rules()
    for sheet in (completed.results / "plots" / "galleries").glob("*.svg"):
        # each image: its name (shortened with "…" when long), then its mean
        # to one decimal
        shown = re.findall(
            r">([^<>]+)</text><text[^>]*>mean ([\d.]+)<", sheet.read_text()
        )
        by_mean = sorted(
            (pillow_row(completed.data / sheet.stem / n)["mean"], n)
            for n in os.listdir(completed.data / sheet.stem)
        )
        names = [
            next(n for m, n in by_mean if is_shown(n, label) and f"{m:.1f}" == mean)
            for label, mean in shown
        ]
        assert len(names) == len(set(names)) == 4, sheet.name
        assert names[:2] == [n for _, n in by_mean[:2]], sheet.name
        assert set(names[2:]) == {n for _, n in by_mean[-2:]}, sheet.name
    assert len(list((completed.results / "plots" / "galleries").glob("*.svg"))) == 10


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


def test_a_new_block_size_replans_and_reuses_every_row(completed):
    stats = (completed.results / "stats.tsv").read_bytes()
    pngs, before = png_times(completed), completed.block_tables()
    run = completed.snakemake("--config", "block_size=40")
    assert (completed.results / "stats.tsv").read_bytes() == stats
    assert png_times(completed) == pngs  # no image was processed again
    ran = changed_blocks(before, completed.block_tables()) & set(
        p.stem for p in (completed.results / "plan" / "blocks").glob("*.json")
    )
    assert len(ran) == run.rules()["process_block"] > 0
    logs = completed.workdir / "logs" / "process_block"
    for block in ran:
        assert "(0 processed," in (logs / f"{block}.log").read_text()


def test_editing_processing_code_reruns_what_it_produced(completed):
    code = completed.root / "workflow" / "scripts"
    with open(code / "brightness" / "greyscale.py", "a", encoding="utf-8") as fh:
        fh.write("\n# an edit\n")
    pngs = png_times(completed)
    run = completed.snakemake()
    assert run.rules()["process_block"] == len(completed.block_tables())
    # new code: every image is processed again, none reused
    assert all(pngs[k] != t for k, t in png_times(completed).items())
    with open(code / "brightness" / "plots.py", "a", encoding="utf-8") as fh:
        fh.write("\n# an edit\n")
    run = completed.snakemake()
    # the rules whose code imports plots.py, and nothing else
    assert set(run.rules()) == {"draw_figures", "all"}


def test_threads_per_block_give_the_same_results(fresh, completed_project):
    """A block job with threads uses that many processes (a few large blocks
    can fill a many-core node); the table does not change."""
    fresh.snakemake("--config", "block_size=1000", "--set-threads", "process_block=2")
    logs = [log.read_text() for log in (fresh.workdir / "logs/process_block").iterdir()]
    assert any("in 2 process(es)" in log for log in logs)
    expected = (completed_project.results / "stats.tsv").read_bytes()
    assert (fresh.results / "stats.tsv").read_bytes() == expected


def test_threads_follow_the_cores_not_the_plan(completed):
    """With more cores, blocks get more processes; the plan stays, and so a
    run with other --cores has nothing to do."""
    assert completed.snakemake("--cores", "8", "-n").nothing_to_do()
    run = completed.snakemake("--cores", "64", "--forcerun", "process_block", "-n")
    threads = [int(t) for t in re.findall(r"threads: (\d+)", run.output)]
    assert threads and max(threads) > 1


# -- one image first --------------------------------------------------------


def test_one_image_first(fresh):
    fresh.snakemake("--config", "limit=1")
    assert [r["path"] for r in fresh.stats()] == fresh.images()[:1]
    fresh.snakemake("--config", "include=['River/*','SeaLake/SeaLake_1*']", "limit=0")
    paths = [r["path"] for r in fresh.stats()]
    expected = [
        p
        for p in fresh.images()
        if p.startswith("River/") or p.startswith("SeaLake/SeaLake_1")
    ]
    assert paths == expected


@pytest.mark.parametrize("selection", ["include=['River/*']", "limit=5"])
def test_processed_plus_rejected_equals_the_images_selected(fresh, selection):
    """README: processed plus rejected equals the images selected; with
    include or limit, not all that were found."""
    broken = "AnnualCrop/AnnualCrop_0.jpg"  # the first image, a River/ one too
    for name in (broken, "River/River_0.jpg"):
        (fresh.data / name).write_bytes(b"not an image")
    images = fresh.images()
    if selection.startswith("include"):
        selected = [p for p in images if p.startswith("River/")]
    else:
        selected = images[:5]  # the first images by path
    fresh.snakemake("--config", selection)
    processed = [r["path"] for r in fresh.stats()]
    rejected = [r["path"] for r in read_tsv(fresh.results / "rejected.tsv")]
    assert len(rejected) == 1 and rejected[0] in (broken, "River/River_0.jpg")
    assert sorted(processed + rejected) == selected
    assert len(processed) + len(rejected) < len(images)


def test_a_single_block_can_be_targeted(fresh):
    fresh.snakemake("plan_blocks")
    name = sorted((fresh.results / "plan" / "blocks").glob("*.json"))[0].stem
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
        ("analysis=nothing_here.py:analyse", "'nothing_here.py' does not exist"),
        ("analysis=bad name", "analysis"),
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
