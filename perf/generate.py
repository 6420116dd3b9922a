"""Generate a EuroSAT-like tree of textured 64x64 RGB JPEGs.

    python perf/generate.py OUT_DIR [--scale 1.0] [--seed 0] [--jobs N]

Ten class folders with EuroSAT's image counts (27,000 in all at scale 1; 0.1
for a quick run, 10 for 270,000). Each image is a class colour plus smooth
structure and fine noise, so JPEG sizes (about 4 KB) and decoding costs are
like the real set. Every image depends only on (seed, class, index): the same
command always writes the same bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import os
from multiprocessing import Pool

import numpy as np
from PIL import Image

EUROSAT_COUNTS = {
    "AnnualCrop": 3000,
    "Forest": 3000,
    "HerbaceousVegetation": 3000,
    "Highway": 2500,
    "Industrial": 2500,
    "Pasture": 2000,
    "PermanentCrop": 2500,
    "Residential": 3000,
    "River": 2500,
    "SeaLake": 3000,
}
# Typical RGB of each class, so per-class brightness differs as in the real set.
CLASS_COLOURS = {
    "AnnualCrop": (150, 140, 110),
    "Forest": (60, 85, 70),
    "HerbaceousVegetation": (120, 125, 95),
    "Highway": (130, 125, 120),
    "Industrial": (150, 145, 140),
    "Pasture": (110, 135, 90),
    "PermanentCrop": (135, 135, 100),
    "Residential": (145, 135, 125),
    "River": (95, 105, 100),
    "SeaLake": (40, 65, 90),
}
SIZE = 64


def counts(scale: float) -> dict[str, int]:
    return {c: max(1, round(n * scale)) for c, n in EUROSAT_COUNTS.items()}


def image(seed: int, cls: str, index: int) -> Image.Image:
    key = hashlib.sha256(f"{seed}/{cls}/{index}".encode()).digest()
    rng = np.random.default_rng(int.from_bytes(key[:8], "big"))
    base = np.array(CLASS_COLOURS[cls], float) + rng.normal(0, 15) + rng.normal(0, 5, 3)
    # smooth structure: a coarse random grid scaled up, plus fine noise
    coarse = rng.normal(0, 22, (8, 8, 3)).astype(np.float32)
    smooth = np.asarray(
        Image.fromarray(coarse[..., 0]).resize((SIZE, SIZE), Image.BICUBIC)
    )[..., None]
    fine = rng.normal(0, 20, (SIZE, SIZE, 3))
    pixels = np.clip(base + smooth + fine, 0, 255).astype(np.uint8)
    return Image.fromarray(pixels, "RGB")


def _write(task: tuple[str, int, str, int]) -> None:
    out, seed, cls, index = task
    image(seed, cls, index).save(
        os.path.join(out, cls, f"{cls}_{index}.jpg"), quality=95
    )


def generate(out: str, scale: float = 1.0, seed: int = 0, jobs: int = 0) -> int:
    tasks = []
    for cls, n in counts(scale).items():
        os.makedirs(os.path.join(out, cls), exist_ok=True)
        tasks.extend((out, seed, cls, i) for i in range(1, n + 1))
    with Pool(jobs or os.cpu_count()) as pool:
        pool.map(_write, tasks, chunksize=256)
    return len(tasks)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--jobs", type=int, default=0, help="processes (default: all cores)"
    )
    args = ap.parse_args()
    n = generate(args.out, args.scale, args.seed, args.jobs)
    print(f"wrote {n} images to {args.out}")


if __name__ == "__main__":
    main()
