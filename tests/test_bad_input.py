"""Broken, odd and hostile inputs, made by the tests, through the real workflow."""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import tempfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from conftest import read_block_table, read_tsv, require
from PIL import Image

RNG = np.random.default_rng(5)


def rgb(h=24, w=32) -> Image.Image:
    return Image.fromarray(RNG.integers(0, 256, (h, w, 3), dtype=np.uint8))


def jpeg_bytes() -> bytes:
    path = Path("/dev/shm") if Path("/dev/shm").is_dir() else Path("/tmp")
    tmp = path / f"jpeg-{os.getpid()}.jpg"
    rgb(64, 64).save(tmp, quality=95)
    data = tmp.read_bytes()
    tmp.unlink()
    return data


def chunk(tag: bytes, data: bytes) -> bytes:
    """A PNG chunk, written by hand."""
    crc = zlib.crc32(tag + data)
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)


def huge_png_header(width: int, height: int) -> bytes:
    """A PNG that claims to be enormous (a decompression bomb's first bytes)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def rgb16_png(pixels: np.ndarray) -> bytes:
    """A 16-bit RGB PNG, written by hand (Pillow cannot write one)."""
    height, width, _ = pixels.shape
    header = struct.pack(">IIBBBBB", width, height, 16, 2, 0, 0, 0)
    raw = b"".join(b"\0" + row.astype(">u2").tobytes() for row in pixels)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


BROKEN = {
    "broken/empty.jpg": (b"", "not an image Pillow can read"),
    "broken/truncated.jpg": (jpeg_bytes()[:500], "damaged or truncated image"),
    "broken/random.jpg": (RNG.bytes(3000), "not an image Pillow can read"),
    "broken/text.png": (b"this is text, not a PNG\n", "not an image Pillow can read"),
    "broken/bomb.png": (huge_png_header(20_000, 20_000), "more than max_pixels"),
}


def write_odd_images(root: Path) -> dict[str, str]:
    """Valid images in unusual forms; returns path -> expected original mode."""
    odd = root / "odd"
    odd.mkdir()
    base = rgb()
    base.convert("CMYK").save(odd / "cmyk.jpg")
    sixteen = RNG.integers(0, 65536, (20, 30)).astype(np.uint16)
    Image.fromarray(sixteen).save(odd / "sixteen.png")
    Image.fromarray(sixteen).save(odd / "sixteen.tif")
    Image.fromarray(RNG.random((20, 30)).astype(np.float32), "F").save(
        odd / "float.tif"
    )
    base.convert("RGBA").save(odd / "rgba.png")
    base.convert("LA").save(odd / "la.png")
    base.convert("P", palette=Image.Palette.ADAPTIVE).save(odd / "palette.png")
    base.convert("1").save(odd / "bilevel.png")
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees on display
    base.save(odd / "rotated.jpg", exif=exif)
    frames = [rgb() for _ in range(3)]
    frames[0].save(odd / "pages.tif", save_all=True, append_images=frames[1:])
    frames[0].save(odd / "animated.gif", save_all=True, append_images=frames[1:])
    base.save(odd / "UPPER.JPG")
    base.save(odd / "Mixed.TiFf")
    return {
        "odd/cmyk.jpg": "CMYK",
        "odd/sixteen.png": "I;16",
        "odd/sixteen.tif": "I;16",
        "odd/float.tif": "F",
        "odd/rgba.png": "RGBA",
        "odd/la.png": "LA",
        "odd/palette.png": "P",
        "odd/bilevel.png": "1",
        "odd/rotated.jpg": "RGB",
        "odd/pages.tif": "RGB",
        "odd/animated.gif": None,  # .gif is not an image extension by default
        "odd/UPPER.JPG": "RGB",
        "odd/Mixed.TiFf": "RGB",
    }


HOSTILE_NAMES = [
    "names/with space.jpg",
    "names/ünïcödé 画像.jpg",
    'names/quote\'s "double".jpg',
    "names/$(touch PWNED).jpg",
    "names/`touch PWNED2`.jpg",
    "names/-leading-dash.jpg",
    "names/semi;colon&amp|pipe>.jpg",
    "names/tab\tand\nnewline.jpg",
    "names/" + "long" * 62 + ".jpg",  # 252 characters: outputs need shortening
    "names/" + "/".join(f"level{i}" for i in range(40)) + "/deep.jpg",
    *[f"names/same{i}/image.jpg" for i in range(5)],
]


@pytest.fixture
def messy(fresh):
    """The .test data plus broken, odd and hostile files."""
    data = fresh.data
    for rel, (content, _) in BROKEN.items():
        (data / rel).parent.mkdir(parents=True, exist_ok=True)
        (data / rel).write_bytes(content)
    odd = write_odd_images(data)
    for rel in HOSTILE_NAMES:
        (data / rel).parent.mkdir(parents=True, exist_ok=True)
        rgb().save(data / rel, "JPEG")
    # a name that is not UTF-8 (Latin-1 bytes), as old archives have
    with open(os.fsencode(data / "names") + b"/caf\xe9.jpg", "wb") as fh:
        fh.write(jpeg_bytes())
    trees = data / "trees"
    trees.mkdir()
    rgb().save(trees / "real.jpg")
    os.symlink("real.jpg", trees / "link.jpg")
    os.symlink("nowhere.jpg", trees / "broken-link.jpg")
    os.symlink("loop.jpg", trees / "loop.jpg")
    os.symlink("..", trees / "folder-link")
    (trees / ".hidden.jpg").write_bytes(jpeg_bytes())
    (trees / "notes.txt").write_text("not an image")
    return fresh, odd


def test_bad_odd_and_hostile_inputs(messy):
    project, odd = messy
    run = project.snakemake()
    # the run finishes, and says how many were rejected and where the list is
    assert run.returncode == 0
    rejected = {
        r["path"]: r["reason"] for r in read_tsv(project.results / "rejected.tsv")
    }
    n_bad = len(BROKEN) + 3  # and the broken link, the link loop, the Latin-1 name
    assert f"{n_bad} images were rejected; see results/rejected.tsv" in run.output
    for rel, (_, reason) in BROKEN.items():
        assert reason in rejected.pop(rel), rel
    assert "file not found" in rejected.pop("trees/broken-link.jpg")
    assert "symbolic link loop" in rejected.pop("trees/loop.jpg")
    assert rejected.pop("names/caf\\xe9.jpg") == "file name is not valid UTF-8"
    assert rejected == {}

    stats = {r["path"]: r for r in project.stats()}
    for rel, mode in odd.items():
        if mode is None:
            assert rel not in stats
            continue
        assert stats[rel]["mode"] == mode, rel
        with Image.open(project.workdir / stats[rel]["greyscale"]) as png:
            assert png.mode == "L"
    assert stats["odd/pages.tif"]["frames"] == "3"
    # EXIF orientation is not applied: the size is as stored
    assert (stats["odd/rotated.jpg"]["width"], stats["odd/rotated.jpg"]["height"]) == (
        "32",
        "24",
    )
    for rel in HOSTILE_NAMES:
        row = stats[rel]
        with Image.open(project.workdir / row["greyscale"]) as png:
            assert png.size == (32, 24), rel
    long_name = Path(stats[HOSTILE_NAMES[8]]["greyscale"]).name
    assert len(long_name.encode()) <= 255 and "~" in long_name
    assert stats["trees/link.jpg"]["mean"] == stats["trees/real.jpg"]["mean"]

    skipped = {
        r["path"]: r["reason"] for r in read_tsv(project.results / "plan/skipped.tsv")
    }
    assert skipped["trees/.hidden.jpg"] == "hidden"
    assert skipped["trees/notes.txt"] == "not an image file extension"
    assert skipped["trees/folder-link"] == "link to a folder (not followed)"
    assert skipped["odd/animated.gif"] == "not an image file extension"

    # per class, the rejected ones are counted
    summary = {r["class"]: r for r in read_tsv(project.results / "summary/classes.tsv")}
    assert summary["broken"]["rejected"] == str(len(BROKEN))
    assert summary["(all)"]["rejected"] == str(n_bad)
    assert int(summary["(all)"]["images"]) == len(stats)

    # no shell ever saw a file name
    assert not list(project.root.rglob("PWNED*"))
    assert not list(Path("/tmp").glob("PWNED*"))


def test_a_16_bit_rgb_png_is_read_as_its_high_bytes(fresh):
    """README: Pillow opens a 16-bit RGB PNG as 8-bit RGB (high bytes)."""
    pixels = RNG.integers(0, 65536, (20, 30, 3)).astype(np.uint16)
    (fresh.data / "Forest" / "deep.png").write_bytes(rgb16_png(pixels))
    fresh.snakemake("--config", "include=['Forest/*']")
    row = next(r for r in fresh.stats() if r["path"] == "Forest/deep.png")
    assert (row["mode"], row["width"], row["height"]) == ("RGB", "30", "20")
    high = Image.fromarray((pixels >> 8).astype(np.uint8), "RGB").convert("L")
    with Image.open(fresh.workdir / row["greyscale"]) as grey:
        assert grey.tobytes() == high.tobytes()
    values = np.asarray(high, dtype=np.float64)
    assert (int(row["min"]), int(row["max"])) == (values.min(), values.max())
    assert float(row["mean"]) == pytest.approx(values.mean(), rel=1e-12)


def test_only_results_logs_and_snakemake_are_written(messy):
    project, _ = messy
    before = {p for p in project.root.rglob("*")}
    project.snakemake()
    new = {p for p in project.root.rglob("*")} - before
    allowed = [project.workdir / d for d in ("results", "logs", ".snakemake")]
    outside = [p for p in new if not any(p == a or a in p.parents for a in allowed)]
    assert outside == []


def test_fail_names_the_file_and_keeps_other_blocks(messy):
    project, _ = messy
    run = project.snakemake("--keep-going", "--config", "on_error=fail", check=False)
    assert run.returncode != 0
    assert "broken/bomb.png: 20000x20000 = 400000000 pixels, more than max_pixels" in (
        run.output
    )
    done = project.block_tables()
    assert done  # blocks without a bad image finished, and their results hold
    for table in (project.results / "blocks").glob("*.tsv"):
        assert all(row["_error"] == "" for row in read_block_table(table))
    # repair the bad files in place; the next run redoes only the failed blocks
    for rel in [*BROKEN, "trees/broken-link.jpg", "trees/loop.jpg"]:
        (project.data / rel).unlink()
        (project.data / rel).write_bytes(jpeg_bytes())
    os.remove(os.fsencode(project.data / "names") + b"/caf\xe9.jpg")
    failed = json.loads((project.results / "plan/inventory.json").read_text())
    again = project.snakemake("--config", "on_error=fail")
    assert again.rules()["process_block"] == failed["blocks"] - len(done)
    assert all(project.block_tables()[b] == t for b, t in done.items())
    assert read_tsv(project.results / "rejected.tsv") == []


def test_max_pixels_rejects_large_images(fresh):
    fresh.snakemake("--config", "max_pixels=4000", "include=['Forest/*']")
    rejected = {
        r["path"]: r["reason"] for r in read_tsv(fresh.results / "rejected.tsv")
    }
    # every .test image is 64x64 = 4096 pixels
    assert len(rejected) == 12
    assert rejected["Forest/Forest_1.jpg"] == (
        "64x64 = 4096 pixels, more than max_pixels (4000)"
    )
    assert fresh.stats() == []


def without_root_privilege() -> list[str]:
    """A command prefix under which permission bits hold, even for root."""
    if os.geteuid() != 0:
        return []
    require(
        shutil.which("setpriv") is not None,
        "root ignores permission bits, and setpriv (util-linux) is not here",
    )
    # root reads and writes any file: drop the capabilities that let it
    caps = "-dac_override,-dac_read_search"
    args = ["setpriv", f"--inh-caps={caps}", f"--bounding-set={caps}", "--"]
    with tempfile.TemporaryDirectory() as folder:
        closed = Path(folder) / "closed"
        closed.write_bytes(b"")
        closed.chmod(0)
        probe = subprocess.run([*args, "cat", str(closed)], capture_output=True)
    require(
        probe.returncode != 0 and b"Permission denied" in probe.stderr,
        "setpriv cannot take root's privilege over permission bits here",
    )
    return args


def test_unreadable_file_is_rejected(fresh):
    secret = fresh.data / "Forest" / "secret.jpg"
    rgb().save(secret)
    secret.chmod(0)
    args = without_root_privilege()
    run = subprocess.run(
        [*args, *fresh.command()],
        cwd=fresh.root,
        env=fresh.environment(),
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    rejected = {
        r["path"]: r["reason"] for r in read_tsv(fresh.results / "rejected.tsv")
    }
    assert rejected == {"Forest/secret.jpg": "cannot be read: permission denied"}


@pytest.mark.parametrize("how", ["read-only", "immutable"])
def test_an_unwritable_output_folder_fails_the_run_clearly(completed, how):
    """Not the image's problem: the run fails with one line naming the folder
    and the reason; no image is filed as rejected, nothing computed is lost."""
    folder = completed.results / "greyscale" / "Forest"
    invert = completed.data / "Forest" / "Forest_2.jpg"
    with Image.open(invert) as im:
        im.point(lambda v: 255 - v).save(invert)
    if how == "read-only":
        prefix, reason = without_root_privilege(), "Permission denied"
        folder.chmod(0o555)
    else:
        require(shutil.which("chattr") is not None, "chattr (e2fsprogs) is not here")
        prefix, reason = [], "Operation not permitted"
        made = subprocess.run(["chattr", "+i", str(folder)], capture_output=True)
        require(made.returncode == 0, f"chattr +i fails here: {made.stderr!r}")
    try:
        run = subprocess.run(
            [*prefix, *completed.command()],
            cwd=completed.root,
            env=completed.environment(),
            capture_output=True,
            text=True,
        )
    finally:
        if how == "read-only":
            folder.chmod(0o755)
        else:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
    output = run.stdout + run.stderr
    assert run.returncode != 0
    line = (
        f"ERROR cannot write results/greyscale/Forest/: {reason}"
        " (saving the outputs of Forest/Forest_2.jpg)"
    )
    assert line in output
    assert "Traceback" not in output
    assert read_tsv(completed.results / "rejected.tsv") == []
    # with the folder writable again, the same command completes the run,
    # and the block that failed runs again: the changed image is processed
    completed.snakemake()
    assert read_tsv(completed.results / "rejected.tsv") == []
    png = folder / "Forest_2.jpg.png"
    with Image.open(invert) as im, Image.open(png) as out:
        assert out.tobytes() == im.convert("L").tobytes()
    assert completed.snakemake("-n").nothing_to_do()
