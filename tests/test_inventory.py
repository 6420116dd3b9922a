"""Finding images: extensions, hidden files, links, selection."""

from __future__ import annotations

import os

import pytest
from perimage import inventory

# the config's default (workflow/schemas/config.schema.yaml)
EXTENSIONS = (".jpg", ".jpeg", ".png", ".tif", ".tiff")


def touch(root, rel, content=b"x"):
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def test_extensions_in_any_case_and_other_files_skipped(tmp_path):
    for rel in ["a/x.jpg", "a/y.JPEG", "b/z.Png", "b/deep/er/w.TIF", "t.tiff"]:
        touch(tmp_path, rel)
    touch(tmp_path, "a/notes.txt")
    touch(tmp_path, "b/.hidden.jpg")
    touch(tmp_path, ".cache/q.jpg")
    inv = inventory.scan(str(tmp_path), EXTENSIONS)
    assert [im.path for im in inv.images] == [
        "a/x.jpg",
        "a/y.JPEG",
        "b/deep/er/w.TIF",
        "b/z.Png",
        "t.tiff",
    ]
    assert dict(inv.skipped) == {
        ".cache": "hidden",
        "a/notes.txt": "not an image file extension",
        "b/.hidden.jpg": "hidden",
    }


def test_same_name_in_different_folders_are_different_images(tmp_path):
    touch(tmp_path, "Forest/1.jpg", b"one")
    touch(tmp_path, "River/1.jpg", b"three")
    images = inventory.scan(str(tmp_path), EXTENSIONS).images
    assert [(im.path, im.size) for im in images] == [
        ("Forest/1.jpg", 3),
        ("River/1.jpg", 5),
    ]


def test_links(tmp_path):
    target = touch(tmp_path, "real/a.jpg")
    os.symlink(target, tmp_path / "link.jpg")
    os.symlink(tmp_path / "nowhere.jpg", tmp_path / "broken.jpg")
    os.symlink(tmp_path / "real", tmp_path / "linked-folder")
    os.symlink(tmp_path / "loop.jpg", tmp_path / "loop.jpg")
    inv = inventory.scan(str(tmp_path), EXTENSIONS)
    sizes = {im.path: im.size for im in inv.images}
    assert sizes == {"real/a.jpg": 1, "link.jpg": 1, "broken.jpg": -1, "loop.jpg": -1}
    assert dict(inv.skipped) == {"linked-folder": "link to a folder (not followed)"}


def test_missing_and_non_folder_input(tmp_path):
    with pytest.raises(inventory.InputError, match="does not exist"):
        inventory.scan(str(tmp_path / "nope"), EXTENSIONS)
    touch(tmp_path, "file.jpg")
    with pytest.raises(inventory.InputError, match="is not a folder"):
        inventory.scan(str(tmp_path / "file.jpg"), EXTENSIONS)


def test_select_by_pattern_then_limit():
    images = [inventory.Image(p, 1, 1) for p in ["A/1.jpg", "A/2.jpg", "B/1.jpg"]]
    assert inventory.select(images) == images
    assert [i.path for i in inventory.select(images, ["B/*"])] == ["B/1.jpg"]
    assert [i.path for i in inventory.select(images, ["*/1.jpg"], 1)] == ["A/1.jpg"]
    assert [i.path for i in inventory.select(images, limit=2)] == ["A/1.jpg", "A/2.jpg"]


def test_fingerprint_follows_size_and_time_not_order_of_calls():
    a = [inventory.Image("x.jpg", 10, 5), inventory.Image("y.jpg", 3, 7)]
    assert inventory.fingerprint(a) == inventory.fingerprint(list(a))
    assert inventory.fingerprint(a) != inventory.fingerprint(
        [a[0], inventory.Image("y.jpg", 3, 8)]
    )
    assert inventory.fingerprint(a) != inventory.fingerprint(
        [a[0], inventory.Image("y.jpg", 4, 7)]
    )


def test_extensions_are_normalised():
    assert inventory.normalise_extensions(["JPG", ".jpg", ".Png"]) == (".jpg", ".png")


def test_pipes_and_devices_are_not_images(tmp_path):
    os.mkfifo(tmp_path / "pipe.jpg")  # reading it would wait for ever
    touch(tmp_path, "real.jpg")
    inv = inventory.scan(str(tmp_path), EXTENSIONS)
    assert [im.path for im in inv.images] == ["real.jpg"]
    assert dict(inv.skipped) == {"pipe.jpg": "not a regular file"}


def test_the_input_folder_is_checked(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    with pytest.raises(inventory.InputError, match="does not exist"):
        inventory.check_input_dir(str(tmp_path / "nope"))
    inventory.check_input_dir(str(folder))
