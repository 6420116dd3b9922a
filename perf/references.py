"""Plain-Python loops the workflow is measured against.

    python perf/references.py minimal INPUT_DIR OUT_DIR [--processes 2]
    python perf/references.py equal INPUT_DIR OUT_DIR [--processes 2]
    python perf/references.py one-image INPUT_DIR OUT_DIR RELPATH

``minimal`` is the simplest loop a user writes before reaching for a workflow
manager: a ``multiprocessing.Pool`` over every image, each opened with
Pillow, converted with ``convert("L")``, described with ``ImageStat`` and
saved as a PNG with Pillow's encoder; one table at the end.

``equal`` does the work the workflow's default run does: the same
statistics and columns, the greyscale PNG at the same path, each file
written under a temporary name and renamed (so that no half-written file is
ever in place), and the table sorted by path. It does not reuse anything
from an earlier run, reject bad files with reasons, or plan blocks.

``one-image`` is the seed script for a single image, run once per image in
the task-array style.

``minimal`` and ``equal`` print, as JSON, their wall time and the part of it
spent in ``Pool.map`` (the rest is serial: start-up, listing, the table).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from multiprocessing import Pool

from PIL import Image, ImageStat

EXTENSIONS = (".jpg", ".jpeg", ".png", ".tif", ".tiff")


def list_images(input_dir: str) -> list[str]:
    found = []
    for folder, subfolders, files in os.walk(input_dir):
        subfolders[:] = [d for d in subfolders if not d.startswith(".")]
        for name in files:
            if name.lower().endswith(EXTENSIONS) and not name.startswith("."):
                found.append(os.path.relpath(os.path.join(folder, name), input_dir))
    return sorted(found)


def minimal_one(args: tuple[str, str, str]) -> tuple:
    input_dir, out_dir, relpath = args
    grey = Image.open(os.path.join(input_dir, relpath)).convert("L")
    stat = ImageStat.Stat(grey)
    png = os.path.join(out_dir, relpath + ".png")
    os.makedirs(os.path.dirname(png), exist_ok=True)
    grey.save(png)
    low, high = stat.extrema[0]
    return relpath, low, high, stat.mean[0], stat.median[0], stat.stddev[0]


def equal_one(args: tuple[str, str, str]) -> tuple:
    input_dir, out_dir, relpath = args
    with Image.open(os.path.join(input_dir, relpath)) as im:
        mode, frames = im.mode, getattr(im, "n_frames", 1)
        grey = im.convert("L")
    stat = ImageStat.Stat(grey)
    png = os.path.join(out_dir, "results", "greyscale", relpath + ".png")
    folder = os.path.dirname(png)
    os.makedirs(folder, exist_ok=True)
    tmp = os.path.join(folder, "." + os.path.basename(png) + ".partial")
    grey.save(tmp, "PNG")
    os.replace(tmp, png)
    low, high = stat.extrema[0]
    return (
        relpath,
        os.path.relpath(png, out_dir),
        grey.width,
        grey.height,
        mode,
        frames,
        low,
        high,
        repr(stat.mean[0]),
        stat.median[0],
        repr(stat.stddev[0]),
    )


COLUMNS = {
    "minimal": ["path", "min", "max", "mean", "median", "std"],
    "equal": [
        "path",
        "greyscale",
        "width",
        "height",
        "mode",
        "frames",
        "min",
        "max",
        "mean",
        "median",
        "std",
    ],
}


def loop(kind: str, input_dir: str, out_dir: str, processes: int) -> dict:
    start = time.perf_counter()
    images = list_images(input_dir)
    one = minimal_one if kind == "minimal" else equal_one
    with Pool(processes) as pool:
        mapped = time.perf_counter()
        rows = pool.map(one, [(input_dir, out_dir, r) for r in images], chunksize=64)
        mapped = time.perf_counter() - mapped
    table = os.path.join(out_dir, "stats.tsv")
    with open(table + ".partial", "w", encoding="utf-8") as fh:
        fh.write("\t".join(COLUMNS[kind]) + "\n")
        for row in rows:
            fh.write("\t".join(map(str, row)) + "\n")
    os.replace(table + ".partial", table)
    return {"images": len(rows), "seconds": time.perf_counter() - start, "map": mapped}


def one_image(input_dir: str, out_dir: str, relpath: str) -> None:
    minimal_one((input_dir, out_dir, relpath))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    for kind in ("minimal", "equal"):
        p = sub.add_parser(kind)
        p.add_argument("input_dir")
        p.add_argument("out_dir")
        p.add_argument("--processes", type=int, default=2)
    o = sub.add_parser("one-image")
    o.add_argument("input_dir")
    o.add_argument("out_dir")
    o.add_argument("relpath")
    args = ap.parse_args()
    if args.command == "one-image":
        one_image(args.input_dir, args.out_dir, args.relpath)
    else:
        print(
            json.dumps(loop(args.command, args.input_dir, args.out_dir, args.processes))
        )


if __name__ == "__main__":
    main()
