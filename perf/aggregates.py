"""Time the aggregate jobs' work on synthetic block tables, without Snakemake.

    python perf/aggregates.py generate DIR [--rows 1000000] [--tables 100]
    python perf/aggregates.py run DIR [--code SCRIPTS] [--repeats 3]

``generate`` writes brightness-survey block tables with the workflow's own
``BlockTable`` writer: sorted paths in contiguous blocks listed in hash order,
as the plan makes them, a few hostile names (tab, newline, quotes, non-ASCII)
and one image in a thousand rejected. It also writes the greyscale PNGs that
the contact sheets will show, and nothing else.

``run`` times, each in a fresh process so that the peak memory is its own,
what the ``summarise`` job does (read the tables, write ``stats.tsv`` and
``rejected.tsv``, summarise per class) and what ``draw_figures`` does (read
the tables, the four plots, the contact sheets). ``--code`` is the
``workflow/scripts`` folder to import (another checkout, to compare); the
outputs go to DIR/out, so that two checkouts' can be compared with ``cmp``.
Use a folder in memory (/dev/shm): on a disk the noise decides.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = HERE.parent / "workflow" / "scripts"
CLASSES = ["AnnualCrop", "Forest", "Highway", "Industrial", "River", "SeaLake"]
HOSTILE = ["tab\there.jpg", "new\nline.jpg", 'quote\'s "x".jpg', "ünï 画像.jpg"]
COLUMNS = ["greyscale", "width", "height", "mode", "frames"]
COLUMNS += ["min", "max", "mean", "median", "std"]
PER_ROW = 8  # the default gallery_images


def generate(out: Path, rows: int, n_tables: int) -> None:
    sys.path.insert(0, str(SCRIPTS))
    from perimage import png, tables
    from PIL import Image

    rng = random.Random(0)
    paths = sorted(
        f"{CLASSES[i % len(CLASSES)]}/"
        + (f"{i} {HOSTILE[i % len(HOSTILE)]}" if i % 50_000 == 7 else f"img_{i}.jpg")
        for i in range(rows)
    )
    blocks = [
        paths[i * rows // n_tables : (i + 1) * rows // n_tables]
        for i in range(n_tables)
    ]
    rng.shuffle(blocks)  # block tables are listed by name, a hash
    (out / "blocks").mkdir(parents=True, exist_ok=True)
    chosen: dict[str, list[tuple[float, str, str]]] = {}
    for b, block in enumerate(blocks):
        table = tables.BlockTable(COLUMNS, "0123456789abcdef", "", [])
        for path in block:
            if rng.random() < 0.001:
                table.rows.append(
                    [path, *[""] * len(COLUMNS), "cannot decode", "", "", ""]
                )
                continue
            mean = rng.gauss(110, 30)
            grey = f"results/greyscale/{path}.png"
            values = [
                grey,
                64,
                64,
                "RGB",
                1,
                rng.randrange(0, 60),
                rng.randrange(180, 256),
            ]
            values += [mean, round(mean), rng.uniform(5, 40)]
            cells = [tables.cell(v) for v in values]
            table.rows.append(
                [path, *cells, "", "4000:1796012409641986421", "4096", "greyscale=3477"]
            )
            chosen.setdefault(path.partition("/")[0], []).append(
                (float(cells[7]), path, grey)
            )
        with open(
            out / "blocks" / f"{b:04x}.tsv", "w", encoding="utf-8", newline=""
        ) as fh:
            table.write(fh)
    # the greyscale PNGs of the darkest and brightest images of each class
    tile = png.encode(Image.new("L", (64, 64), 128))
    for rows_of_class in chosen.values():
        rows_of_class.sort()
        for _, _, grey in rows_of_class[:PER_ROW] + rows_of_class[-PER_ROW:]:
            (out / grey).parent.mkdir(parents=True, exist_ok=True)
            (out / grey).write_bytes(tile)
    (out / "expected").write_text(str(rows))


CHILD = """
import inspect, json, os, resource, sys, time
sys.path.insert(0, sys.argv[1])
os.chdir(sys.argv[2])
job = sys.argv[3]
start = time.perf_counter()
from perimage import collect, summary
expected = int(open("expected").read())
blocks = sorted(os.path.join("blocks", n) for n in os.listdir("blocks"))
if job == "summarise":
    stats, rejected = collect.read_blocks(blocks, expected)
    collect.write(stats, rejected, "out/stats.tsv", "out/rejected.tsv")
    summary.write("out/classes.tsv", *summary.summarise(stats, rejected, ["mean"]))
else:
    from brightness import galleries, plots
    from perimage.plots import ByClass
    stats, _ = collect.read_blocks(blocks, expected)
    groups = ByClass(stats)
    plots.brightness_by_class(groups, "out/by_class.svg")
    plots.mean_histograms(groups, "out/histograms.svg")
    plots.min_max_spread(groups, "out/min_max.svg")
    plots.mean_vs_std(groups, "out/mean_std.svg")
    # make_galleries took the stats table before the aggregates worked by column
    first = next(iter(inspect.signature(galleries.make_galleries).parameters))
    table = groups if first == "groups" else stats
    galleries.make_galleries(table, "data", "out/galleries", int(sys.argv[4]))
seconds = time.perf_counter() - start
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": seconds, "peak_mb": rss / 1024}))
"""


def run(folder: Path, code: Path, repeats: int) -> None:
    (folder / "out").mkdir(exist_ok=True)
    for job in ("summarise", "draw_figures"):
        for repeat in range(repeats):
            cmd = [
                sys.executable,
                "-c",
                CHILD,
                str(code),
                str(folder),
                job,
                str(PER_ROW),
            ]
            wall = time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True, text=True)
            if proc.returncode:
                sys.exit(f"{job} failed:\n{proc.stderr}")
            wall = time.perf_counter() - wall
            result = json.loads(proc.stdout.splitlines()[-1])
            print(
                f"{job:13} repeat {repeat + 1}: {result['seconds']:6.2f} s work,"
                f" {wall:6.2f} s process, peak {result['peak_mb']:7.0f} MB",
                flush=True,
            )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate")
    gen.add_argument("folder", type=Path)
    gen.add_argument("--rows", type=int, default=1_000_000)
    gen.add_argument("--tables", type=int, default=100)
    timing = sub.add_parser("run")
    timing.add_argument("folder", type=Path)
    timing.add_argument("--code", type=Path, default=SCRIPTS)
    timing.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    if args.command == "generate":
        generate(args.folder, args.rows, args.tables)
    else:
        run(args.folder, args.code.resolve(), args.repeats)


if __name__ == "__main__":
    main()
