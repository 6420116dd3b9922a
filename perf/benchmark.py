"""Measure the workflow against plain-Python loops, in one run.

    ./dev.sh bench [--scale 1] [--repeats N] [--cores 2] [--where memory disk]
                   [--publish NAME]

On a generated EuroSAT-like tree (perf/generate.py; --scale 1 is 27,000
images, 10 is 270,000, 37 is 999,000), for each place the files live
(``memory``: a tmpfs, /dev/shm; ``disk``: perf/runs/), this measures,
alternating and each time in a new folder: the workflow's full run, the
minimal loop and the equal-work loop (perf/references.py), a full run on the
same images read from their zip archive (made once beside the dataset, as a
zip tool makes it: deflate) and a full run with ``save_images: zip``. From each full
run's job files (the blocks' figures in logs/process_block/<block>.json,
Snakemake's benchmark files in logs/benchmarks/) it takes the block phase, the
CPU per image and the run's timeline: start-up, plan job, block phase,
summarise and draw_figures, exit. Then, in the last workflow folder: runs
with nothing to do and dry runs, alternating with Snakemake's own trivial
no-op (one rule, its output present), with the scan of input_dir alone
(perimage.plan.Selection.scan in a new Python process) and with reading an
image list of the same images instead (config ``images``:
Selection.listed, likewise, with its one ``stat`` per image); a run after one
image changed (these, at least three times each); a statistics-only run.
Peak memory is that of the main snakemake process and the largest of the
processes it waited for (perf/peak_rss.py).
In memory it also counts the file creations and renames of one full run
(strace), and times one Python process per image on a sample.

Every ratio compares measurements of the same run; the table gives the
median of all repeats and every repeat. Results go to
perf/runs/<timestamp>/ (table.md, also printed; results.csv, every
measurement; summary.csv; machine.json; times.svg), and with --publish NAME
also to perf/results/NAME/.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO / "workflow" / "scripts"))

import generate  # noqa: E402
import references  # noqa: E402
from perimage import results, state, tables  # noqa: E402
from perimage.plan import PlanFolder  # noqa: E402

WORKFLOW_FILES = ["Snakefile", "workflow", "config", "profiles"]
MEMORY_ROOT = Path("/dev/shm/perimage-bench")
MODEL_CORES = (16, 64)
# at least this many runs in the completed folder (no-op, dry run, ...)
LATER_REPEATS = 3
# the jobs after the blocks, side by side
AGGREGATES = ("summarise", "draw_figures")
# The goals at about 270,000 and 1,000,000 images (those at 27,000
# compare with the same run's trivial no-op and minimal loop): seconds of the
# serial part of a full run, of a no-op, of a dry run and of a run after one
# image changed; MB of peak memory in a no-op; modelled 64 cores, workflow /
# minimal loop.
GOALS = {
    "270k": {
        "serial": 4,
        "no-op run": 3,
        "dry run": 3,
        "one image changed": 4,
        "rss_mb": 250,
        "model_64": 1.5,
    },
    "1m": {
        "serial": 10,
        "no-op run": 6,
        "dry run": 6,
        "one image changed": 10,
        "rss_mb": 500,
        "model_64": 1.3,
    },
}
# the rows of the timeline of a full run: (key, what)
PHASES = (
    ("start-up", "start-up (snakemake start until the plan job starts)"),
    ("plan", "plan job (plan_blocks)"),
    ("blocks", "block phase (first block's start to last one's end)"),
    ("summarise", "summarise job"),
    ("draw_figures", "draw_figures job"),
    ("exit", "exit (last job's end until snakemake exits)"),
)
SCAN = (
    "import sys, time\n"
    "sys.path.insert(0, sys.argv[1])\n"
    "from perimage.plan import Selection\n"
    "start = time.perf_counter()\n"
    "Selection.scan(sys.argv[2], extensions=sys.argv[3:])\n"
    "print(time.perf_counter() - start)\n"
)
LISTED = (
    "import sys, time\n"
    "sys.path.insert(0, sys.argv[1])\n"
    "from perimage.plan import Selection\n"
    "start = time.perf_counter()\n"
    "Selection.listed(sys.argv[2], sys.argv[3])\n"
    "print(time.perf_counter() - start)\n"
)
TRIVIAL = (
    'rule all:\n    output:\n        "out.txt"\n    shell:\n        "touch {output}"\n'
)
# creations and renames (and the folders made), as strace names them
METADATA_CALLS = (
    r"(openat|open|creat|mkdir|mkdirat|rename|renameat|renameat2|link|linkat)"
)


def settle(seconds: float = 1.0) -> None:
    """Let the file system write out what the previous step wrote."""
    subprocess.run(["sync"], check=False)
    time.sleep(seconds)


def timed(cmd: list, cwd: Path) -> tuple[float, float, str]:
    """Run ``cmd``: wall seconds, CPU seconds of it and all its processes,
    and its output. Raises with the output's tail when it fails."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    out = proc.stdout + proc.stderr
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed:\n{out[-3000:]}")
    return wall, cpu, out


def snakemake(root: Path, *args: str) -> dict:
    """Run snakemake in ``root`` through peak_rss.py: times, peak memory of
    the main process and the largest of the processes it waited for, jobs."""
    rss_file = root / ".peak_rss"
    cmd = [sys.executable, str(HERE / "peak_rss.py"), str(rss_file), *args]
    started = time.time()  # the clock the jobs' times are on, for the timeline
    wall, cpu, out = timed(cmd, root)
    ended = time.time()
    rss_kb, main_cpu, child_rss_kb = rss_file.read_text().split()
    return {
        "seconds": wall,
        "cpu_seconds": cpu,
        "main_cpu_seconds": float(main_cpu),
        "rss_mb": int(rss_kb) / 1024,
        "child_rss_mb": int(child_rss_kb) / 1024,
        "started": started,
        "ended": ended,
        "jobs": len(re.findall(r"^(?:local)?(?:rule|checkpoint) \w+:$", out, re.M)),
        "nothing_to_do": "Nothing to be done" in out,
    }


class Workflow:
    """A copy of the workflow in a new working directory."""

    def __init__(self, root: Path, data: Path, cores: int, config: list[str]):
        self.root, self.data, self.cores, self.config = root, data, cores, config
        root.mkdir(parents=True)
        for name in WORKFLOW_FILES:
            src = REPO / name
            if src.is_dir():
                shutil.copytree(src, root / name)
            else:
                shutil.copy2(src, root / name)

    def run(self, *extra: str) -> dict:
        args = ["--profile", "profiles/local", "--cores", str(self.cores)]
        args += ["--config", f"input_dir={self.data}", *self.config, *extra]
        return snakemake(self.root, *args)

    def blocks(self) -> list[dict]:
        """Per block: images, the job's seconds, CPU and peak memory
        (Snakemake's benchmark), and the block's own figures as its job
        wrote them to logs/process_block/<block>.json: when its work started
        and finished (epoch seconds), images processed, CPU of its work."""
        plan = PlanFolder(str(self.root / "results" / "plan"))
        found = []
        for name, images in plan.sizes().items():
            row = self.benchmark("process_block", name)
            figures = json.loads(
                (self.root / "logs" / "process_block" / f"{name}.json").read_text()
            )
            found.append(
                {
                    "block": name,
                    "images": images,
                    "seconds": float(row["s"]),
                    "cpu": float(row["cpu_time"]),
                    "max_rss": float(row["max_rss"]),
                    "job_end": row["mtime"],
                    "start": figures["started"],
                    "end": figures["finished"],
                    "processed": figures["processed"],
                    "inner_cpu": figures["cpu_seconds"],
                }
            )
        return found

    def timeline(self, res: dict, blocks: list[dict]) -> dict:
        """The phases of the run ``res`` (this folder's last), as (start,
        end) in seconds since the benchmark started the command: start-up
        until the plan job starts; the plan job, summarise and draw_figures
        from their benchmark files (end: the file's modification time; start:
        that minus the job's seconds); the block phase from the blocks'
        figures; exit from the last job's end until the command returned."""
        zero = res["started"]
        jobs = {}
        for rule in ("plan_blocks", *AGGREGATES):
            row = self.benchmark(rule)
            jobs[rule] = (row["mtime"] - float(row["s"]), row["mtime"])
        last = max(
            *(end for _, end in jobs.values()),
            *(b["end"] for b in blocks),
            *(b["job_end"] for b in blocks),
        )
        phases = {
            "start-up": (zero, jobs["plan_blocks"][0]),
            "plan": jobs["plan_blocks"],
            "blocks": (min(b["start"] for b in blocks), max(b["end"] for b in blocks)),
            **{rule: jobs[rule] for rule in AGGREGATES},
            "exit": (last, res["ended"]),
        }
        return {
            name: (start - zero, end - zero) for name, (start, end) in phases.items()
        }

    def benchmark(self, rule: str, name: str = "") -> dict:
        """The last row of a job's Snakemake benchmark file, by column, and
        the file's modification time (``mtime``: Snakemake writes it as soon
        as the job's process has ended)."""
        folder = self.root / "logs" / "benchmarks"
        path = folder / rule / f"{name}.tsv" if name else folder / f"{rule}.tsv"
        with open(path, newline="") as fh:
            header, rows = tables.read_rows(fh)
        return {
            **dict(zip(header, rows[-1], strict=True)),
            "mtime": path.stat().st_mtime,
        }

    def per_image_files(self) -> int:
        """Files below results/ that belong to one image each: those in the
        folders of the images an analysis saves, and the per-image records
        (``perimage.results`` owns the layout)."""
        top = self.root / "results"
        folders = [
            entry
            for entry in top.iterdir()
            if entry.is_dir() and entry.name not in results.FOLDERS
        ]
        folders.append(self.root / results.RECORDS)
        return sum(len(files) for folder in folders for _, _, files in os.walk(folder))

    def accounted(self) -> tuple[int, int, int]:
        """Images in results/stats.tsv, in results/rejected.tsv, and found."""
        results = self.root / "results"

        def rows(name: str) -> int:
            with open(results / name, newline="") as fh:
                return len(tables.read_rows(fh)[1])

        found = PlanFolder(str(results / "plan")).counts()["found"]
        return rows("stats.tsv"), rows("rejected.tsv"), found

    def snakemake_files(self) -> int:
        return sum(len(files) for _, _, files in os.walk(self.root / ".snakemake"))


def reference(kind: str, data: Path, out: Path, cores: int) -> dict:
    out.mkdir(parents=True)
    cmd = [sys.executable, str(HERE / "references.py"), kind, str(data), str(out)]
    wall, cpu, text = timed([*cmd, "--processes", str(cores)], out)
    inner = json.loads(text.strip().splitlines()[-1])
    shutil.rmtree(out)  # at a million images every copy counts, in memory
    return {"seconds": wall, "cpu_seconds": cpu, "serial": wall - inner["map"]}


def scan_seconds(data: Path) -> float:
    """Seconds of ``perimage.plan.Selection.scan`` alone over ``data``, with
    the default extensions, in a new Python process (its start-up and imports
    not counted): the part of every Snakemake start that looks at the
    images."""
    extensions = yaml.safe_load((REPO / "config" / "config.yaml").read_text())[
        "extensions"
    ]
    scripts = str(REPO / "workflow" / "scripts")
    cmd = [sys.executable, "-c", SCAN, scripts, str(data), *extensions]
    return float(timed(cmd, REPO)[2].split()[-1])


def write_image_list(data: Path, path: Path) -> None:
    """The images ``scan_seconds`` finds, one path per line, as
    ``ls | sort`` would write them (not timed)."""
    extensions = tuple(
        yaml.safe_load((REPO / "config" / "config.yaml").read_text())["extensions"]
    )
    found = []
    for folder, folders, files in os.walk(data):
        folders[:] = [f for f in folders if not f.startswith(".")]
        rel = os.path.relpath(folder, data)
        found += [
            name if rel == "." else f"{rel}/{name}"
            for name in files
            if name.lower().endswith(extensions) and not name.startswith(".")
        ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{p}\n" for p in sorted(found)))


def list_seconds(data: Path, image_list: Path) -> float:
    """Seconds of ``perimage.plan.Selection.listed`` alone: reading and
    checking the list, and a ``stat`` of each image, as at every Snakemake
    start with ``images`` set (``scan_seconds``' counterpart)."""
    scripts = str(REPO / "workflow" / "scripts")
    cmd = [sys.executable, "-c", LISTED, scripts, str(data), str(image_list)]
    return float(timed(cmd, REPO)[2].split()[-1])


def trivial_noop(root: Path) -> dict:
    if not (root / "out.txt").exists():
        root.mkdir(parents=True, exist_ok=True)
        (root / "Snakefile").write_text(TRIVIAL)
        snakemake(root, "--cores", "1")
    return snakemake(root, "--cores", "1")


def one_process_per_image(data: Path, out: Path, sample: int, cores: int) -> float:
    """Seconds per image when each image is its own Python process."""
    images = references.list_images(str(data))
    chosen = images[:: max(1, len(images) // sample)][:sample]
    out.mkdir(parents=True)
    script = str(HERE / "references.py")

    def one(rel: str) -> None:
        cmd = [sys.executable, script, "one-image", str(data), str(out), rel]
        subprocess.run(cmd, check=True)

    start = time.perf_counter()
    with ThreadPoolExecutor(cores) as pool:
        list(pool.map(one, chosen))
    return (time.perf_counter() - start) / len(chosen)


def metadata_operations(wf: Workflow) -> tuple[int, int] | None:
    """File creations, renames and new folders of one full run, counted by
    strace across all its processes: (those on per-image outputs, the rest);
    None without strace."""
    if not shutil.which("strace"):
        return None
    trace = wf.root.parent / f"{wf.root.name}.strace"
    cmd = [
        "strace",
        "-f",
        "--seccomp-bpf",
        "-qq",
        "-e",
        f"trace=/^{METADATA_CALLS}$",
        "-o",
        str(trace),
    ]
    cmd += [sys.executable, "-m", "snakemake", "--profile", "profiles/local"]
    cmd += ["--cores", str(wf.cores), "--config", f"input_dir={wf.data}", *wf.config]
    timed(cmd, wf.root)
    per_image = other = 0
    with open(trace) as fh:
        for line in fh:
            call = re.search(rf"\b{METADATA_CALLS}\(", line)
            if not call or "= -1" in line:
                continue
            if call[1] in ("openat", "open") and "O_CREAT" not in line:
                continue
            # the first path the call names: in a per-image folder it is an
            # image's output (or its temporary name); folders are the run's
            first = re.search(r'"((?:[^"\\]|\\.)*)"', line)
            if first and per_image_output(first[1], wf.root) and "mkdir" not in call[1]:
                per_image += 1
            else:
                other += 1
    trace.unlink()
    shutil.rmtree(wf.root)
    return per_image, other


def per_image_output(path: str, root: Path) -> bool:
    """Whether ``path`` (as a process of the run in ``root`` names it) is a
    per-image output: below results/<folder>/ for a folder that is not one
    of the workflow's own, or a per-image record."""
    root = os.path.realpath(root)
    full = os.path.normpath(os.path.join(root, path))
    if not full.startswith(f"{root}{os.sep}"):
        return False
    parts = Path(full).relative_to(root).parts
    if len(parts) < 3 or parts[0] != results.RESULTS:
        return False
    return parts[1] not in results.FOLDERS or "/".join(parts[:2]) == results.RECORDS


def machine() -> dict:
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    mem_kb = next(
        int(line.split()[1]) for line in meminfo if line.startswith("MemTotal")
    )
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in cpuinfo
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    import importlib.util

    import PIL
    import snakemake as sm

    # Snakemake imports every executor plugin installed, and pandas if found
    slurm = importlib.util.find_spec("snakemake_executor_plugin_slurm") is not None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kb / 2**20, 1),
        "python": platform.python_version(),
        "snakemake": sm.__version__,
        "pillow": PIL.__version__,
        "environment": "with the Slurm plugin" if slurm else "requirements.txt",
        "os": platform.platform(),
    }


def dataset(place: Path, scale: float, seed: int) -> tuple[Path, int]:
    data = place / f"data-x{scale:g}-seed{seed}"
    marker = data / ".complete"
    if not marker.exists():
        shutil.rmtree(data, ignore_errors=True)
        print(f"generating {data} ...", flush=True)
        n = generate.generate(str(data), scale, seed)
        marker.write_text(f"{n}\n")
    return data, int(marker.read_text())


def zipped_dataset(data: Path) -> Path:
    """The dataset as one zip archive beside it, made once: its members
    named by their paths below the folder, compressed with deflate (what a
    zip tool writes by default, and EuroSAT_RGB.zip as downloaded)."""
    archive = data.parent / f"{data.name}.zip"
    if not archive.exists():
        print(f"zipping {data} ...", flush=True)
        partial = data.parent / f".{archive.name}.partial"
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as z:
            for folder, _, files in sorted(os.walk(data)):
                for name in sorted(files):
                    path = Path(folder) / name
                    if not name.startswith("."):
                        z.write(path, str(path.relative_to(data)))
        partial.rename(archive)
    return archive


def check_room(place: Path, n: int) -> None:
    """Stop early when the runs cannot fit: the workflow's outputs and one
    loop's are there at the same time, two files per image besides the data.
    A tmpfs runs out of inodes first (by default one per two pages of RAM)."""
    room = os.statvfs(place)
    files, size = 2 * n + 10_000, 2 * n * 4096
    if room.f_favail < files or room.f_bavail * room.f_frsize < size:
        sys.exit(
            f"{place} has room for {room.f_favail:,} more files and"
            f" {room.f_bavail * room.f_frsize / 2**30:.1f} GiB; the runs need"
            f" about {files:,} files and {size / 2**30:.1f} GiB. Free some; on a"
            " tmpfs, root can raise its inode count, for example"
            " mount -o remount,nr_inodes=8M /dev/shm"
        )


def measure_place(args, where: str, record) -> dict:
    place = MEMORY_ROOT if where == "memory" else args.runs
    data, n = dataset(place, args.scale, args.seed)
    archive = zipped_dataset(data)
    work = place / f"work-{datetime.now():%Y%m%d-%H%M%S}"
    print(f"{where}: {n} images in {data}; runs in {work}", flush=True)
    check_room(place, n)
    cores, config = args.cores, args.config
    wf = None
    found: dict = {"images": n}
    try:
        settle(3.0)
        for r in range(1, args.repeats + 1):
            # alternating, so that a slow spell of the machine hits all alike
            if wf is not None:
                shutil.rmtree(wf.root)  # only the last run's folder is used later
            wf = Workflow(work / f"workflow-{r}", data, cores, config)
            settle()
            res = wf.run()
            blocks = wf.blocks()
            phase = max(b["end"] for b in blocks) - min(b["start"] for b in blocks)
            processed = sum(b["processed"] for b in blocks)
            phases = wf.timeline(res, blocks)
            record(
                where,
                "full run",
                r,
                seconds=res["seconds"],
                cpu_seconds=res["cpu_seconds"],
                rss_mb=res["rss_mb"],
                child_rss_mb=res["child_rss_mb"],
                jobs=res["jobs"],
                block_phase=phase,
                serial=res["seconds"] - phase,
                block_cpu=sum(b["cpu"] for b in blocks),
                us_per_image=sum(b["inner_cpu"] for b in blocks)
                / max(processed, 1)
                * 1e6,
                **{
                    f"model_{c}": model(res["seconds"] - phase, blocks, c)
                    for c in MODEL_CORES
                },
                **{
                    f"{key}_{edge}": phases[key][i]
                    for key, _ in PHASES
                    for i, edge in enumerate(("start", "end"))
                },
            )
            for kind in ("minimal", "equal"):
                settle()
                ref = reference(kind, data, work / f"{kind}-{r}", cores)
                record(
                    where,
                    f"{kind} loop",
                    r,
                    **ref,
                    **{
                        f"model_{c}": ref["serial"]
                        + max(ref["cpu_seconds"] - ref["serial"], 0) / c
                        for c in MODEL_CORES
                    },
                )
            # the same images read from their zip, and saved into archives
            for measure, source, extra in (
                ("full run, zip input", archive, []),
                ("full run, save_images zip", data, ["save_images=zip"]),
            ):
                settle()
                other = Workflow(work / f"zip-{r}", source, cores, [*config, *extra])
                res = other.run()
                record(where, measure, r, seconds=res["seconds"])
                if extra:
                    found["zip_files_per_image"] = other.per_image_files() / n
                shutil.rmtree(other.root)
        found["blocks"] = wf.blocks()
        found["files_per_image"] = wf.per_image_files() / n
        found["snakemake_files"] = wf.snakemake_files()
        found["accounted"] = wf.accounted()

        image_list = work / "images.txt"
        write_image_list(data, image_list)
        for r in range(1, args.later_repeats + 1):
            settle()
            res = trivial_noop(work / "trivial")
            record(where, "trivial no-op", r, seconds=res["seconds"])
            record(where, "scan", r, seconds=scan_seconds(data))
            record(where, "image list", r, seconds=list_seconds(data, image_list))
            res = wf.run()
            assert res["nothing_to_do"], "a run after a complete run did something"
            record(
                where,
                "no-op run",
                r,
                seconds=res["seconds"],
                rss_mb=res["rss_mb"],
                child_rss_mb=res["child_rss_mb"],
            )
            res = wf.run("-n")
            assert res["nothing_to_do"], "a dry run after a complete run found work"
            record(where, "dry run", r, seconds=res["seconds"], rss_mb=res["rss_mb"])

        changed = sorted((data / "Forest").iterdir())[0]
        original = changed.read_bytes()
        try:
            for r in range(1, args.later_repeats + 1):
                invert(changed)
                settle()
                res = wf.run()
                record(
                    where,
                    "one image changed",
                    r,
                    seconds=res["seconds"],
                    jobs=res["jobs"],
                )
        finally:
            changed.write_bytes(original)  # the dataset stays as generated
        found["changed"] = str(changed.relative_to(data))

        for r in range(1, min(args.repeats, 3) + 1):
            settle()
            stats_only = Workflow(work / f"stats-only-{r}", data, cores, config)
            res = stats_only.run("save_images=False")
            record(where, "statistics only", r, seconds=res["seconds"])
            shutil.rmtree(stats_only.root)

        if where == "memory":
            found["metadata"] = metadata_operations(
                Workflow(work / "strace", data, cores, config)
            )
            found["zip_metadata"] = metadata_operations(
                Workflow(work / "strace-zip", data, cores, [*config, "save_images=zip"])
            )
            settle()
            per_image = one_process_per_image(
                data, work / "one-process", args.sample, cores
            )
            record(
                where, "one process per image (extrapolated)", 1, seconds=per_image * n
            )
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return found


def later_repeats_note(args) -> str:
    if args.later_repeats == args.repeats:
        return ""
    return (
        f", of {args.later_repeats} for the runs in the completed folder"
        " (trivial no-op, scan, image list, no-op, dry run, one image changed)"
    )


def model(serial: float, blocks: list[dict], cores: int) -> float:
    """serial + max(longest block, block CPU / cores): the blocks' jobs get
    the threads the workflow would give them on ``cores`` cores."""
    sizes = {b["block"]: b["images"] for b in blocks}
    longest = max(
        b["cpu"] / state.block_threads(sizes, b["block"], cores) for b in blocks
    )
    return serial + max(longest, sum(b["cpu"] for b in blocks) / cores)


def invert(path: Path) -> None:
    from PIL import Image

    with Image.open(path) as im:
        im.point(lambda v: 255 - v).save(path, quality=95)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument(
        "--repeats",
        type=int,
        help="default: 5 up to 27,000 images, else 1 (the runs in the completed"
        f" folder: at least {LATER_REPEATS})",
    )
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--where", nargs="+", default=["memory", "disk"])
    ap.add_argument(
        "--sample", type=int, default=200, help="images for one-process-per-image"
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--config",
        nargs="*",
        default=[],
        help="extra workflow config, e.g. block_size=4000",
    )
    ap.add_argument("--runs", type=Path, default=HERE / "runs")
    ap.add_argument("--keep", action="store_true", help="keep the run folders")
    ap.add_argument("--publish", help="also write the results to perf/results/NAME")
    args = ap.parse_args()
    if args.repeats is None:
        args.repeats = 5 if args.scale <= 1 else 1
    # runs in a completed folder take seconds, not minutes: at least three,
    # so that one slow moment of the machine cannot decide their median
    args.later_repeats = max(args.repeats, LATER_REPEATS)

    out = args.runs / datetime.now().strftime("%Y%m%d-%H%M%S")
    out.mkdir(parents=True)
    raw: list[dict] = []

    def record(where: str, measure: str, repeat: int, **values) -> None:
        raw.append({"where": where, "measure": measure, "repeat": repeat, **values})
        shown = ", ".join(
            f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}"
            for k, v in values.items()
        )
        print(f"  {where} {measure} #{repeat}: {shown}", flush=True)

    found = {where: measure_place(args, where, record) for where in args.where}
    info = machine()
    rows = summarise(raw, found, args)
    write_outputs(out, raw, rows, info, found, args)
    if args.publish:
        target = HERE / "results" / args.publish
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(out, target)
        print(f"published to {target}")


def values(raw, where, measure, key="seconds") -> list[float]:
    return [r[key] for r in raw if r["where"] == where and r["measure"] == measure]


def med(raw, where, measure, key="seconds") -> float:
    return statistics.median(values(raw, where, measure, key))


def repeats(raw, where, measure, key="seconds", fmt="{:.2f}") -> str:
    return ", ".join(fmt.format(v) for v in values(raw, where, measure, key))


def ratios(raw, where, measure, other, key="seconds") -> list[float]:
    a, b = values(raw, where, measure, key), values(raw, where, other, key)
    return [x / y for x, y in zip(a, b, strict=True)]


def summarise(raw, found, args) -> list[tuple]:
    """(place, measure, median, every repeat, target, met) rows."""
    rows = []
    n = next(iter(found.values()))["images"]
    at_27k = 25_000 <= n <= 30_000
    # the goals at about 270,000 and 1,000,000 images
    big = GOALS.get(
        "270k" if 250_000 <= n <= 300_000 else "1m" if n >= 900_000 else "", {}
    )

    def at_most(key, value, unit=" s"):
        """(target, met) of a goal of ``big``; empty when it is none here."""
        if key not in big:
            return "", None
        return f"at most {big[key]:g}{unit}", value <= big[key]

    def row(where, measure, value, each="", target="", ok=None):
        met = "" if ok is None else ("yes" if ok else "NO")
        rows.append((where, measure, value, each, target, met))

    def no_op_memory(where, key):
        """The no-op's memory goal, for its main process and, so that work
        moved into a child process cannot hide, for the largest child."""
        target, ok = at_most("rss_mb", med(raw, where, "no-op run", key), " MB")
        return (f"no-op {target}" if target else "", ok)

    for where, f in found.items():
        full, minimal, equal = (
            med(raw, where, m) for m in ("full run", "minimal loop", "equal loop")
        )
        to_minimal = ratios(raw, where, "full run", "minimal loop")
        row(
            where,
            "full run (2 cores unless said)",
            f"{full:.2f} s",
            repeats(raw, where, "full run"),
        )
        row(
            where,
            "minimal loop",
            f"{minimal:.2f} s",
            repeats(raw, where, "minimal loop"),
        )
        row(
            where,
            "equal-work loop",
            f"{equal:.2f} s",
            repeats(raw, where, "equal loop"),
        )
        row(
            where,
            "full run / minimal loop",
            f"{statistics.median(to_minimal):.2f}x",
            ", ".join(f"{x:.2f}x" for x in to_minimal),
            "at most 0.8x" if at_27k else "",
            statistics.median(to_minimal) <= 0.8 if at_27k else None,
        )
        to_equal = ratios(raw, where, "full run", "equal loop")
        row(
            where,
            "full run / equal-work loop",
            f"{statistics.median(to_equal):.2f}x",
            ", ".join(f"{x:.2f}x" for x in to_equal),
        )
        trivial = med(raw, where, "trivial no-op")
        serial = med(raw, where, "full run", "serial")
        row(
            where,
            "serial seconds of a full run (all but the block phase)",
            f"{serial:.2f} s",
            repeats(raw, where, "full run", "serial"),
            *(
                (
                    f"at most trivial no-op + 1.5 s = {trivial + 1.5:.2f} s",
                    serial <= trivial + 1.5,
                )
                if at_27k
                else at_most("serial", serial)
            ),
        )
        row(
            where,
            "block phase (first block job's start to last one's end)",
            f"{med(raw, where, 'full run', 'block_phase'):.2f} s",
            repeats(raw, where, "full run", "block_phase"),
        )
        for key, what in PHASES:
            starts = values(raw, where, "full run", f"{key}_start")
            ends = values(raw, where, "full run", f"{key}_end")
            lengths = [end - start for start, end in zip(starts, ends, strict=True)]
            row(
                where,
                f"timeline of a full run: {what}",
                f"{statistics.median(lengths):.2f} s, from"
                f" {statistics.median(starts):.2f} to {statistics.median(ends):.2f} s",
                ", ".join(f"{x:.2f}" for x in lengths),
            )
        row(
            where,
            "scan of input_dir alone (Selection.scan, in a new Python process)",
            f"{med(raw, where, 'scan'):.2f} s",
            repeats(raw, where, "scan"),
        )
        row(
            where,
            "image list of the same images instead (Selection.listed, likewise)",
            f"{med(raw, where, 'image list'):.2f} s",
            repeats(raw, where, "image list"),
        )
        to_scan = ratios(raw, where, "image list", "scan")
        row(
            where,
            "image list / scan",
            f"{statistics.median(to_scan):.2f}x",
            ", ".join(f"{x:.2f}x" for x in to_scan),
            "at most 1x",
            statistics.median(to_scan) <= 1,
        )
        per_image = med(raw, where, "full run", "us_per_image")
        row(
            where,
            "CPU per processed image inside the block jobs",
            f"{per_image:.0f} us",
            repeats(raw, where, "full run", "us_per_image", "{:.0f}"),
            "at most 200 us" if at_27k else "",
            per_image <= 200 if at_27k else None,
        )
        for c in MODEL_CORES:
            wf_model = ratios(raw, where, "full run", "minimal loop", f"model_{c}")
            row(
                where,
                f"modelled {c} cores: workflow / minimal loop",
                f"{med(raw, where, 'full run', f'model_{c}'):.2f} s /"
                f" {med(raw, where, 'minimal loop', f'model_{c}'):.2f} s ="
                f" {statistics.median(wf_model):.2f}x",
                ", ".join(f"{x:.2f}x" for x in wf_model),
                *at_most(f"model_{c}", statistics.median(wf_model), "x"),
            )
        row(
            where,
            "Snakemake's trivial no-op",
            f"{trivial:.2f} s",
            repeats(raw, where, "trivial no-op"),
        )
        for measure in ("no-op run", "dry run"):
            value = med(raw, where, measure)
            if at_27k:
                target, ok = (
                    f"at most trivial + 0.6 s = {trivial + 0.6:.2f} s",
                    value <= trivial + 0.6,
                )
            else:
                target, ok = at_most(measure, value)
            row(
                where,
                measure,
                f"{value:.2f} s",
                repeats(raw, where, measure),
                target,
                ok,
            )
        changed = values(raw, where, "one image changed")
        jobs = values(raw, where, "one image changed", "jobs")
        row(
            where,
            "one image changed, then a run",
            f"{statistics.median(changed):.2f} s, {statistics.median(jobs):.0f} jobs",
            repeats(raw, where, "one image changed"),
            *at_most("one image changed", statistics.median(changed)),
        )
        from_zip = ratios(raw, where, "full run, zip input", "full run")
        row(
            where,
            "full run on the images read from their zip (deflate) / unpacked",
            f"{med(raw, where, 'full run, zip input'):.2f} s:"
            f" {statistics.median(from_zip):.2f}x",
            ", ".join(f"{x:.2f}x" for x in from_zip),
            "at most 1.05x" if at_27k else "",
            statistics.median(from_zip) <= 1.05 if at_27k else None,
        )
        into_zip = ratios(raw, where, "full run, save_images zip", "full run")
        row(
            where,
            "full run with save_images: zip / with files",
            f"{med(raw, where, 'full run, save_images zip'):.2f} s:"
            f" {statistics.median(into_zip):.2f}x",
            ", ".join(f"{x:.2f}x" for x in into_zip),
            "at most 1.00x" if at_27k else "",
            statistics.median(into_zip) <= 1.0 if at_27k else None,
        )
        row(
            where,
            "files written per image with save_images: zip",
            f"{f['zip_files_per_image']:.4f}",
            "",
            "at most 0.01" if at_27k else "",
            f["zip_files_per_image"] <= 0.01 if at_27k else None,
        )
        row(
            where,
            "statistics only (save_images: False)",
            f"{med(raw, where, 'statistics only'):.2f} s",
            repeats(raw, where, "statistics only"),
        )
        row(
            where,
            "peak memory, main snakemake process: full run / no-op",
            f"{med(raw, where, 'full run', 'rss_mb'):.0f} MB /"
            f" {med(raw, where, 'no-op run', 'rss_mb'):.0f} MB",
            "",
            *no_op_memory(where, "rss_mb"),
        )
        row(
            where,
            "peak memory, largest process snakemake started and waited for:"
            " full run / no-op",
            f"{med(raw, where, 'full run', 'child_rss_mb'):.0f} MB /"
            f" {med(raw, where, 'no-op run', 'child_rss_mb'):.0f} MB",
            "",
            *no_op_memory(where, "child_rss_mb"),
        )
        blocks = f["blocks"]
        largest = max(blocks, key=lambda b: b["images"])
        row(
            where,
            "blocks (block jobs); peak memory of the largest",
            f"{len(blocks)}, {min(b['images'] for b in blocks)} to {largest['images']}"
            f" images; {largest['max_rss']:.0f} MB",
        )
        row(
            where,
            "files written per image",
            f"{f['files_per_image']:.2f}",
            "",
            "1" if at_27k else "",
            f["files_per_image"] <= 1 if at_27k else None,
        )
        if "metadata" in f:
            ops = f["metadata"]
            row(
                where,
                "file creations and renames per image (strace): on the image's"
                " outputs; plus those of the run itself",
                "strace missing"
                if ops is None
                else f"{ops[0] / n:.2f}; plus {ops[1]:,} ({ops[1] / n:.3f} per image)",
                "",
                "at most 2" if at_27k else "",
                None if ops is None or not at_27k else ops[0] / n <= 2,
            )
        if "zip_metadata" in f:
            ops = f["zip_metadata"]
            row(
                where,
                "file creations and renames per image with save_images: zip"
                " (strace): on the images' outputs; plus those of the run itself",
                "strace missing"
                if ops is None
                else f"{ops[0] / n:.4f}; plus {ops[1]:,} ({ops[1] / n:.3f} per image)",
                "",
                "at most 0.01" if at_27k else "",
                None if ops is None or not at_27k else ops[0] / n <= 0.01,
            )
        good, bad, total = f["accounted"]
        row(
            where,
            "images accounted for: processed + rejected = found",
            f"{good:,} + {bad:,} = {total:,}",
            "",
            "all",
            good + bad == total,
        )
        row(where, "files under .snakemake/", str(f["snakemake_files"]))
        if values(raw, where, "one process per image (extrapolated)"):
            per_process = med(raw, where, "one process per image (extrapolated)")
            row(
                where,
                "one Python process per image, 2 at a time (extrapolated)",
                f"{per_process:.0f} s: {per_process / full:.0f}x the full run",
            )
    return rows


def write_outputs(out: Path, raw, rows, info, found, args) -> None:
    with open(out / "results.csv", "w", newline="") as fh:
        keys = sorted({k for r in raw for k in r} - {"where", "measure", "repeat"})
        w = csv.DictWriter(fh, ["where", "measure", "repeat", *keys])
        w.writeheader()
        w.writerows(raw)
    with open(out / "summary.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["where", "measure", "median", "each repeat", "target", "met"])
        w.writerows(rows)
    (out / "machine.json").write_text(json.dumps(info, indent=1) + "\n")
    n = next(iter(found.values()))["images"]
    config = f", config {' '.join(args.config)}" if args.config else ""
    lines = [
        f"{n:,} images (perf/generate.py --scale {args.scale:g}),"
        f" `--cores {args.cores}`{config}, median of {args.repeats}"
        f"{later_repeats_note(args)} (every repeat listed); {info['cpu']},"
        f" {info['cores']} cores, {info['memory_gib']} GiB,"
        f" Python {info['python']}, Snakemake {info['snakemake']},"
        f" Pillow {info['pillow']}, {info['environment']};"
        f" {datetime.now():%Y-%m-%d}. memory: tmpfs;"
        " disk: the machine's disk.",
        "",
        "| where | measure | median | each repeat | target | met |",
        "| --- | --- | --- | --- | --- | --- |",
        *("| " + " | ".join(map(str, r)) + " |" for r in rows),
    ]
    table = "\n".join(lines) + "\n"
    (out / "table.md").write_text(table)
    plot(raw, out / "times.svg", n, args.cores)
    print()
    print(table)
    print(f"written to {out}")


def plot(raw, path: Path, n: int, cores: int) -> None:
    """Median seconds of each measure as bars from zero; below them, the
    phases of a full run as bars from their median start to median end."""
    from perimage.svgplot import Chart, colour

    measures = [
        "minimal loop",
        "equal loop",
        "full run",
        "full run, zip input",
        "full run, save_images zip",
        "statistics only",
        "one image changed",
        "no-op run",
        "dry run",
        "trivial no-op",
        "scan",
        "image list",
    ]
    labels = [
        *("scan of input_dir" if m == "scan" else m for m in measures),
        *(f"full run: {key}" for key, _ in PHASES),
    ]
    places = sorted({r["where"] for r in raw})
    chart = Chart(
        820,
        110 + 44 * len(labels),
        f"{n:,} images, {cores} cores: median seconds; below, a full run's phases",
        left=170,
        right=120,
    )
    chart.rows = labels
    top = max(med(raw, w, m) for w in places for m in measures if values(raw, w, m))
    chart.xlim = (0, top * 1.1)
    chart.x_axis("seconds (median of the repeats; phases from the run's start)")
    chart.row_labels()
    for j, where in enumerate(places):
        bars = [
            (i, 0.0, med(raw, where, measure))
            for i, measure in enumerate(measures)
            if values(raw, where, measure)
        ]
        if values(raw, where, "full run"):
            bars += [
                (
                    len(measures) + k,
                    med(raw, where, "full run", f"{key}_start"),
                    med(raw, where, "full run", f"{key}_end"),
                )
                for k, (key, _) in enumerate(PHASES)
            ]
        for i, start, end in bars:
            shift = j - (len(places) - 1) / 2  # one place: on the row's centre
            y = chart.row_centre(i) + shift * chart.row_height * 0.4
            x0, x1 = float(chart.x(start)), float(chart.x(end))
            chart.rect(x0, y - 7, x1 - x0, 14, colour(j), stroke="none")
    chart.legend([(where, colour(j)) for j, where in enumerate(places)])
    chart.save(str(path))


if __name__ == "__main__":
    main()
