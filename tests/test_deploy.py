"""Deployed as the Snakemake workflow catalog deploys a workflow: a module
read from a git tag, beside a config and a rule of the user's own, exactly as
README's "Deploy it as a module" shows it, with gitfile(...) (a clone on this
disk) in place of github(...)."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import BIN, REPO, read_tsv, require
from PIL import Image, ImageStat

README = (REPO / "README.md").read_text()
TAG = "v0.0.0-test"


def deployment() -> str:
    start = README.index("\n### Deploy it as a module\n")
    return README[start : README.index("\n## ", start)]


def git(*args: str, cwd: Path) -> None:
    env = dict(
        os.environ,
        GIT_AUTHOR_NAME="test",
        GIT_AUTHOR_EMAIL="test@localhost",
        GIT_COMMITTER_NAME="test",
        GIT_COMMITTER_EMAIL="test@localhost",
    )
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


@pytest.fixture(scope="module")
def repository(tmp_path_factory) -> Path:
    """This repository's files, committed and tagged ``TAG``; then a later
    commit whose engine cannot be imported, which a deployment of the tag
    must never see."""
    require(shutil.which("git") is not None, "git is not installed")
    root = tmp_path_factory.mktemp("repository")
    names = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, names.split("\0")):
        if (REPO / name).is_file():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, root / name)
    git("init", "-q", cwd=root)
    git("add", "-A", cwd=root)
    git("commit", "-q", "-m", "release", cwd=root)
    git("tag", TAG, cwd=root)
    (root / "workflow/scripts/perimage/__init__.py").write_text(
        "raise ImportError('not the tagged engine')\n"
    )
    git("commit", "-q", "-a", "-m", "after the release", cwd=root)
    return root


def deploy(folder: Path, repository: Path) -> Path:
    """What snakedeploy makes: the tag's config/ (input_dir set to the sample
    images) and README's workflow/Snakefile, read from the tag by gitfile()."""
    snippet = re.findall(r"```python\n(.*?)```", deployment(), re.DOTALL)[0]
    github = re.search(
        r'github\("<owner>/<repository>", path="([^"]+)", tag="<version>"\)', snippet
    )
    assert github, snippet
    (folder / "workflow").mkdir(parents=True)
    (folder / "workflow/Snakefile").write_text(
        snippet.replace(
            github[0],
            f"gitfile({str(repository)!r}, path={github[1]!r}, tag={TAG!r})",
        )
    )
    shutil.copytree(repository / "config", folder / "config")
    config = folder / "config/config.yaml"
    config.write_text(
        re.sub(r"(?m)^input_dir:.*$", "input_dir: data", config.read_text())
    )
    shutil.copytree(REPO / ".test/data", folder / "data")
    return folder


def readme_command() -> list[str]:
    block = re.findall(r"```sh\n(.*?)```", deployment(), re.DOTALL)[-1]
    return shlex.split(block.strip())


def snakemake(folder: Path, args: list[str]) -> subprocess.CompletedProcess:
    assert args[0] == "snakemake"
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("PYTHONPATH", None)
    return subprocess.run(
        [str(BIN / "snakemake"), *args[1:]],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
    )


def files(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file() and ".snakemake" not in p.parts
    }


def test_a_module_from_a_git_tag_runs_beside_a_rule_of_the_users_own(
    tmp_path, repository
):
    mine = deploy(tmp_path / "my-survey", repository)
    run = snakemake(mine, readme_command())
    assert run.returncode == 0, run.stdout + run.stderr

    stats = read_tsv(mine / "results/stats.tsv")
    images = sorted(
        str(p.relative_to(mine / "data")) for p in (mine / "data").rglob("*.jpg")
    )
    assert [row["path"] for row in stats] == images
    means = {}
    for row in stats:
        with Image.open(mine / "data" / row["path"]) as im:
            grey = ImageStat.Stat(im.convert("L"))
        assert (int(row["min"]), int(row["max"])) == grey.extrema[0]
        assert float(row["mean"]) == grey.mean[0]
        means[row["path"]] = grey.mean[0]
    # the user's rule read the table: the ten brightest, by Pillow's means
    listed = [
        line.split("\t") for line in (mine / "brightest.tsv").read_text().splitlines()
    ]
    assert len(listed) == 10
    assert all(float(mean) == means[path] for path, mean in listed)
    assert sorted(float(m) for _, m in listed) == sorted(means.values())[-10:]

    # the jobs imported the tag's engine, copied below .snakemake/
    copies = list((mine / ".snakemake/perimage-engine").glob("*/perimage/runner.py"))
    assert len(copies) == 1
    # (read through `git show`, which drops a file's last newline)
    assert copies[0].read_bytes().rstrip(b"\n") == (
        (repository / "workflow/scripts/perimage/runner.py").read_bytes().rstrip(b"\n")
    )

    again = snakemake(mine, readme_command())
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Nothing to be done" in again.stdout + again.stderr


def test_a_dry_run_of_the_module_writes_no_file_of_the_users(tmp_path, repository):
    mine = deploy(tmp_path / "my-survey", repository)
    before = files(mine)
    run = snakemake(mine, [*readme_command(), "-n"])
    assert run.returncode == 0, run.stdout + run.stderr
    assert "plan_blocks" in run.stdout
    assert files(mine) == before
