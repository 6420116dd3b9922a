"""Images inside a zip archive: input_dir names the .zip, the block jobs read
its members. Archives are made here with Python's zipfile from the .test
images; what a run gives is checked against the run on the folder itself,
Pillow and the csv module."""

from __future__ import annotations

import base64
import io
import os
import re
import shutil
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import REPO, read_tsv
from PIL import Image, ImageStat
from test_bad_input import without_root_privilege
from test_workflow import changed_blocks, one_block_changed, owner_of, plan_of

ZIP = "data.zip"


def zip_folder(folder: Path, archive: Path, *, prefix: str = "", **options) -> Path:
    """Every file below ``folder`` as a member, named by its path below it."""
    options.setdefault("compression", zipfile.ZIP_DEFLATED)
    with zipfile.ZipFile(archive, "w", **options) as z:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                z.write(path, prefix + str(path.relative_to(folder)))
    return archive


def zipped(project, **options) -> Path:
    """The project's .test images as data.zip, and no folder of them left,
    so that the run can only read the archive."""
    archive = zip_folder(project.data, project.workdir / ZIP, **options)
    shutil.rmtree(project.data)
    return archive


def zip_run(project, *args, **kwargs):
    return project.snakemake("--config", f"input_dir={ZIP}", *args, **kwargs)


def image_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.suffix.lower() == ".jpg"]


def test_a_zip_gives_the_stats_of_its_folder(fresh, completed_project):
    """The same table, byte for byte, the same skipped files; nothing is
    unpacked; a second run has nothing to do."""
    zipped(fresh)
    zip_run(fresh)
    folder = completed_project.results
    assert (fresh.results / "stats.tsv").read_bytes() == (
        folder / "stats.tsv"
    ).read_bytes()
    assert read_tsv(fresh.results / "plan" / "skipped.tsv") == read_tsv(
        folder / "plan" / "skipped.tsv"
    )
    assert image_files(fresh.root) == []  # no member was extracted
    greyscale = fresh.results / "greyscale" / "Forest" / "Forest_1.jpg.png"
    with Image.open(completed_project.data / "Forest" / "Forest_1.jpg") as im:
        assert Image.open(greyscale).tobytes() == im.convert("L").tobytes()
    assert zip_run(fresh, "-n").nothing_to_do()


def test_the_readme_example_runs_the_sample_from_its_zip(fresh, completed_project):
    """README's two commands, as written: the sample zipped by Python's own
    tool, then the run from the archive, with the table of the folder."""
    readme = (REPO / "README.md").read_text()
    zip_cmd = "python -m zipfile -c .test/sample.zip .test/data"
    run_cmd = "snakemake --cores 2 --directory .test --config input_dir=sample.zip/data"
    assert f"```sh\n{zip_cmd}\n{run_cmd}\n```" in readme
    subprocess.run([sys.executable, *zip_cmd.split()[1:]], cwd=fresh.root, check=True)
    shutil.rmtree(fresh.data)
    fresh.snakemake(*run_cmd.split()[5:])
    assert (fresh.results / "stats.tsv").read_bytes() == (
        completed_project.results / "stats.tsv"
    ).read_bytes()


def test_a_folder_inside_a_zip_with_include_and_limit(fresh, completed_project):
    """input_dir: archive.zip/folder: the paths below that folder are the
    identities (classes included); include and limit select as for folders."""
    archive = zip_folder(
        fresh.data, fresh.workdir / "images.zip", prefix="EuroSAT_RGB/"
    )
    shutil.rmtree(fresh.data)
    with zipfile.ZipFile(archive, "a") as z:
        for name in (
            "EuroSAT_RGB/.DS_Store",
            "EuroSAT_RGB/Forest/.hidden/x.jpg",
            "EuroSAT_RGB/Forest/notes.txt",
            "outside/Forest_1.jpg",  # not below the folder: not an image here
        ):
            z.writestr(name, b"x")
        z.writestr(zipfile.ZipInfo("EuroSAT_RGB/Forest/"), b"")  # a folder entry
    run = fresh.snakemake(
        "--config",
        "input_dir=images.zip/EuroSAT_RGB",
        "include=[Forest/*,River/*]",
        "limit=14",
    )
    expected = [
        r
        for r in completed_project.stats()
        if r["path"].startswith(("Forest/", "River/"))
    ][:14]
    assert fresh.stats() == expected
    assert "every image in" not in run.output  # the folder is named
    skipped = read_tsv(fresh.results / "plan" / "skipped.tsv")
    assert {(r["path"], r["reason"]) for r in skipped} == {
        (".DS_Store", "hidden"),
        ("Forest/.hidden", "hidden"),
        ("Forest/notes.txt", "not an image file extension"),
        ("README.md", "not an image file extension"),
    }


def test_a_sample_sheet_selects_members_of_a_zip(fresh, completed_project):
    """images: a sheet's paths are members of the archive; its class column is
    the class, and a listed member the archive lacks is rejected."""
    zipped(fresh)
    (fresh.workdir / "sheet.csv").write_text(
        "path,class\nRiver/River_1.jpg,water\nForest/Forest_1.jpg,trees\n"
        "Forest/Forest_99.jpg,trees\n"
    )
    zip_run(fresh, "images=sheet.csv")
    folder = {r["path"]: r for r in completed_project.stats()}
    rows = fresh.stats()
    assert [r["path"] for r in rows] == ["Forest/Forest_1.jpg", "River/River_1.jpg"]
    for row in rows:
        assert {k: v for k, v in row.items() if k != "class"} == folder[row["path"]]
    assert [r["class"] for r in rows] == ["trees", "water"]
    assert read_tsv(fresh.results / "rejected.tsv") == [
        {"path": "Forest/Forest_99.jpg", "reason": "no such member in the archive"}
    ]


def test_an_archive_of_one_folder_gets_a_hint(fresh):
    """All images below one folder of the archive: one class, and a hint."""
    zip_folder(fresh.data, fresh.workdir / "images.zip", prefix="EuroSAT_RGB/")
    shutil.rmtree(fresh.data)
    run = fresh.snakemake("--config", "input_dir=images.zip", "limit=3")
    assert (
        "every image in images.zip is below EuroSAT_RGB/, so they all have the"
        " class 'EuroSAT_RGB'; input_dir: images.zip/EuroSAT_RGB makes the"
        " folders below it the classes"
    ) in run.output
    assert [r["path"] for r in fresh.stats()] == [
        "EuroSAT_RGB/AnnualCrop/AnnualCrop_1.jpg",
        "EuroSAT_RGB/AnnualCrop/AnnualCrop_10.jpg",
        "EuroSAT_RGB/AnnualCrop/AnnualCrop_11.jpg",
    ]


def test_one_image_as_a_target_from_a_zip(fresh, completed_project):
    zipped(fresh)
    target = "results/greyscale/River/River_2.jpg.png"
    run = fresh.snakemake(target, "--config", f"input_dir={ZIP}")
    assert run.rules()["process_image"] == 1
    with Image.open(completed_project.data / "River" / "River_2.jpg") as im:
        expected = im.convert("L").tobytes()
    assert Image.open(fresh.workdir / target).tobytes() == expected


# -- faults of one member: rejected with the reason, the run goes on ----------

MAX_PIXELS = 5000  # the .test images have 4096; a member may hold 16 bytes each
LIMIT = 16 * MAX_PIXELS


def _headers(data: bytes, name: str) -> tuple[int, int]:
    """Offsets of a member's local header and its central directory entry."""
    raw = name.encode()
    central = data.rfind(raw) - 46  # the directory follows every member
    assert data[central : central + 4] == b"PK\x01\x02"
    (local,) = struct.unpack_from("<L", data, central + 42)
    assert data[local : local + 4] == b"PK\x03\x04"
    return local, central


def patch_member(archive: Path, name: str, *, flags: int = 0, size: int = 0):
    """Set flag bits of a member, or its declared size, in both headers."""
    data = bytearray(archive.read_bytes())
    local, central = _headers(data, name)
    for at, flag_at, size_at in ((local, 6, 22), (central, 8, 24)):
        (old,) = struct.unpack_from("<H", data, at + flag_at)
        struct.pack_into("<H", data, at + flag_at, old | flags)
        if size:
            struct.pack_into("<L", data, at + size_at, size)
    archive.write_bytes(bytes(data))


def damage_member(archive: Path, name: str) -> None:
    """Flip a byte of a stored member's data: its CRC-32 no longer matches."""
    data = bytearray(archive.read_bytes())
    local, _ = _headers(data, name)
    name_len, extra_len = struct.unpack_from("<2H", data, local + 26)
    data[local + 30 + name_len + extra_len + 200] ^= 0xFF
    archive.write_bytes(bytes(data))


FAULTS = {
    "Forest/encrypted.jpg": "encrypted member (password-protected)",
    "Forest/lzma.jpg": "compression method 14 (LZMA) is not supported",
    "Forest/damaged.jpg": "CRC-32 mismatch: the member is damaged",
    "Forest/huge.png": f"member declares 100000 bytes, more than {LIMIT}",
    "Forest/bomb.png": "member inflates to more than its declared 1000 bytes",
    "../evil.jpg": "unsafe member name '../evil.jpg': it climbs out of its folder",
    "/tmp/evil.jpg": "unsafe member name '/tmp/evil.jpg': an absolute path",
}


@pytest.fixture
def faulty(fresh) -> Path:
    """The .test images zipped, and beside them one member of each fault."""
    archive = zipped(fresh)
    jpeg = zipfile.ZipFile(archive).read("Forest/Forest_1.jpg")
    with zipfile.ZipFile(archive, "a") as z:
        z.writestr("Forest/encrypted.jpg", jpeg, zipfile.ZIP_STORED)
        z.writestr("Forest/lzma.jpg", jpeg, zipfile.ZIP_LZMA)
        z.writestr("Forest/damaged.jpg", jpeg, zipfile.ZIP_STORED)
        z.writestr("Forest/huge.png", os.urandom(100_000), zipfile.ZIP_STORED)
        z.writestr("Forest/bomb.png", bytes(2_000_000), zipfile.ZIP_DEFLATED)
        z.writestr("../evil.jpg", jpeg)
        z.writestr("/tmp/evil.jpg", jpeg)
    patch_member(archive, "Forest/encrypted.jpg", flags=0x1)
    damage_member(archive, "Forest/damaged.jpg")
    patch_member(archive, "Forest/bomb.png", size=1000)
    return archive


def test_each_fault_of_a_member_is_rejected_with_its_reason(
    fresh, faulty, completed_project
):
    zip_run(fresh, f"max_pixels={MAX_PIXELS}")
    rejected = {
        r["path"]: r["reason"] for r in read_tsv(fresh.results / "rejected.tsv")
    }
    assert set(rejected) == set(FAULTS)
    for path, reason in FAULTS.items():
        assert reason in rejected[path], path
    # the other images as from their folder; no output named after a fault
    assert (fresh.results / "stats.tsv").read_bytes() == (
        completed_project.results / "stats.tsv"
    ).read_bytes()
    assert [p for p in fresh.root.rglob("*evil*")] == []
    assert not Path("/tmp/evil.jpg.png").exists()
    assert zip_run(fresh, f"max_pixels={MAX_PIXELS}", "-n").nothing_to_do()


def test_member_faults_fail_a_block_with_on_error_fail(fresh, faulty):
    run = zip_run(fresh, f"max_pixels={MAX_PIXELS}", "on_error=fail", check=False)
    assert run.returncode != 0
    assert "../evil.jpg: unsafe member name '../evil.jpg'" in run.output


# -- faults of the whole archive: an error before any job ---------------------


def truncate(archive: Path) -> None:
    archive.write_bytes(archive.read_bytes()[:-300])


def damage_directory(archive: Path) -> None:
    data = bytearray(archive.read_bytes())
    at = data.find(b"PK\x01\x02")
    data[at : at + 4] = b"XXXX"
    archive.write_bytes(bytes(data))


def not_a_zip(archive: Path) -> None:
    archive.write_text("these are not the images you are looking for\n")


@pytest.mark.parametrize("damage", [truncate, damage_directory, not_a_zip])
def test_an_invalid_archive_is_an_error_before_any_job(fresh, damage):
    damage(zipped(fresh))
    run = zip_run(fresh, check=False)
    assert run.returncode != 0
    assert f"input_dir '{ZIP}' is not a valid zip archive" in run.output
    assert not fresh.results.exists()


def test_a_zip64_archive_of_more_than_65535_members(fresh, completed_project):
    archive = zipped(fresh)
    with zipfile.ZipFile(archive, "a") as z:
        for i in range(70_000):
            z.writestr(f"notes/{i}.txt", b"")
    assert len(zipfile.ZipFile(archive).infolist()) > 70_000
    assert b"PK\x06\x06" in archive.read_bytes()[-200:]  # zip64 end record
    zip_run(fresh)
    assert (fresh.results / "stats.tsv").read_bytes() == (
        completed_project.results / "stats.tsv"
    ).read_bytes()
    assert len(read_tsv(fresh.results / "plan" / "skipped.tsv")) == 70_001


# -- what a second run does ---------------------------------------------------


def rewrite(archive: Path, replace: dict[str, bytes | None], **options) -> None:
    """The archive made again: every member, some replaced (or, None,
    removed), then new ones."""
    with zipfile.ZipFile(archive) as z:
        members = {name: z.read(name) for name in z.namelist()}
    for name, data in replace.items():
        if data is None:
            del members[name]
        else:
            members[name] = data
    options.setdefault("compression", zipfile.ZIP_DEFLATED)
    with zipfile.ZipFile(archive, "w", **options) as z:
        for name, data in members.items():
            z.writestr(name, data)


def inverted(data: bytes) -> bytes:
    out = io.BytesIO()
    Image.open(io.BytesIO(data)).point(lambda v: 255 - v).save(out, "JPEG")
    return out.getvalue()


def test_changes_are_told_by_member_not_by_the_archive(fresh):
    archive = zipped(fresh)
    zip_run(fresh)
    # the archive made again, stored instead of deflated: nothing changed
    rewrite(archive, {}, compression=zipfile.ZIP_STORED)
    assert zip_run(fresh, "-n").nothing_to_do()

    # one member replaced: its block alone runs, and only that image in it
    image = "Forest/Forest_3.jpg"
    before = fresh.block_tables()
    new = inverted(zipfile.ZipFile(archive).read(image))
    rewrite(archive, {image: new})
    run = zip_run(fresh)
    assert run.rules()["process_block"] == 1
    block = owner_of(fresh, image)
    assert changed_blocks(before, fresh.block_tables()) == {block}
    log = (fresh.workdir / "logs/process_block" / f"{block}.log").read_text()
    assert "(1 processed," in log
    with Image.open(io.BytesIO(new)) as im:
        grey = im.convert("L")
    row = next(r for r in fresh.stats() if r["path"] == image)
    assert float(row["mean"]) == ImageStat.Stat(grey).mean[0]

    # one member added: one block changes
    before, plan = fresh.block_tables(), plan_of(fresh)
    added = "Pasture/Pasture_new.jpg"
    rewrite(archive, {added: new})
    run = zip_run(fresh)
    assert run.rules()["process_block"] == 1
    block, old, now = one_block_changed(plan, plan_of(fresh))
    assert now == old | {added}
    assert changed_blocks(before, fresh.block_tables()) & set(
        fresh.planned_blocks()
    ) == {block}

    # one member removed (inside its block): that block alone changes
    gone = "SeaLake/SeaLake_7.jpg"
    plan = plan_of(fresh)
    rewrite(archive, {gone: None})
    run = zip_run(fresh)
    assert run.rules()["process_block"] == 1
    _, old, now = one_block_changed(plan, plan_of(fresh))
    assert now == old - {gone}
    assert gone not in [r["path"] for r in fresh.stats()]
    assert not (fresh.results / "greyscale" / f"{gone}.png").exists()
    assert zip_run(fresh, "-n").nothing_to_do()


# -- save_images: zip: one archive per block ----------------------------------


def archived(project) -> Path:
    """The project set to save_images: zip, and run."""
    config = project.workdir / "config" / "config.yaml"
    config.write_text(config.read_text() + "save_images: zip\n")
    project.snakemake()
    return project


def archive_of(project, block: str) -> Path:
    return project.results / "greyscale" / f"{block}.zip"


def members_of(archive: Path) -> dict[str, zipfile.ZipInfo]:
    with zipfile.ZipFile(archive) as z:
        return {info.filename: info for info in z.infolist()}


def check_archives(project) -> None:
    """Each planned block's archive holds its images, stored, named as the
    files would be, with Pillow's greyscale pixels; stats.tsv points at them."""
    tables = project.block_members()
    files = {p.name for p in (project.results / "greyscale").iterdir()}
    planned = {f"{b}.zip" for b in project.planned_blocks()}
    # and a former block's archive while its table is (until the next plan)
    assert planned <= files <= planned | {f"{b}.zip" for b in tables}
    where = {r["path"]: r["greyscale"] for r in project.stats()}
    for block in project.planned_blocks():
        found = members_of(archive_of(project, block))
        assert sorted(found) == sorted(f"{p}.png" for p in tables[block])
        with zipfile.ZipFile(archive_of(project, block)) as z:
            for path in tables[block]:
                info = found[f"{path}.png"]
                assert info.compress_type == zipfile.ZIP_STORED
                assert where[path] == f"results/greyscale/{block}.zip/{path}.png"
                with Image.open(project.data / path) as im:
                    expected = im.convert("L").tobytes()
                assert Image.open(io.BytesIO(z.read(info))).tobytes() == expected


@pytest.fixture
def zip_outputs(fresh) -> Path:
    return archived(fresh)


def test_save_images_zip_writes_one_archive_per_block(zip_outputs, completed_project):
    project = zip_outputs
    check_archives(project)
    # no file per image below results/: a few per block
    files = [p for p in project.results.rglob("*") if p.is_file()]
    assert len(files) < len(project.images()) / 2
    assert not list(project.results.rglob("*.png"))
    # every other column as with files
    strip = [{k: v for k, v in r.items() if k != "greyscale"} for r in project.stats()]
    expected = [
        {k: v for k, v in r.items() if k != "greyscale"}
        for r in completed_project.stats()
    ]
    assert strip == expected
    # the contact sheets embed the archived PNGs themselves
    pngs = {
        z.read(name)
        for archive in (project.results / "greyscale").glob("*.zip")
        for z in [zipfile.ZipFile(archive)]
        for name in z.namelist()
    }
    sheet = (project.results / "plots" / "galleries" / "Forest.svg").read_text()
    embedded = re.findall(r'href="data:image/png;base64,([^"]+)"', sheet)
    assert embedded and all(base64.b64decode(e) in pngs for e in embedded)
    assert project.snakemake("-n").nothing_to_do()


def test_save_images_zip_reuses_and_removes_like_files(zip_outputs):
    project = zip_outputs
    # one image changed: its block runs, processes that image alone and
    # copies the others' PNGs into its new archive
    image = "Forest/Forest_3.jpg"
    path = project.data / image
    path.write_bytes(inverted(path.read_bytes()))
    before = project.block_tables()
    run = project.snakemake()
    assert run.rules()["process_block"] == 1
    block = owner_of(project, image)
    assert changed_blocks(before, project.block_tables()) == {block}
    log = (project.workdir / "logs/process_block" / f"{block}.log").read_text()
    assert "(1 processed," in log
    check_archives(project)
    # images removed, inside a block and first of one: their entries go
    for gone in ("SeaLake/SeaLake_7.jpg", "SeaLake/SeaLake_4.jpg"):
        (project.data / gone).unlink()
        project.snakemake()
        for archive in (project.results / "greyscale").glob("*.zip"):
            assert f"{gone}.png" not in members_of(archive)
        check_archives(project)
    assert project.snakemake("-n").nothing_to_do()


@pytest.mark.parametrize("damage", ["deleted", "truncated", "member removed"])
def test_save_images_zip_remakes_a_damaged_archive(zip_outputs, damage):
    project = zip_outputs
    block = owner_of(project, "River/River_2.jpg")
    archive = archive_of(project, block)
    if damage == "deleted":
        archive.unlink()
    elif damage == "truncated":
        archive.write_bytes(archive.read_bytes()[:1000])
    else:
        rewrite(archive, {"River/River_2.jpg.png": None})
    before = project.block_tables()
    dry = project.snakemake("-n")
    assert "outputs missing or damaged" in dry.output
    run = project.snakemake()
    assert run.rules()["process_block"] == 1
    assert changed_blocks(before, project.block_tables()) == {block}
    check_archives(project)
    assert project.snakemake("-n").nothing_to_do()


def test_save_images_zip_one_image_target_is_a_file_of_its_own(zip_outputs):
    """README: with save_images: zip a one-image target writes its PNG as a
    file; the blocks leave it alone, and their archives stay current."""
    project = zip_outputs
    target = "results/greyscale/River/River_2.jpg.png"
    run = project.snakemake(target)
    assert run.rules()["process_image"] == 1
    with Image.open(project.data / "River" / "River_2.jpg") as im:
        assert Image.open(project.workdir / target).tobytes() == (
            im.convert("L").tobytes()
        )
    assert project.snakemake("-n").nothing_to_do()
    assert project.snakemake(target, "-n").nothing_to_do()


def test_save_images_zip_an_unwritable_folder_fails_the_run_clearly(zip_outputs):
    """Not the image's problem: one line naming the folder and the reason;
    no image rejected; the block's previous archive is left as it was."""
    project = zip_outputs
    image = "Forest/Forest_2.jpg"
    path = project.data / image
    path.write_bytes(inverted(path.read_bytes()))
    block = owner_of(project, image)
    archive = archive_of(project, block)
    kept = archive.read_bytes()
    folder = project.results / "greyscale"
    prefix = without_root_privilege()
    folder.chmod(0o555)
    try:
        run = subprocess.run(
            [*prefix, *project.command()],
            cwd=project.root,
            env=project.environment(),
            capture_output=True,
            text=True,
        )
    finally:
        folder.chmod(0o755)
    output = run.stdout + run.stderr
    assert run.returncode != 0
    line = (
        "ERROR cannot write results/greyscale/: Permission denied"
        f" (the archive of block {block})"
    )
    assert line in output
    assert "Traceback" not in output
    assert archive.read_bytes() == kept
    assert read_tsv(project.results / "rejected.tsv") == []
    project.snakemake()
    assert read_tsv(project.results / "rejected.tsv") == []
    check_archives(project)
