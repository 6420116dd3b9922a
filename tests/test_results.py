"""results/ belongs to the user too: the workflow removes only what it
recorded writing, knows every folder it writes there, and its jobs read only
what they declare (they run under ``shadow: "minimal"``)."""

from __future__ import annotations

import csv
import re
import shutil

from conftest import Project, module_user, run_module_user
from perimage import results

IMAGE = "Forest/Forest_2.jpg"


def own_files(project: Project) -> dict:
    """A note in a folder of the user's own, and one beside the images'
    outputs; returns their paths and contents."""
    notes = {
        project.results / "mynotes" / "notes.txt": "my notes\n",
        project.results / "greyscale" / "Forest" / "README.txt": "mine\n",
        project.results / "greyscale" / "Forest" / "extra.jpg.png": "not an output\n",
    }
    for path, text in notes.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return notes


def still_there(notes: dict) -> None:
    for path, text in notes.items():
        assert path.read_text() == text, path


def test_files_the_workflow_did_not_write_survive_every_change(completed):
    notes = own_files(completed)
    gone = completed.results / "greyscale" / f"{IMAGE}.png"
    assert gone.exists()
    # an image added, then one removed
    shutil.copy(completed.data / "Forest/Forest_1.jpg", completed.data / "Forest/x.jpg")
    completed.snakemake()
    still_there(notes)
    (completed.data / IMAGE).unlink()
    completed.snakemake()
    still_there(notes)
    assert not gone.exists()  # the removed image's output is removed
    assert (completed.results / "greyscale/Forest/x.jpg.png").exists()
    # every setting that re-plans or rewrites the blocks
    for setting in (
        "block_size=7",
        "analysis=analyses/min_max_mean.py:analyse",
        "save_images=False",
    ):
        completed.snakemake("--config", setting)
        still_there(notes)
    completed.snakemake()
    still_there(notes)


def test_outputs_of_an_image_named_by_a_target_are_removed_with_it(completed):
    """A per-image target records what it wrote, so its outputs go too when
    its image goes, before any block took them over: at the next plan."""
    shutil.copy(completed.data / "Forest/Forest_1.jpg", completed.data / "Forest/t.jpg")
    target = "results/greyscale/Forest/t.jpg.png"
    completed.snakemake(target)
    assert (completed.workdir / target).exists()
    (completed.data / "Forest/t.jpg").unlink()
    shutil.copy(completed.data / "Forest/Forest_1.jpg", completed.data / "Forest/u.jpg")
    completed.snakemake()
    assert not (completed.workdir / target).exists()
    assert not (completed.results / "targets" / "Forest/t.jpg.tsv").exists()
    assert (completed.results / "greyscale/Forest/u.jpg.png").exists()


def test_every_folder_below_results_is_known_to_its_owner(completed):
    """Fails when a rule writes a top-level folder (or file) under results/
    that ``perimage.results`` does not list: its owner must know it. (The
    outputs of an analysis stay when another one runs.)"""
    image_names = set()
    for config, name in (
        ([], "greyscale"),
        (["--configfile", ".test/config-custom/config.yaml"], "thumbnail"),
        (["--config", "write_records=True"], "greyscale"),
    ):
        image_names.add(name)
        completed.snakemake(*config)
        completed.snakemake(f"results/{name}/Forest/Forest_1.jpg.png", *config)
        for entry in completed.results.iterdir():
            assert results.is_known_top_level(entry.name, image_names), entry


def test_a_module_users_rule_writing_under_results_keeps_its_output(tmp_path, fresh):
    """README's module form, with a rule of the user's own writing under
    results/: its output survives a re-plan (an image added and removed)."""
    mine = module_user(
        tmp_path / "mine",
        fresh,
        'configfile: "config/config.yaml"\n\n\n'
        "module perimage:\n"
        f"    snakefile:\n        {str(fresh.root / 'workflow/Snakefile')!r}\n"
        "    config:\n        config\n\n\n"
        "use rule * from perimage\n\n\n"
        "rule qc:\n"
        '    input:\n        "results/stats.tsv",\n'
        '    output:\n        "results/qc/dark.txt",\n'
        '    log:\n        "logs/qc.log",\n'
        "    shell:\n"
        "        \"awk -F'\\\\t' 'NR > 1 && $9 < 100' {input}\"\n"
        '        " > {output} 2> {log}"\n\n\n'
        "rule mine:\n"
        "    default_target: True\n"
        '    input:\n        "results/qc/dark.txt",\n',
    )

    def run() -> None:
        run_module_user(mine, fresh)

    run()
    dark = mine / "results/qc/dark.txt"
    with open(mine / "results/stats.tsv", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    expected = sorted(r["path"] for r in rows if float(r["mean"]) < 100)
    assert sorted(line.split("\t")[0] for line in dark.read_text().splitlines()) == (
        expected
    )
    made = dark.stat().st_mtime_ns
    extra = mine / "data/Forest/extra.jpg"
    shutil.copy(mine / "data/Forest/Forest_1.jpg", extra)
    run()
    extra.unlink()
    run()
    assert dark.exists()
    assert dark.stat().st_mtime_ns >= made


def test_every_job_runs_in_a_minimal_shadow_directory(fresh, completed_project):
    """With ``shadow: "minimal"`` on every rule, a job sees only what its rule
    declares: the run still gives the same table, images and figures, and a
    second run has nothing to do."""
    for smk in (fresh.root / "workflow/rules").glob("*.smk"):
        text = smk.read_text()
        smk.write_text(
            re.sub(
                r"^((?:rule|checkpoint) (?!all:)\w+:\n)",
                r'\1    shadow:\n        "minimal"\n',
                text,
                flags=re.M,
            )
        )
    assert "shadow" in (fresh.root / "workflow/rules/process.smk").read_text()
    fresh.snakemake()
    base = completed_project
    for name in ("stats.tsv", "rejected.tsv", "summary/classes.tsv"):
        assert (fresh.results / name).read_bytes() == (base.results / name).read_bytes()
    made = sorted(p.relative_to(fresh.results) for p in fresh.results.rglob("*.png"))
    assert made == sorted(
        p.relative_to(base.results) for p in base.results.rglob("*.png")
    )
    sheet = (fresh.results / "plots/galleries/Forest.svg").read_text()
    assert "unreadable" not in sheet and sheet.count("<image ") >= 8
    assert fresh.snakemake("-n").nothing_to_do()
