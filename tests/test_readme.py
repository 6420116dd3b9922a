"""README's own path, its numbers, and the files around it for forges and
the Snakemake workflow catalog."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import REPO, read_tsv

README = (REPO / "README.md").read_text()


def section(title: str) -> str:
    """The text of README's '## title' section, up to the next '## '."""
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end > 0 else None]


def tracked_files() -> list[str]:
    out = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True
    ).stdout
    return [name for name in out.decode().split("\0") if name]


@pytest.fixture(scope="module")
def fresh_clone(tmp_path_factory) -> Path:
    """The repository's tracked files, as a clone has them: no .venv, no
    results."""
    root = tmp_path_factory.mktemp("clone")
    for name in tracked_files():
        if (REPO / name).exists():  # deleted in the work tree, not committed
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, root / name)
    return root


def environment_of_a_user() -> dict[str, str]:
    """This environment, with a PATH without this suite's venv: dev.sh
    makes its own."""
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    env["PATH"] = os.pathsep.join(
        p for p in env["PATH"].split(os.pathsep) if not p.startswith(str(REPO))
    )
    return env


def test_quick_start_runs_as_written(fresh_clone):
    """`./dev.sh run`, then the report command README gives, with nothing
    but requirements.txt installed."""
    quick = section("Quick start")
    assert "./dev.sh run" in quick and "./dev.sh test" in quick
    report_cmd = ".venv/bin/snakemake --report report.html"
    assert report_cmd in quick
    env = environment_of_a_user()
    for cmd in (["./dev.sh", "run"], report_cmd.split()):
        proc = subprocess.run(
            cmd, cwd=fresh_clone, env=env, capture_output=True, text=True
        )
        assert proc.returncode == 0, f"{cmd}:\n{proc.stdout}\n{proc.stderr}"
    installed = subprocess.run(
        [str(fresh_clone / ".venv/bin/python"), "-m", "pip", "freeze"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.lower()
    assert "pytest" not in installed  # requirements.txt alone
    # no Slurm plugin, and so no pandas: Snakemake would import both at
    # every start (README: "Usage")
    pins = {line.split("==")[0] for line in installed.split()}
    assert "pandas" not in pins
    assert "snakemake-executor-plugin-slurm" not in pins
    found = sum(
        1
        for p in (fresh_clone / ".test/data").rglob("*")
        if p.suffix.lower() in (".jpg", ".jpeg", ".png", ".tif", ".tiff")
    )
    stats = read_tsv(fresh_clone / "results/stats.tsv")
    rejected = read_tsv(fresh_clone / "results/rejected.tsv")
    assert len(stats) + len(rejected) == found
    assert f"{found} sample images" in quick
    assert "Overview" in (fresh_clone / "report.html").read_text()


def benchmark_tables() -> str:
    return "\n".join(p.read_text() for p in (REPO / "perf/results").glob("*/table.md"))


def test_setup_slurm_adds_the_slurm_plugin(fresh_clone):
    """README's `./dev.sh setup slurm`: the environment of the quick start,
    and the Slurm executor plugin at its pinned version, which Snakemake
    then offers."""
    assert "./dev.sh setup slurm" in section("Usage")
    proc = subprocess.run(
        ["./dev.sh", "setup", "slurm"],
        cwd=fresh_clone,
        env=environment_of_a_user(),
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    python = str(fresh_clone / ".venv/bin/python")
    installed = subprocess.run(
        [python, "-m", "pip", "freeze"], capture_output=True, text=True, check=True
    ).stdout.lower()
    pins = (fresh_clone / "requirements-slurm.txt").read_text().lower().split()
    for pin in (p for p in pins if "==" in p):
        assert pin in installed.split(), pin
    usage = subprocess.run(
        [python, "-m", "snakemake", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "--slurm-" in usage  # the plugin's own options


def test_every_performance_number_is_one_the_benchmark_printed():
    """Each table row and each table's heading line in README's Performance
    section stands, character for character, in a committed benchmark
    output."""
    printed = benchmark_tables()
    perf = section("Performance")
    lines = [line for line in perf.splitlines() if line.startswith("| ")]
    headings = [
        line for line in perf.splitlines() if re.match(r"^[\d,]+ images \(", line)
    ]
    assert len(lines) > 20 and headings
    for line in lines + headings:
        assert line in printed, line
    for link in re.findall(r"\]\((perf/results/[^)]+)\)", README):
        assert (REPO / link).exists(), link


def test_the_progress_example_comes_from_the_command_beside_it(fresh):
    """README's progress lines are what the command it names prints."""
    text = section("Progress and logs")
    example = re.findall(r"^\d+ of \d+ images done.*$", text, re.MULTILINE)
    assert example
    # one core: the blocks run one at a time, largest first, so the order of
    # the lines is fixed
    run = fresh.snakemake("--cores", "1", "--config", "block_size=40")
    assert "--cores 1 --config block_size=40" in text
    printed = re.findall(r"^\d+ of \d+ images done.*$", run.output, re.MULTILINE)
    assert printed == example


def readme_commands() -> str:
    """Every command README shows, in code blocks or inline code."""
    blocks = re.findall(r"```sh\n(.*?)```", README, re.DOTALL)
    inline = re.findall(r"`([^`\n]+)`", README)
    return "\n".join(blocks + inline)


def test_forge_ci_is_valid_and_runs_only_readme_commands():
    files = sorted((REPO / ".github/workflows").glob("*.yml"))
    assert files
    named = readme_commands()
    steps = 0
    for path in files:
        spec = yaml.safe_load(path.read_text())
        assert spec["jobs"], path
        for job in spec["jobs"].values():
            assert job["runs-on"] and job["steps"]
            for step in job["steps"]:
                assert ("uses" in step) != ("run" in step), step
                if "run" in step:
                    steps += 1
                    for command in step["run"].strip().splitlines():
                        assert command in named, f"{path.name}: {command}"
    ci = " ".join(
        str(step.get("run", ""))
        for p in files
        for j in yaml.safe_load(p.read_text())["jobs"].values()
        for step in j["steps"]
    )
    for needed in ("lint", "--report report.zip", ".ci/run", "./dev.sh run"):
        assert needed in ci, needed


def test_catalog_file_describes_this_workflow():
    spec = yaml.safe_load((REPO / ".snakemake-workflow-catalog.yml").read_text())
    usage = spec["usage"]
    assert usage["report"] is True
    assert usage["software-stack-deployment"]["conda"] is True
    assert list((REPO / "workflow/envs").glob("*.yaml"))
    flags = usage["mandatory-flags"]["flags"]
    assert flags in readme_commands()
    # every setting the description names exists
    for name in re.findall(r"--profile (\S+)", usage["mandatory-flags"]["desc"]):
        assert (REPO / name / "config.yaml").exists(), name
    assert "input_dir" in yaml.safe_load((REPO / "config/config.yaml").read_text())


def test_one_image_first_as_readme_writes_it(fresh):
    """The first command of "Run it on your images", on the sample data."""
    block = section("Run it on your images")
    line = next(
        x for x in block.splitlines() if x.startswith("snakemake") and ".png" in x
    )
    args = shlex.split(line.replace("/data/EuroSAT_RGB", "data"))
    assert args[0] == "snakemake"
    run = fresh.snakemake(*args[1:])
    target = next(a for a in args if a.endswith(".png"))
    assert (fresh.workdir / target).exists()
    assert run.rules()["process_image"] == 1
    made = [p for p in (fresh.results / "greyscale").rglob("*.png")]
    assert len(made) == 1
