"""The conventions of a model Snakemake workflow, checked with the real tools."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import yaml
from conftest import BIN, REPO

SCHEMA = yaml.safe_load((REPO / "workflow/schemas/config.schema.yaml").read_text())
PROPERTIES = SCHEMA["properties"]


def tool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / args[0]), *args[1:]],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_snakemake_lint_is_clean():
    run = tool("snakemake", "--lint", "--cores", "1")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Congratulations" in run.stdout + run.stderr


def test_snakefmt_is_clean():
    run = tool("snakefmt", "--check", ".")
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize("args", [["check", "."], ["format", "--check", "."]])
def test_ruff_is_clean(args):
    run = tool("ruff", *args)
    assert run.returncode == 0, run.stdout + run.stderr


def test_every_config_key_has_a_type_description_and_default():
    assert SCHEMA["additionalProperties"] is False
    for key, spec in PROPERTIES.items():
        assert {"type", "description", "default"} <= set(spec), key


def test_config_file_sets_exactly_the_schema_defaults():
    config = yaml.safe_load((REPO / "config/config.yaml").read_text())
    assert config == {key: spec["default"] for key, spec in PROPERTIES.items()}


def test_config_readme_explains_every_key_with_its_default():
    readme = (REPO / "config/README.md").read_text()
    sections = re.findall(r"^### `(\w+)`$", readme, re.MULTILINE)
    assert sections == list(PROPERTIES)
    for key, spec in PROPERTIES.items():
        body = readme.split(f"### `{key}`", 1)[1].split("\n### ", 1)[0]
        default = spec["default"]
        if isinstance(default, bool):
            shown = str(default).lower()
        elif isinstance(default, list):
            shown = "[" + ", ".join(default) + "]"
        elif default is None:
            shown = "null"  # as YAML writes it
        else:
            shown = default
        assert f"Default: `{shown}`" in body, key


def test_every_rule_has_a_log():
    for smk in (REPO / "workflow/rules").glob("*.smk"):
        text = smk.read_text()
        for rule in re.split(r"^(?=(?:rule|checkpoint) )", text, flags=re.MULTILINE):
            if rule.startswith(("rule ", "checkpoint ")):
                assert "\n    log:" in rule, f"{smk.name}: {rule.splitlines()[0]}"


def test_scripts_are_thin_adapters():
    """Logic lives in the importable package; a script only wires it up."""
    for script in (REPO / "workflow/scripts").glob("*.py"):
        code = script.read_text()
        assert not re.search(r"^\s*(def|class) ", code, re.MULTILINE), script.name
        assert len(code.splitlines()) <= 30, script.name


def test_python_is_311_or_newer():
    assert sys.version_info >= (3, 11)


def pinned_requirements(file: str = "requirements.txt") -> dict[str, str]:
    pins = {}
    for line in (REPO / file).read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==")
            pins[name.lower()] = version
    return pins


def test_the_slurm_requirements_add_to_the_workflows_and_are_installed():
    """requirements-slurm.txt is requirements.txt and the Slurm plugin with
    what only it needs (pandas among them, which requirements.txt leaves out
    so that local runs start faster); this suite runs with both installed,
    at the pinned versions."""
    from importlib.metadata import version

    workflow = pinned_requirements()
    slurm = pinned_requirements("requirements-slurm.txt")
    assert "-r requirements.txt" in (REPO / "requirements-slurm.txt").read_text()
    assert "snakemake-executor-plugin-slurm" in slurm and "pandas" in slurm
    assert not set(workflow) & set(slurm)
    assert "pandas" not in workflow
    for name, pinned in {**workflow, **slurm}.items():
        assert version(name) == pinned, name


def test_conda_environments_pin_the_versions_pip_installs():
    """CI tests the pip route; the conda files must describe the same stack."""
    pins = pinned_requirements()
    conda_to_pip = {"python-isal": "isal"}
    envs = list((REPO / "workflow/envs").glob("*.yaml"))
    assert envs
    for env in envs:
        for dependency in yaml.safe_load(env.read_text())["dependencies"]:
            name, version = (part.strip() for part in dependency.split("="))
            if name == "python":
                assert version == "3.11", env.name
            else:
                assert pins[conda_to_pip.get(name, name)] == version, (env.name, name)


def test_every_rule_uses_a_conda_environment_that_exists():
    for smk in (REPO / "workflow/rules").glob("*.smk"):
        for env in re.findall(r'conda:\s*\n\s*"([^"]+)"', smk.read_text()):
            assert (smk.parent / env).resolve().exists(), (smk.name, env)


def test_the_scheduler_timer_is_snakemakes_and_is_cancelled():
    """The workflow cancels the rate limiter's leftover timer at exit
    (perimage.state.cancel_scheduler_timer). That relies on Snakemake's
    private JobScheduler._schedule_reevalutation: when an upgrade changes
    it, this test fails instead of runs silently taking 10 s longer."""
    import threading

    from perimage import state
    from snakemake.scheduling.job_scheduler import JobScheduler

    class Scheduler:
        _open_jobs = threading.Semaphore(0)

    other = threading.Timer(600, lambda: None)
    other.start()
    try:
        JobScheduler._schedule_reevalutation(Scheduler(), 600)
        timers = [
            t
            for t in threading.enumerate()
            if isinstance(t, threading.Timer) and not t.daemon and t is not other
        ]
        assert len(timers) == 1
        assert state.cancel_scheduler_timer() == 1
        timers[0].join(10)
        assert not timers[0].is_alive()
        assert other.is_alive()  # someone else's timer is left alone
    finally:
        other.cancel()


def test_the_snakemake_version_the_workflow_is_known_for():
    import snakemake

    pins = pinned_requirements()
    assert snakemake.__version__ == pins["snakemake"]


def test_engine_files_lists_every_file_a_module_needs():
    """A module read from git gets only the files engine-files.txt names (see
    workflow/rules/engine.smk): every Python file below workflow/scripts."""
    scripts = REPO / "workflow/scripts"
    listed = (scripts / "engine-files.txt").read_text().split()
    present = sorted(
        str(p.relative_to(scripts))
        for p in scripts.rglob("*.py")
        if "__pycache__" not in p.parts
    )
    assert sorted(listed) == present


def test_the_conda_environment_holds_every_package_a_job_imports():
    """Jobs import the engine and, of what is not in Python itself, only
    what workflow/envs/workflow.yaml installs (and Snakemake's packages: the
    script preamble puts Snakemake on the path, and progress.py runs in
    snakemake's own process)."""
    import ast
    from importlib.metadata import packages_distributions

    distributions = packages_distributions()
    conda_to_pip = {"python-isal": "isal"}
    env = yaml.safe_load((REPO / "workflow/envs/workflow.yaml").read_text())
    installed = {
        conda_to_pip.get(name, name).lower()
        for name in (d.split("=")[0].strip() for d in env["dependencies"])
    }
    scripts = REPO / "workflow/scripts"
    own = {p.name for p in scripts.iterdir() if p.is_dir()}
    imported = set()
    for path in scripts.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and not node.level:
                imported.add(node.module.split(".")[0])
    third_party = {
        name
        for name in imported - set(sys.stdlib_module_names) - own
        if not name.startswith("snakemake")
    }
    assert third_party  # Pillow at least
    for name in sorted(third_party):
        needed = {d.lower() for d in distributions.get(name, [name])}
        assert needed & installed, (name, needed)
