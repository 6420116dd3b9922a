"""A block job's work without Snakemake: outputs, rows, reuse, rejections,
errors that are not the image's, and the block's lock."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import require
from perimage import runner, tables
from perimage.errors import BlockError
from PIL import Image

RNG = np.random.default_rng(7)
NAMES = ["A/one.jpg", "A/two.png", "B/one.jpg", "three.tif"]


@pytest.fixture
def tree(tmp_path, monkeypatch):
    """Images in tmp/in; the outputs go below tmp (the working directory)."""
    monkeypatch.chdir(tmp_path)
    for name in NAMES:
        path = tmp_path / "in" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(RNG.integers(0, 256, (16, 24, 3), dtype=np.uint8)).save(path)
    return tmp_path


def settings(**kw) -> runner.Settings:
    return runner.Settings(
        **{"input_dir": "in", "analysis": "brightness", "version": "v1", **kw}
    )


def run(names=NAMES, table="table.tsv", **kw):
    s = settings(
        **{k: kw.pop(k) for k in list(kw) if k in runner.Settings.__annotations__}
    )
    return runner.run_block(list(names), table, s, **kw)


def read(table="table.tsv") -> tables.BlockTable:
    return tables.BlockTable.read(table)


def rows(table="table.tsv") -> dict[str, list[str]]:
    return {row[0]: row for row in read(table).rows}


def png(name: str) -> Path:
    return Path(f"results/greyscale/{name}.png")


def analysis_file(tmp_path: Path, body: str) -> str:
    path = tmp_path / "user_analysis.py"
    path.write_text(body)
    return f"{path}:analyse"


def test_every_image_gets_its_outputs_and_a_row(tree):
    result = run()
    assert (result.images, result.processed, result.rejected) == (4, 4, 0)
    table = read()
    assert [row[0] for row in table.rows] == NAMES
    assert table.header == [
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
        *tables.ENGINE_COLUMNS,
    ]
    for name in NAMES:
        row = rows()[name]
        assert table.values(row)["greyscale"] == str(png(name))
        st = os.stat(tree / "in" / name)
        assert table.source(row) == f"{st.st_size}:{st.st_mtime_ns}"
        assert table.outputs(row) == {"greyscale": png(name).stat().st_size}
    # one file per image, and nothing else below results/
    assert sorted(p for p in Path("results").rglob("*") if p.is_file()) == sorted(
        png(n) for n in NAMES
    )


def test_a_second_run_reuses_current_outputs(tree):
    run()
    first = Path("table.tsv").read_bytes()
    times = {n: png(n).stat().st_mtime_ns for n in NAMES}
    result = run()
    assert (result.processed, result.reused) == (0, 4)
    assert Path("table.tsv").read_bytes() == first
    assert {n: png(n).stat().st_mtime_ns for n in NAMES} == times


def test_what_is_not_current_is_processed_again(tree):
    run()
    first = Path("table.tsv").read_bytes()
    os.utime(tree / "in/A/one.jpg", ns=(1, 1))  # the source changed
    png("A/two.png").unlink()  # an output is gone
    data = png("B/one.jpg").read_bytes()
    png("B/one.jpg").write_bytes(data[: len(data) // 2])  # truncated in place
    result = run()
    assert (result.processed, result.reused) == (3, 1)
    assert png("B/one.jpg").read_bytes() == data
    # the same rows, but A/one.jpg's new modification time
    again = Path("table.tsv").read_text().splitlines()
    before = first.decode().splitlines()
    assert [line for line in again if not line.startswith("A/one.jpg")] == [
        line for line in before if not line.startswith("A/one.jpg")
    ]


def test_other_code_or_settings_process_everything_again(tree):
    run()
    assert run(version="v2").processed == 4
    result = run(version="v3", save_images=False)
    assert result.processed == 4
    assert all(read().values(row)["greyscale"] == "" for row in read().rows)
    assert all(read().outputs(row) == {} for row in read().rows)


def test_rows_of_a_former_block_are_reused(tree):
    run(table="old.tsv")
    result = run(table="new.tsv", reuse_from=("old.tsv",))
    assert (result.processed, result.reused) == (0, 4)


def test_lower_max_pixels_rejects_images_a_reused_row_would_keep(tree):
    run()
    result = run(max_pixels=100)  # the images are 24 x 16 = 384 pixels
    assert result.rejected == 4
    assert rows()["A/one.jpg"][-4] == "24x16 = 384 pixels, more than max_pixels (100)"


def test_a_bad_image_is_a_row_with_a_reason_and_loses_old_outputs(tree):
    run()
    (tree / "in/A/two.png").write_bytes(b"not a png")
    result = run()
    assert result.rejected == 1
    assert rows()["A/two.png"][-4] == "not an image Pillow can read"
    assert not png("A/two.png").exists()


def test_fail_stops_at_the_bad_image_and_writes_no_table(tree):
    (tree / "in/B/one.jpg").write_bytes(b"")
    with pytest.raises(BlockError, match=r"B/one\.jpg: not an image"):
        run(on_error="fail")
    assert not Path("table.tsv").exists()


def test_a_pool_of_workers_gives_the_same_table(tree, monkeypatch):
    monkeypatch.setattr(runner, "MIN_IMAGES_PER_WORKER", 1)
    run(workers=1)
    one = Path("table.tsv").read_bytes()
    shutil.rmtree("results")
    Path("table.tsv").unlink()
    result = run(workers=2)
    assert result.processed == 4
    assert Path("table.tsv").read_bytes() == one


def test_records_on_request(tree):
    run(write_records=True)
    record = json.loads(Path("results/stats/A/one.jpg.json").read_text())
    row = rows()["A/one.jpg"]
    assert record == {
        "path": "A/one.jpg",
        **{
            k: (
                int(v) if v.isdigit() else v if k in ("greyscale", "mode") else float(v)
            )
            for k, v in read().values(row).items()
        },
    }
    assert set(read().outputs(row)) == {"greyscale", ":record"}
    Path("results/stats/A/one.jpg.json").unlink()
    assert run(write_records=True).processed == 1


@pytest.mark.parametrize("odd", ["plain.jpg", 'it\'s "quoted".jpg'])
def test_the_quick_reader_of_recorded_outputs_agrees_with_the_table(tree, odd):
    """What the workflow checks on every start, read splitting lines only as
    far as needed, is what the table's rows say, records and quotes too."""
    shutil.copy(tree / "in" / NAMES[0], tree / "in" / odd)
    (tree / "in" / "A" / "bad.jpg").write_bytes(b"not an image")
    run([*NAMES, odd, "A/bad.jpg"], write_records=True)
    table = read()
    meta, files = tables.BlockTable.recorded_outputs("table.tsv")
    assert (meta.state, meta.sources, meta.version) == (
        table.state,
        table.sources,
        table.version,
    )
    assert files == [f for row in table.rows for f in table.output_files(row)]
    assert len(files) == 2 * (len(NAMES) + 1)  # a PNG and a record each
    text = Path("table.tsv").read_text()
    Path("table.tsv").write_text(text.replace("\tRGB\t", "\tRGB\t\t", 1))
    with pytest.raises(ValueError, match="wrong length"):
        tables.BlockTable.recorded_outputs("table.tsv")


@pytest.mark.parametrize("odd", ["plain.jpg", 'it\'s "quoted".jpg', "tab\there.jpg"])
def test_the_column_reader_of_recorded_outputs_agrees_with_the_table(tree, odd):
    """The outputs' check by column gives the rows' outputs in their order,
    and leaves to the general reader what it does not read the same way."""
    from perimage import outputcheck
    from perimage.statstable import recorded_output_columns

    shutil.copy(tree / "in" / NAMES[0], tree / "in" / odd)
    (tree / "in" / "A" / "bad.jpg").write_bytes(b"not an image")
    run([*NAMES, odd, "A/bad.jpg"])
    table = read()
    meta, paths, sizes = recorded_output_columns("table.tsv")
    assert (meta.state, meta.sources, meta.version) == (
        table.state,
        table.sources,
        table.version,
    )
    expected = [f for row in table.rows for f in table.output_files(row)]
    assert list(zip(paths, sizes.tolist(), strict=True)) == expected
    assert len(paths) == len(NAMES) + 1  # the bad image has none
    assert outputcheck.table_state("table.tsv") == (table.state, table.sources)
    # a truncated output and a missing one change the state, first in order
    first, second = Path(paths[0]), Path(paths[1])
    first.write_bytes(first.read_bytes()[:10])
    second.unlink()
    token, sources = outputcheck.table_state("table.tsv")
    assert token.startswith(f"2 outputs missing or damaged, first {paths[0]} (")
    assert sources == table.sources

    # records too: two kinds of output, left to the general reader
    run([*NAMES, odd, "A/bad.jpg"], write_records=True)
    assert recorded_output_columns("table.tsv") is None
    assert outputcheck.table_state("table.tsv")[0] == read().state
    # a damaged table: None here, unreadable to the general reader
    text = Path("table.tsv").read_text()
    Path("table.tsv").write_text(text.replace("\tRGB\t", "\tRGB\t\t", 1))
    assert recorded_output_columns("table.tsv") is None
    assert outputcheck.table_state("table.tsv")[0].startswith("unreadable table")


def test_an_exception_in_a_user_analysis_rejects_that_image(tree):
    spec = analysis_file(
        tree,
        "def analyse(image):\n"
        "    if image.mode == 'RGBA':\n"
        "        raise ValueError('no alpha, please')\n"
        "    return {'width': image.width}\n",
    )
    Image.open(tree / "in/three.tif").convert("RGBA").save(tree / "in/three.tif")
    result = run(analysis=spec)
    assert result.rejected == 1
    assert rows()["three.tif"][-4] == "no alpha, please"
    assert read().values(rows()["A/one.jpg"]) == {"width": "24"}


def test_a_user_analysis_that_fails_on_every_image_is_an_error(tree, caplog):
    spec = analysis_file(tree, "def analyse(image):\n    return {'x': 1 / 0}\n")
    with caplog.at_level(logging.INFO), pytest.raises(BlockError) as error:
        run(analysis=spec)
    assert "raised an exception for every image" in str(error.value)
    assert "a bug in the analysis, not bad images" in str(error.value)
    assert "ZeroDivisionError" in caplog.text  # the traceback is in the log
    assert not Path("table.tsv").exists()


def test_a_bug_in_a_strict_analysis_stops_the_job(tree):
    spec = analysis_file(
        tree,
        "from perimage.analysis import describe\n"
        "@describe(strict=True)\n"
        "def analyse(image):\n"
        "    raise KeyError('a bug')\n",
    )
    with pytest.raises(KeyError, match="a bug"):
        run(analysis=spec)


def test_an_analysis_may_reject_an_image_with_a_reason(tree):
    spec = analysis_file(
        tree,
        "from perimage.analysis import Rejected, describe\n"
        "@describe(strict=True)\n"
        "def analyse(image):\n"
        "    if image.format == 'PNG':\n"
        "        raise Rejected('PNGs are out of scope')\n"
        "    return {'format': image.format}\n",
    )
    result = run(analysis=spec)
    assert result.rejected == 1
    assert rows()["A/two.png"][-4] == "PNGs are out of scope"
    assert read().values(rows()["B/one.jpg"]) == {"format": "JPEG"}


@pytest.mark.parametrize(
    "returned,message",
    [
        ("[1, 2]", "returned list, not a mapping"),
        ("{'_x': 1}", "'_x'"),
        ("{'path': 1}", "'path'"),
        ("{'x': [1]}", "returned list for column 'x'"),
        ("{'plots': image}", "taken by the workflow"),
    ],
)
def test_what_an_analysis_returns_is_checked(tree, returned, message):
    spec = analysis_file(tree, f"def analyse(image):\n    return {returned}\n")
    with pytest.raises(Exception, match=message) as error:
        run(analysis=spec)
    assert type(error.value).__name__ in ("AnalysisError", "BlockError")


def test_an_unwritable_output_folder_stops_the_block(tree):
    """Not the image's problem: the job fails with one line naming the
    folder, and no image is filed as rejected."""
    require(shutil.which("chattr") is not None, "chattr (e2fsprogs) is not here")
    run()
    os.utime(tree / "in/A/one.jpg", ns=(1, 1))
    folder = Path("results/greyscale/A")
    made = subprocess.run(["chattr", "+i", str(folder)], capture_output=True)
    require(made.returncode == 0, f"chattr +i fails here: {made.stderr!r}")
    try:
        with pytest.raises(BlockError) as error:
            run()
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)
    assert str(error.value) == (
        "cannot write results/greyscale/A/: Operation not permitted"
        " (saving the outputs of A/one.jpg)"
    )
    assert read().error(rows()["A/one.jpg"]) == ""  # the old table stands


def test_a_second_writer_of_a_block_waits_for_the_first(tree, caplog):
    """As when a killed run left a job running and the next run starts it
    again: the second one announces that it waits, and writes nothing until
    the first one is done."""
    done = threading.Event()

    def second():
        run()
        done.set()

    with caplog.at_level(logging.WARNING), runner.exclusive("table.tsv", "block"):
        worker = threading.Thread(target=second)
        worker.start()
        end = time.monotonic() + 30
        while "still writing it; waiting" not in caplog.text:
            assert time.monotonic() < end, "the second writer never waited"
            time.sleep(0.01)
        assert not done.is_set()
        assert not Path("table.tsv").exists()
        assert not Path("results").exists()
    worker.join(30)
    assert done.is_set()
    assert Path("table.tsv").exists()
