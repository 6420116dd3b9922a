"""A block job's work, without Snakemake: outputs, rejections, reuse."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from conftest import read_tsv
from imagestats import block
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


def run(names=NAMES, **kw):
    return block.process_block(list(names), "in", "table.tsv", **kw)


def outputs(name):
    return [f"results/greyscale/{name}.png", f"results/stats/{name}.json"]


def test_every_image_gets_its_outputs_and_a_row(tree):
    result = run()
    assert (result.images, result.processed, result.rejected) == (4, 4, 0)
    rows = read_tsv(tree / "table.tsv")
    assert [r["path"] for r in rows] == NAMES
    for name in NAMES:
        assert all(os.path.exists(p) for p in outputs(name))


def test_a_second_run_reuses_current_outputs(tree):
    run()
    first = (tree / "table.tsv").read_bytes()
    result = run()
    assert (result.processed, result.reused) == (0, 4)
    assert (tree / "table.tsv").read_bytes() == first


def test_what_is_not_current_is_processed_again(tree):
    run()
    first = (tree / "table.tsv").read_bytes()
    os.utime(tree / "in/A/one.jpg", ns=(1, 1))  # the source changed
    os.remove("results/greyscale/A/two.png.png")  # an output is gone
    (tree / "results/stats/B/one.jpg.json").write_text("{not json")  # damaged
    result = run()
    assert (result.processed, result.reused) == (3, 1)
    assert (tree / "table.tsv").read_bytes() == first


def test_other_settings_or_code_process_everything_again(tree, monkeypatch):
    run()
    assert run(write_greyscale=False).processed == 4
    assert all(r["greyscale"] == "" for r in read_tsv(tree / "table.tsv"))
    monkeypatch.setattr(block, "output_version", lambda write_greyscale: "new code")
    assert run(write_greyscale=False).processed == 4


def test_bad_image_is_a_row_with_a_reason_and_loses_old_outputs(tree):
    run()
    (tree / "in/A/two.png").write_bytes(b"not a png")
    result = run()
    assert result.rejected == 1
    row = next(r for r in read_tsv(tree / "table.tsv") if r["path"] == "A/two.png")
    assert row["error"] == "not an image Pillow can read"
    assert not any(os.path.exists(p) for p in outputs("A/two.png"))


def test_fail_stops_at_the_bad_image_and_writes_no_table(tree):
    (tree / "in/B/one.jpg").write_bytes(b"")
    with pytest.raises(block.BlockError, match=r"B/one\.jpg: not an image"):
        run(on_error="fail")
    assert not (tree / "table.tsv").exists()


def test_a_pool_of_workers_gives_the_same_table(tree):
    run(workers=1)
    one = (tree / "table.tsv").read_bytes()
    shutil.rmtree(tree / "results")
    result = run(workers=2)
    assert result.processed == 4
    assert (tree / "table.tsv").read_bytes() == one


def test_record_names_its_source_and_version(tree):
    run()
    record = json.loads((tree / "results/stats/A/one.jpg.json").read_text())
    st = (tree / "in/A/one.jpg").stat()
    assert record["source"] == [st.st_size, st.st_mtime_ns]
    assert record["version"] == block.output_version(True)


def test_a_second_writer_of_a_block_waits_for_the_first(tree):
    """As when a killed run left a job running and the next run starts it again."""
    done = threading.Event()

    def second():
        run()
        done.set()

    with block.exclusive("table.tsv", "block"):
        worker = threading.Thread(target=second)
        worker.start()
        assert not done.wait(1.0)
        assert not (tree / "table.tsv").exists()
    worker.join(30)
    assert done.is_set()
    assert (tree / "table.tsv").exists()


@pytest.mark.parametrize("module", ["block.py", "greyscale.py", "pngio.py"])
def test_editing_the_processing_code_changes_the_output_version(tmp_path, module):
    """Otherwise a block would reuse outputs made by the old code."""
    shutil.copytree(Path(block.__file__).parent, tmp_path / "imagestats")
    code = "from imagestats.block import output_version; print(output_version(True))"

    def version() -> str:
        cmd = [sys.executable, "-c", code]
        return subprocess.run(
            cmd, cwd=tmp_path, capture_output=True, text=True, check=True
        ).stdout

    before = version()
    with open(tmp_path / "imagestats" / module, "a") as fh:
        fh.write("\n# an edit\n")
    assert version() != before
