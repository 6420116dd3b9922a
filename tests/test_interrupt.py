"""Runs that are killed, or run out of disk: the next run finishes the job and
the results are those of a run that was never interrupted."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
import warnings

import psutil
import pytest
from conftest import many_config, read_tsv
from PIL import Image

LOCAL = ["--profile", "profiles/local"]


def block_jobs(main: psutil.Process) -> list[psutil.Process]:
    found = []
    for child in main.children(recursive=True):
        try:
            if any("process_block.py" in part for part in child.cmdline()):
                found.append(child)
        except psutil.NoSuchProcess:
            pass
    return found


def wait_for(condition, timeout=120.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.05)
    return False


def assert_consistent(project, expected: bytes) -> None:
    """The table equals the uninterrupted run's; every listed output is whole."""
    assert (project.results / "stats.tsv").read_bytes() == expected
    rows = project.stats()
    assert len({r["path"] for r in rows}) == len(rows)
    for row in rows[:: max(1, len(rows) // 200)]:
        with Image.open(project.workdir / row["greyscale"]) as png:
            png.load()
    assert not [p for p in project.results.rglob("*.partial")]


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM", "SIGKILL"])
@pytest.mark.parametrize("victim", ["snakemake", "block job"])
def test_killed_run_is_completed_by_the_next(
    fresh, many_images, uninterrupted, victim, sig
):
    args = [*LOCAL, *many_config(many_images)]
    proc = subprocess.Popen(
        fresh.command(*args),
        cwd=fresh.root,
        env=fresh.environment(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    main = psutil.Process(proc.pid)
    try:
        # mid-run: some blocks finished, block jobs running, nothing collected
        assert wait_for(lambda: len(fresh.block_tables()) >= 2 and block_jobs(main))
        assert not (fresh.results / "stats.tsv").exists()
        targets = [main] if victim == "snakemake" else block_jobs(main)[:1]
        for target in targets:
            target.send_signal(getattr(signal, sig))
        killed_hard = sig == "SIGKILL" and victim == "snakemake"
        try:
            proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            if not (victim == "snakemake" and sig == "SIGTERM"):
                raise
            # Snakemake's SIGTERM handler can deadlock on its scheduler lock
            # (README, "When something goes wrong"): do what README says then,
            # as Slurm does after KillWait.
            warnings.warn("snakemake hung after SIGTERM; killed it", stacklevel=1)
            proc.kill()
            proc.wait()
            killed_hard = True
    finally:
        if proc.poll() is None:
            proc.kill()
    if killed_hard:
        # as README says: a killed snakemake leaves its lock behind
        fresh.snakemake("--unlock")
    again = fresh.snakemake(*args)
    assert again.returncode == 0
    assert_consistent(fresh, uninterrupted)


@pytest.fixture
def small_disk(fresh):
    """results/ on a tmpfs too small for them (root only)."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a small tmpfs needs root and mount")
    fresh.results.mkdir(parents=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(fresh.results)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:  # e.g. a container without CAP_SYS_ADMIN
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    yield fresh
    subprocess.run(["umount", "-l", str(fresh.results)], check=False)


def test_full_disk_fails_clearly_and_leaves_no_corrupt_output(
    small_disk, completed_project
):
    project = small_disk
    run = project.snakemake(check=False)
    assert run.returncode != 0
    assert "No space left on device" in run.output
    assert "cannot write" in run.output
    # nothing half-written in place: every output there is whole
    for png in project.results.rglob("*.png"):
        with Image.open(png) as im:
            im.load()
    for record in project.results.rglob("*.json"):
        json.loads(record.read_text())
    assert not list(project.results.rglob("*.partial"))
    for table in (project.results / "blocks").glob("*.tsv"):
        assert read_tsv(table) is not None
    # with space again, the same command completes the run
    subprocess.run(
        ["mount", "-o", "remount,size=64m", str(project.results)], check=True
    )
    project.snakemake()
    expected = (completed_project.results / "stats.tsv").read_bytes()
    assert (project.results / "stats.tsv").read_bytes() == expected
