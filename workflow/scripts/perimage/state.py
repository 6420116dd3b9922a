"""What Snakemake needs to know about the files, for ``common.smk``.

Everything here only looks (one ``stat`` per image and per output, one read
per block table); nothing writes, so a dry run, a report or a lint changes no
file. The values become params of the rules, and Snakemake's params trigger
turns a changed value into a job to run:

- the plan's digest: the checkpoint runs again when the set of images changes
  (a checkpoint whose output exists is otherwise never looked at again);
- a block's sources: a digest of its images' sizes and modification times;
- a block's state: the token its table recorded, or a new one when an output
  the table lists is missing or has another size than recorded (deleted,
  truncated by a crash, overwritten). The job writes the token it was given
  into its new table, so that once repaired the value matches again;
- the code version: a digest of a script, the modules it imports and, for
  the process rules, the analysis and the libraries that decode and encode.
"""

from __future__ import annotations

import hashlib
import os
import sys
from functools import cache

from . import analysis, codeversion, figures, inventory, layout, tables
from .plan import Selection

# Libraries whose version can change an image's pixels or numbers.
LIBRARIES = ("pillow", "simplejpeg", "isal", "numpy")


class State:
    """The workflow's view of input_dir, the plan and the block tables."""

    def __init__(self, config: dict, scripts_dir: str):
        self.config = config
        self.scripts_dir = scripts_dir

    @cache  # noqa: B019 - one State per Snakemake process
    def selection(self) -> Selection:
        c = self.config
        return Selection.scan(
            c["input_dir"],
            extensions=c["extensions"],
            patterns=c["include"],
            limit=c["limit"],
        )

    def plan_digest(self) -> str:
        return self.selection().digest(self.config["block_size"])

    @cache  # noqa: B019
    def scanned(self) -> dict[str, inventory.Image]:
        return {im.path: im for im in self.selection().inventory.images}

    def block_sources(self, members: list[str], scanned: bool) -> str:
        """A digest of the block's images' sizes and modification times,
        from the scan (main process) or from one ``stat`` each (a job that
        Slurm runs parses the workflow again, without scanning)."""
        if scanned:
            images = self.scanned()
            missing = inventory.Image("", -1, -1)
            found = (images.get(p, missing) for p in members)
            return inventory.fingerprint(
                (p, im.size, im.mtime_ns) for p, im in zip(members, found, strict=True)
            )
        return inventory.fingerprint(
            _stat(self.config["input_dir"], p) for p in members
        )

    @staticmethod
    def block_state(table_path: str) -> str:
        """The block's state token (see the module's description)."""
        try:
            table = tables.BlockTable.read(table_path)
        except FileNotFoundError:
            return ""  # the block runs anyway: its table is missing
        except (ValueError, KeyError, IndexError, UnicodeDecodeError) as e:
            with open(table_path, "rb") as fh:
                content = hashlib.sha256(fh.read()).hexdigest()[:16]
            return f"unreadable table {content} ({type(e).__name__})"
        damaged = [
            path
            for row in table.rows
            for path, size in table.output_files(row)
            if _size(path) != size
        ]
        if not damaged:
            return table.state
        h = hashlib.sha256(table.state.encode())
        for path in damaged:
            h.update(layout.encode(path) + b"\0")
        first = layout.printable(damaged[0])
        return (
            f"{len(damaged)} outputs missing or damaged, first {first}"
            f" ({h.hexdigest()[:12]})"
        )

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
        return {layout.stem(p): p for p in self.scanned()}


def block_threads(sizes: dict[str, int], block: str, cores: int) -> int:
    """Processes for a block job: its share of the cores by image count, so
    that a few large blocks can keep a many-core node busy. The plan itself
    never depends on the cores."""
    share = cores * sizes[block] / max(1, sum(sizes.values()))
    return max(1, min(cores, int(share)))


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


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except FileNotFoundError:
        return -1


def _stat(input_dir: str, relpath: str) -> tuple[str, int, int]:
    try:
        st = os.stat(os.path.join(input_dir, relpath))
    except OSError:
        return relpath, -1, -1
    return relpath, st.st_size, st.st_mtime_ns


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
