"""Fixtures that run the real workflow in a temporary copy of the repository."""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "perf"))
import generate  # noqa: E402

BIN = Path(sys.executable).parent
WORKFLOW_FILES = ["Snakefile", "workflow", "config", "profiles"]
RULE_LINE = re.compile(r"^(?:local)?(?:rule|checkpoint) (\w+):$", re.MULTILINE)
# In CI, a test that README says runs for real must not skip for want of what
# it needs: it fails, so that a broken setup cannot pass unnoticed.
IN_CI = os.environ.get("CI") == "true"


def require(condition: bool, reason: str) -> None:
    """Skip when ``condition`` is false, or fail in CI."""
    if not condition:
        if IN_CI:
            pytest.fail(f"CI=true, and this test cannot run: {reason}")
        pytest.skip(reason)


@dataclass
class Run:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def rules(self) -> Counter:
        """How many jobs of each rule Snakemake started (or, in a dry run,
        would start)."""
        return Counter(RULE_LINE.findall(self.output))

    def nothing_to_do(self) -> bool:
        return "Nothing to be done" in self.output


class Project:
    """A copy of the workflow with the .test dataset, run as CI runs it:
    ``snakemake --directory .test``."""

    def __init__(self, root: Path):
        self.root = root
        self.workdir = root / ".test"
        self.data = self.workdir / "data"
        self.results = self.workdir / "results"

    @classmethod
    def create(cls, root: Path) -> Project:
        root.mkdir(parents=True, exist_ok=True)
        ignore = shutil.ignore_patterns("__pycache__")
        for name in WORKFLOW_FILES:
            src = REPO / name
            if src.is_dir():
                shutil.copytree(src, root / name, ignore=ignore)
            else:
                shutil.copy2(src, root / name)
        for name in ("config", "config-custom", "data", "analyses"):
            shutil.copytree(REPO / ".test" / name, root / ".test" / name)
        return cls(root)

    def copy_to(self, root: Path) -> Project:
        """A copy with every file's modification time, .snakemake included."""
        shutil.copytree(self.root, root, symlinks=True)
        return Project(root)

    @staticmethod
    def command(*args: str) -> list[str]:
        return [str(BIN / "snakemake"), "--directory", ".test", "--cores", "2", *args]

    @staticmethod
    def environment(extra: dict | None = None) -> dict:
        env = dict(os.environ, **(extra or {}))
        # a run must write no bytecode by itself, wherever it runs: tests see
        # the environment of a new user, who does not set this
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PATH"] = f"{BIN}{os.pathsep}{env['PATH']}"
        return env

    def snakemake(
        self, *args: str, check: bool = True, timeout: int = 600, env=None
    ) -> Run:
        cmd = self.command(*args)
        proc = subprocess.run(
            cmd,
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=self.environment(env),
        )
        run = Run(cmd, proc.returncode, proc.stdout, proc.stderr)
        if check and proc.returncode != 0:
            pytest.fail(f"{' '.join(cmd)} failed ({proc.returncode}):\n{run.output}")
        return run

    def stats(self) -> list[dict]:
        return read_tsv(self.results / "stats.tsv")

    def images(self) -> list[str]:
        """The .test images, relative to the data folder, sorted."""
        return sorted(
            str(p.relative_to(self.data))
            for p in self.data.rglob("*")
            if p.suffix.lower() in (".jpg", ".jpeg", ".png", ".tif", ".tiff")
        )

    def block_tables(self) -> dict[str, int]:
        """Block name -> modification time of its table, to see which ran."""
        return {
            p.stem: p.stat().st_mtime_ns
            for p in (self.results / "blocks").glob("*.tsv")
        }

    def block_members(self) -> dict[str, list[str]]:
        """Block name -> the images its table lists."""
        return {
            p.stem: [row["path"] for row in read_block_table(p)]
            for p in (self.results / "blocks").glob("*.tsv")
        }

    def planned_blocks(self) -> list[str]:
        """The blocks of the plan the last run wrote (results/plan/blocks.tsv)."""
        return [row["block"] for row in read_tsv(self.results / "plan" / "blocks.tsv")]

    def snapshot(self) -> dict[str, tuple[int, int]]:
        """Every file below the root, (size, modification time), but for
        Snakemake's own bookkeeping in .snakemake/ (its logs and caches)."""
        return {
            str(p.relative_to(self.root)): (p.lstat().st_size, p.lstat().st_mtime_ns)
            for p in self.root.rglob("*")
            if (p.is_file() or p.is_symlink()) and ".snakemake" not in p.parts
        }


def module_user(folder: Path, project: Project, snakefile: str) -> Path:
    """A workflow of a user's own beside ``project``'s copy of this one, as
    README lays it out: ``snakefile`` as its workflow/Snakefile, the config
    (input_dir: data) and the .test images in data/."""
    (folder / "workflow").mkdir(parents=True)
    shutil.copytree(project.root / "config", folder / "config")
    shutil.copytree(project.data, folder / "data")
    text = (folder / "config/config.yaml").read_text()
    (folder / "config/config.yaml").write_text(
        re.sub(r"(?m)^input_dir:.*$", "input_dir: data", text)
    )
    (folder / "workflow/Snakefile").write_text(snakefile)
    return folder


def run_module_user(folder: Path, project: Project) -> None:
    """``snakemake --cores 2`` in a workflow made by ``module_user``."""
    proc = subprocess.run(
        [str(BIN / "snakemake"), "--cores", "2"],
        cwd=folder,
        env=project.environment(),
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def read_tsv(path: Path) -> list[dict]:
    """A table the workflow wrote, read by Python's csv module (not by the
    project's own reader): tab-separated, a header, cells quoted as CSV does."""
    with open(path, encoding="utf-8", newline="") as fh:
        return _rows(fh)


def read_block_table(path: Path) -> list[dict]:
    """A block table: a first line starting with '#', then a table whose first
    column is ``path``."""
    with open(path, encoding="utf-8", newline="") as fh:
        first = fh.readline()
        assert first.startswith("#"), f"{path}: {first!r}"
        rows = _rows(fh)
    assert rows == [] or next(iter(rows[0])) == "path"
    return rows


def _rows(fh) -> list[dict]:
    header, *rows = csv.reader(fh, delimiter="\t", strict=True)
    return [dict(zip(header, row, strict=True)) for row in rows]


@pytest.fixture(scope="session")
def completed_project(tmp_path_factory) -> Project:
    """One complete run of the workflow on .test, made once per session."""
    project = Project.create(tmp_path_factory.mktemp("baseline") / "repo")
    project.snakemake()
    return project


@pytest.fixture
def completed(completed_project, tmp_path) -> Project:
    """A private copy of the completed run, for a test to change and run again."""
    return completed_project.copy_to(tmp_path / "repo")


@pytest.fixture
def fresh(tmp_path) -> Project:
    """The workflow and .test data, never run."""
    return Project.create(tmp_path / "repo")


@pytest.fixture(scope="session")
def many_images(tmp_path_factory) -> Path:
    """2,700 EuroSAT-like images: enough for a run to be caught mid-way."""
    data = tmp_path_factory.mktemp("many") / "data"
    generate.generate(str(data), scale=0.1, seed=1, jobs=2)
    return data


def many_config(data: Path, *extra: str) -> list[str]:
    return ["--config", f"input_dir={data}", "block_size=300", *extra]


@pytest.fixture(scope="session")
def uninterrupted(tmp_path_factory, many_images) -> bytes:
    """The table of a run on many_images that nobody interrupted."""
    project = Project.create(tmp_path_factory.mktemp("uninterrupted") / "repo")
    project.snakemake("--profile", "profiles/local", *many_config(many_images))
    return (project.results / "stats.tsv").read_bytes()
