"""Plain-Python references the workflow is measured against.

    python perf/references.py pool INPUT_DIR OUT_DIR [--processes 2]
    python perf/references.py one-image INPUT_DIR OUT_DIR RELPATH

``pool`` is the loop a user writes before reaching for a workflow manager: a
``multiprocessing.Pool`` over every image, each opened with Pillow, converted
with ``convert("L")``, described with ``ImageStat`` and saved with Pillow's PNG
encoder; it writes the same per-image files as the workflow (same paths, same
pixels, same JSON fields) and one table of all images. ``one-image`` is the
seed script for a single image, run once per image in the task-array style.
"""

from __future__ import annotations

import argparse
import json
import os
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


def one_image(input_dir: str, out_dir: str, relpath: str) -> dict:
    grey = Image.open(os.path.join(input_dir, relpath)).convert("L")
    stat = ImageStat.Stat(grey)
    png = os.path.join(out_dir, "greyscale", relpath + ".png")
    record = {
        "path": relpath,
        "greyscale": png,
        "width": grey.width,
        "height": grey.height,
        "mode": "RGB",
        "frames": 1,
        "min": stat.extrema[0][0],
        "max": stat.extrema[0][1],
        "mean": stat.mean[0],
        "median": stat.median[0],
        "std": stat.stddev[0],
    }
    os.makedirs(os.path.dirname(png), exist_ok=True)
    grey.save(png)
    path = os.path.join(out_dir, "stats", relpath + ".json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(record, fh, indent=1)
    return record


def _one(args: tuple[str, str, str]) -> dict:
    return one_image(*args)


def pool(input_dir: str, out_dir: str, processes: int) -> int:
    images = list_images(input_dir)
    with Pool(processes) as p:
        rows = p.map(_one, [(input_dir, out_dir, r) for r in images], chunksize=64)
    columns = list(rows[0])
    with open(os.path.join(out_dir, "stats.tsv"), "w", encoding="utf-8") as fh:
        fh.write("\t".join(columns) + "\n")
        for row in rows:
            fh.write("\t".join(str(row[c]) for c in columns) + "\n")
    return len(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("pool")
    p.add_argument("input_dir")
    p.add_argument("out_dir")
    p.add_argument("--processes", type=int, default=2)
    o = sub.add_parser("one-image")
    o.add_argument("input_dir")
    o.add_argument("out_dir")
    o.add_argument("relpath")
    args = ap.parse_args()
    if args.command == "pool":
        print(pool(args.input_dir, args.out_dir, args.processes))
    else:
        one_image(args.input_dir, args.out_dir, args.relpath)


if __name__ == "__main__":
    main()
