"""The Slurm profile against a real single-node Slurm started on localhost."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from conftest import BIN, REPO, Project, many_config, require
from test_interrupt import GATED, block_of, gated, paused_job

pytestmark = pytest.mark.slurm

CLUSTER = REPO / "tests" / "slurm" / "cluster.sh"
# Test settings only: this cluster has no accounting (so status checks use
# squeue), and a short first status check keeps the tests quick.
SLURM = [
    "--profile",
    "profiles/slurm",
    "--slurm-status-command",
    "squeue",
    "--slurm-init-seconds-before-status-checks",
    "1",
    "--slurm-keep-successful-logs",
    "--latency-wait",
    "5",
]
BLOCK_SIZE = 40
BLOCKS = ["--config", f"block_size={BLOCK_SIZE}"]  # a few blocks: a few Slurm jobs


SUBMITTED = re.compile(r"has been submitted with SLURM jobid (\d+) \(log: (\S+)\)")


def cluster(command: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(CLUSTER), command], capture_output=True, text=True, timeout=600
    )


@pytest.fixture(scope="session")
def slurm():
    """A running single-node cluster, started once for the session."""
    require(os.geteuid() == 0, "starting slurmctld, slurmd and munged needs root")
    require(
        bool(shutil.which("slurmctld") or shutil.which("apt-get")),
        "Slurm is not installed and there is no apt-get to install it",
    )
    was_running = cluster("status").returncode == 0
    for step in ("install", "start"):
        done = cluster(step)
        assert done.returncode == 0, f"cluster.sh {step}:\n{done.stdout}{done.stderr}"
    yield
    if not was_running:
        cluster("stop")


def slurm_jobs(run) -> dict[str, str]:
    """Slurm job id -> its log, for every job the run submitted."""
    return dict(SUBMITTED.findall(run.output))


def scontrol(job: str) -> str:
    out = subprocess.run(
        ["scontrol", "show", "job", job], capture_output=True, text=True
    )
    return out.stdout


@pytest.fixture
def local_result(tmp_path) -> bytes:
    project = Project.create(tmp_path / "local")
    project.snakemake(*BLOCKS)
    return (project.results / "stats.tsv").read_bytes()


def test_blocks_run_as_slurm_jobs_like_a_local_run(slurm, fresh, local_result):
    env = {"SBATCH_ACCOUNT": "survey-project", "SBATCH_PARTITION": "debug"}
    run = fresh.snakemake(*SLURM, *BLOCKS, env=env)
    jobs = slurm_jobs(run)
    tables = fresh.block_tables()
    assert len(jobs) == len(tables) == len(fresh.planned_blocks()) > 1
    for job, log in jobs.items():
        # each block ran inside the Slurm job that the controller knows of
        block = log.split("/")[-2]
        job_log = (
            fresh.workdir / "logs" / "process_block" / f"{block}.log"
        ).read_text()
        assert f"in Slurm job {job}" in job_log
        details = scontrol(job)
        assert "JobState=COMPLETED" in details
        assert "Account=survey-project" in details
        assert "Partition=debug" in details
    # the aggregates ran here, not in Slurm
    assert "in Slurm job" not in (fresh.workdir / "logs/summarise.log").read_text()
    assert (fresh.results / "stats.tsv").read_bytes() == local_result

    again = fresh.snakemake(*SLURM, *BLOCKS, env=env)
    assert again.nothing_to_do()
    assert slurm_jobs(again) == {}


def test_failed_block_names_its_slurm_log_and_only_it_runs_again(slurm, fresh):
    bad = fresh.data / "River" / "River_3.jpg"
    good = bad.read_bytes()
    bad.write_bytes(good[: len(good) // 3])  # a truncated JPEG
    run = fresh.snakemake(*SLURM, *BLOCKS, "on_error=fail", check=False)
    assert run.returncode != 0
    # the block failed, and failed again on its one retry (profile: retries: 1)
    failed = re.findall(r"SLURM-job '(\d+)' failed", run.output)
    logs = [slurm_jobs(run)[job] for job in failed]
    assert len(failed) == 2
    assert len({Path(log).parent for log in logs}) == 1  # the same block
    for log in logs:
        assert log in run.output
        # its Slurm log says which file and why
        assert "River/River_3.jpg: damaged or truncated image" in Path(log).read_text()
    # --keep-going (in the profile): the other blocks finished
    blocks = fresh.planned_blocks()
    assert len(fresh.block_tables()) == len(blocks) - 1
    assert not (fresh.results / "stats.tsv").exists()

    bad.write_bytes(good)
    rerun = fresh.snakemake(*SLURM, *BLOCKS, "on_error=fail")
    assert len(slurm_jobs(rerun)) == 1
    assert len(fresh.block_tables()) == len(blocks)
    assert "River/River_3.jpg" in (fresh.results / "stats.tsv").read_text()


def submit_allocation(
    project: Project, sbatch: list[str], snakemake: list[str]
) -> subprocess.CompletedProcess:
    """Submit profiles/slurm/run-in-allocation.sbatch, sized for this cluster."""
    wrapper = project.root / "profiles" / "slurm" / "run-in-allocation.sbatch"
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}")
    return subprocess.run(
        [
            "sbatch",
            "--cpus-per-task=2",  # all this test cluster has
            "--mem-per-cpu=500M",
            *sbatch,
            str(wrapper),
            "--directory",
            ".test",
            *snakemake,
        ],
        cwd=project.root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_one_allocation_runs_the_whole_workflow(slurm, fresh, local_result):
    done = submit_allocation(fresh, ["--wait"], BLOCKS)
    job = re.search(r"Submitted batch job (\d+)", done.stdout).group(1)
    output = (fresh.root / f"slurm-image-survey-{job}.out").read_text()
    assert done.returncode == 0, output
    assert (fresh.results / "stats.tsv").read_bytes() == local_result
    # everything ran inside the one allocation, nothing was submitted from it
    assert "has been submitted with SLURM jobid" not in output
    block_log = next((fresh.workdir / "logs" / "process_block").iterdir()).read_text()
    assert f"in Slurm job {job}" in block_log


def job_state(job: str) -> str:
    out = subprocess.run(
        ["squeue", "--noheader", "--jobs", job, "--format", "%T"],
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def test_allocation_stopped_before_walltime_continues_when_submitted_again(
    slurm, fresh, many_images, uninterrupted
):
    """Stopped while a block job waits at the gate (tests/analyses/
    gated_brightness.py), after one block was done: the next submission does
    the rest, and nothing finished again."""
    project = gated(fresh)
    config = many_config(many_images, GATED)
    project.snakemake("plan_blocks", *config)
    first = project.planned_blocks()[0]
    project.snakemake(f"results/blocks/{first}.tsv", *config)
    finished = project.block_tables()
    assert list(finished) == [first]
    (project.workdir / "gate").mkdir()
    submitted = submit_allocation(project, ["--parsable"], config)
    assert submitted.returncode == 0, submitted.stderr
    job = submitted.stdout.strip().split(";")[0]
    try:
        running = block_of(paused_job(project))
        # what the wrapper's --signal=B:INT@120 makes Slurm send before the walltime
        subprocess.run(
            ["scancel", "--batch", "--signal=INT", job], check=True, timeout=60
        )
        # the signal reaches snakemake alone, which waits for its running jobs
        (project.workdir / "gate" / "open").touch()
        deadline = time.monotonic() + 300
        while job_state(job):
            assert time.monotonic() < deadline, f"job {job} ignored SIGINT"
            time.sleep(0.2)
    finally:
        (project.workdir / "gate" / "open").touch()
        subprocess.run(["scancel", job], check=False)
    output = (project.root / f"slurm-image-survey-{job}.out").read_text()
    assert "Terminating processes on user request" in output, output
    assert not (project.results / "stats.tsv").exists()  # no job started after
    stopped = project.block_tables()
    assert running in stopped  # the running job was let finish
    assert len(stopped) < len(project.planned_blocks())
    shutil.rmtree(project.workdir / "gate")
    # no lock left behind: the same submission simply continues
    again = submit_allocation(project, ["--wait"], config)
    job = re.search(r"Submitted batch job (\d+)", again.stdout).group(1)
    output = (project.root / f"slurm-image-survey-{job}.out").read_text()
    assert again.returncode == 0, output
    assert (project.results / "stats.tsv").read_bytes() == uninterrupted
    after = project.block_tables()
    assert {b: after[b] for b in stopped} == stopped  # finished ones not redone
