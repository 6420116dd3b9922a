"""What Snakemake needs to know about the files, for ``common.smk``.

Everything here only looks (one ``stat`` per image and per output, one read
per block table, each at most once, in two processes side by side); nothing
writes, so a dry run, a report or a lint changes no file. The values become
params of the rules, and Snakemake's params trigger turns a changed value
into a job to run:

- the plan's digest: the checkpoint runs again when the set of images changes
  (a checkpoint whose output exists is otherwise never looked at again);
- a block's sources: a fingerprint of its images' sizes and modification
  times;
- a block's state: the token its table recorded, or a new one when an output
  the table lists is missing or has another size than recorded
  (``outputcheck``). The job writes the token it was given into its new
  table, so that once repaired the value matches again;
- the code version: a digest of a script, the modules it imports and, for
  the process rules, the analysis and the libraries that decode and encode.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from functools import cache

from . import (
    analysis,
    archive,
    codeversion,
    figures,
    inventory,
    layout,
    outputcheck,
    results,
)
from .plan import PlanFolder, Selection

# The share of the images whose ``stat`` the outputs' check makes, beside
# its own one per output, so that it ends about when the listing does (at a
# million images on two cores: with 0.3 the listing waited for the check).
EXAMINED_BESIDE = 0.2
# Libraries whose version can change an image's pixels or numbers.
LIBRARIES = ("pillow", "simplejpeg", "isal", "numpy")


class State:
    """The workflow's view of input_dir, the plan and the block tables."""

    def __init__(self, config: dict, scripts_dir: str):
        self.config = config
        self.scripts_dir = scripts_dir

    def start_looking(self) -> None:
        """Snakemake's main process, while it parses the workflow: check the
        block tables' outputs, and the images of the plan's last blocks, in
        a process of its own (a core of its own) while this one lists
        input_dir (``look``) and examines the rest."""
        plan = PlanFolder(results.PLAN)
        if os.path.exists(plan.sizes_path):
            beside, self._defer_from = examined_beside(self.config, plan)
            args = [self.config["input_dir"], *beside] if beside else []
            env = dict(os.environ, PYTHONPATH=self.scripts_dir)
            self._checking = subprocess.Popen(
                [sys.executable, "-m", "perimage.outputcheck", *args],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=env,
            )
        self.look()

    @cache  # noqa: B019 - one State per Snakemake process
    def look(self) -> Selection | None:
        """The images to plan, listed once per run with a ``stat`` of each
        and kept as columns (an object per image would cost hundreds of
        megabytes at a million): the plan's digest and its blocks'
        fingerprints come from it. None before the first plan, which lists
        the folder itself: then only whether it has any image to plan. With
        an image list (``images``), its images instead of the folder's, the
        list checked on every start."""
        c = self.config
        first = PlanFolder(results.PLAN).recorded() is None
        if c["images"]:  # no stat before a first plan: the plan job reads it
            listed = Selection.listed(
                c["input_dir"],
                c["images"],
                patterns=c["include"],
                limit=c["limit"],
                with_stat=not first,
                taken=self.report().columns,
            )
            return None if first else listed
        if first and inventory.has_images(
            c["input_dir"], c["extensions"], c["include"]
        ):
            return None
        return Selection.scan(
            c["input_dir"],
            extensions=c["extensions"],
            patterns=c["include"],
            limit=c["limit"],
            defer_from=getattr(self, "_defer_from", None),
        )

    @cache  # noqa: B019
    def plan_token(self) -> str:
        """The checkpoint's param: "" for the first plan; then the token the
        plan recorded while the images are the ones it planned, else their
        digest (the plan records the param it ran with: so the param stays
        what Snakemake recorded until the images change)."""
        recorded = PlanFolder(results.PLAN).recorded()
        digest = self._digest()
        if recorded is None or digest is None:
            return ""
        planned, token = recorded
        return token if digest == planned else digest

    @cache  # noqa: B019
    def _digest(self) -> str | None:
        selection = self.look()
        return (
            None if selection is None else selection.digest(self.config["block_size"])
        )

    def block_state(self, block: str, plan: PlanFolder, main: bool) -> str:
        """The block's param (``outputcheck.block_state``): in Snakemake's
        main process from the check started with ``start_looking`` and from
        the listing; in a job that Slurm runs (it parses the workflow again,
        without listing the folder) from its table and a ``stat`` of each of
        its images."""
        checked = self._checked()["tables"] if main else {}
        if block in checked:
            token, recorded = checked[block]
        else:
            token, recorded = outputcheck.table_state(results.table_path(block))
        if recorded is None:
            return token  # no table: the block runs anyway
        selection = self.look()
        if main and selection is not None:
            listing = selection.selected
            start, stop = _runs(plan.path)[block]
            now = None
            if listing.deferred(start, stop):
                # the check's, if it examined the block of this very selection
                if self._checked()["digest"] == self._digest():
                    now = self._checked()["images"].get(block)
                if now is None:
                    listing.examine(self.config["input_dir"], start, stop)
            if now is None:
                now = listing.fingerprint(start, stop)
        else:
            members = plan.manifest(block)["images"]
            now = inventory.stat_files(self.config["input_dir"], members).fingerprint()
        return outputcheck.block_state(token, recorded, now)

    @cache  # noqa: B019
    def _checked(self) -> dict:
        """What ``outputcheck`` found: ``tables`` (block -> its table's
        state), ``images`` (block -> fingerprint) and the plan's ``digest``
        when it looked."""
        checking = getattr(self, "_checking", None)
        if checking is None:
            return {"tables": {}, "images": {}, "digest": None}
        out, err = checking.communicate()
        if checking.returncode:
            raise RuntimeError(
                f"checking the outputs of the block tables failed:\n{err.decode()}"
            )
        found = json.loads(out)
        found["tables"] = {b: tuple(state) for b, state in found["tables"].items()}
        return found

    @cache  # noqa: B019
    def process_version(self) -> str:
        """The version of everything that makes an image's outputs: the
        engine's runner and the modules it imports, the analysis, the
        libraries, and the settings that change the files written. (Editing
        a rule's script alone re-runs its jobs through Snakemake's code
        trigger; their outputs are then still reused.)"""
        runner = os.path.join(self.scripts_dir, "perimage", "runner.py")
        files = codeversion.source_files(runner, [self.scripts_dir], "perimage")
        spec = analysis.Spec.parse(self.config["analysis"])
        files += spec.source_files([self.scripts_dir])
        libraries = [f"{name}=={_version(name)}" for name in LIBRARIES]
        c = self.config
        settings = (
            f"{c['analysis']} save_images={c['save_images']}"
            f" records={c['write_records']}"
        )
        return codeversion.digest(sorted(set(files)), *libraries, settings)

    @cache  # noqa: B019
    def code_version(self, script: str) -> str:
        path = os.path.join(self.scripts_dir, script)
        return codeversion.digest(codeversion.source_files(path, [self.scripts_dir]))

    @cache  # noqa: B019
    def report(self) -> figures.Report:
        return analysis.Spec.parse(self.config["analysis"]).report()

    def figures_code_version(self, script: str) -> str:
        """The figures' script, the modules it imports, and the module that
        draws the analysis's figures (named by its report, not imported)."""
        path = os.path.join(self.scripts_dir, os.path.basename(script))
        files = codeversion.source_files(path, [self.scripts_dir])
        spec = analysis.Spec.parse(self.config["analysis"])
        roots = [self.scripts_dir, *([os.path.dirname(spec.file)] if spec.file else [])]
        module = self.report().draw.partition(":")[0]
        for found, package in codeversion.locate(module, roots)[-1:]:
            files += codeversion.source_files(found, roots, package)
        return codeversion.digest(sorted(set(files)))

    @cache  # noqa: B019
    def image_sources(self) -> dict[str, str]:
        """Output stem -> image path, for the per-image targets."""
        c = self.config
        found = inventory.scan(c["input_dir"], c["extensions"], with_stat=False)
        return {layout.stem(p): p for p in found.paths}


def examined_beside(config: dict, plan: PlanFolder) -> tuple[list[str], str | None]:
    """The plan's last blocks, holding at most ``EXAMINED_BESIDE`` of its
    images, whose images the outputs' check examines instead of the listing,
    and the first of their images: the listing defers the ``stat`` of every
    image from it on. None when the listing is not a plain scan of a folder
    (its runs are then not the plan's blocks), or the plan cannot be read."""
    c = config
    if c["images"] or c["include"] or c["limit"] or archive.split(c["input_dir"]):
        return [], None
    try:
        sizes = plan.sizes()
        share = EXAMINED_BESIDE * sum(sizes.values())
        beside, n = [], 0
        for block, size in reversed(sizes.items()):
            if n + size > share:
                break
            beside.insert(0, block)
            n += size
        return beside, plan.manifest(beside[0])["images"][0] if beside else None
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return [], None  # a damaged plan: the checkpoint plans again


def block_threads(sizes: dict[str, int], block: str, cores: int) -> int:
    """Processes for a block job: its share of the cores by image count,
    rounded to the nearest, so that a few large blocks can keep a many-core
    node busy and no block runs on one process with nearly two cores' share
    (rounded down, a share of 1.9 would take nearly twice as long). Not
    rounded up: a share just above 1 would start a pool of workers, each
    opening the input again (a zip archive's whole directory), for little.
    The plan itself never depends on the cores."""
    share = cores * sizes[block] / max(1, sum(sizes.values()))
    return max(1, min(cores, math.floor(share + 0.5)))


# Known for Snakemake 9.27; tests/test_quality.py fails when it no longer holds.
SCHEDULER_TIMER = "JobScheduler._schedule_reevalutation.<locals>.<lambda>"


def cancel_scheduler_timer() -> int:
    """Cancel the timer Snakemake's scheduler leaves behind after its last
    round (the --max-jobs-per-timespan rate limiter): a non-daemon thread the
    interpreter waits for before exiting, up to one timespan (10 s in the
    profiles) added to every run. Only that timer: others are not ours."""
    import threading

    cancelled = 0
    for thread in threading.enumerate():
        function = getattr(thread, "function", None)
        if isinstance(thread, threading.Timer) and (
            getattr(function, "__qualname__", "") == SCHEDULER_TIMER
        ):
            thread.cancel()
            cancelled += 1
    return cancelled


@cache
def _runs(plan_dir: str) -> dict[str, tuple[int, int]]:
    """Each block's images as a run (start, stop) of the selection."""
    runs, start = {}, 0
    for block, n in PlanFolder(plan_dir).sizes().items():
        runs[block] = (start, start + n)
        start += n
    return runs


@cache
def _version(name: str) -> str:
    """The installed version of a distribution, from its .dist-info folder's
    name (importlib.metadata costs a tenth of a second to import)."""
    prefix = name.lower().replace("-", "_") + "-"
    for folder in sys.path:
        try:
            entries = os.listdir(folder or ".")
        except OSError:
            continue
        for entry in entries:
            if entry.lower().startswith(prefix) and entry.endswith(".dist-info"):
                return entry[len(prefix) : -len(".dist-info")]
    return "absent"
