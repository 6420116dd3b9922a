"""Finding images: extensions, hidden files, links, selection."""

from __future__ import annotations

import os
from array import array

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
    assert inv.paths == [
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
    found = inventory.scan(str(tmp_path), EXTENSIONS)
    assert list(zip(found.paths, found.sizes, strict=True)) == [
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
    sizes = dict(zip(inv.paths, inv.sizes, strict=True))
    assert sizes == {"real/a.jpg": 1, "link.jpg": 1, "broken.jpg": -1, "loop.jpg": -1}
    assert dict(inv.skipped) == {"linked-folder": "link to a folder (not followed)"}


def test_missing_and_non_folder_input(tmp_path):
    with pytest.raises(inventory.InputError, match="does not exist"):
        inventory.scan(str(tmp_path / "nope"), EXTENSIONS)
    touch(tmp_path, "file.jpg")
    with pytest.raises(inventory.InputError, match="is not a folder"):
        inventory.scan(str(tmp_path / "file.jpg"), EXTENSIONS)


def listing(*images) -> inventory.Listing:
    paths, sizes, mtimes = zip(*images, strict=True)
    return inventory.Listing(list(paths), array("q", sizes), array("q", mtimes))


def test_select_by_pattern_then_limit():
    images = listing(("A/1.jpg", 1, 1), ("A/2.jpg", 2, 2), ("B/1.jpg", 3, 3))
    assert images.select() is images
    assert images.select(["B/*"]).paths == ["B/1.jpg"]
    assert list(images.select(["B/*"]).sizes) == [3]
    assert images.select(["*/1.jpg"], 1).paths == ["A/1.jpg"]
    assert images.select(limit=2).paths == ["A/1.jpg", "A/2.jpg"]


def test_fingerprint_follows_size_time_and_names():
    a = listing(("x.jpg", 10, 5), ("y.jpg", 3, 7))
    assert a.fingerprint() == listing(("x.jpg", 10, 5), ("y.jpg", 3, 7)).fingerprint()
    for other in (
        listing(("x.jpg", 10, 5), ("y.jpg", 3, 8)),
        listing(("x.jpg", 10, 5), ("y.jpg", 4, 7)),
        listing(("x.jpg", 10, 5), ("z.jpg", 3, 7)),
    ):
        assert a.fingerprint() != other.fingerprint()
    # a slice is the fingerprint of those images alone
    assert a.fingerprint(1, 2) == listing(("y.jpg", 3, 7)).fingerprint()


def test_a_listing_is_in_path_order_with_or_without_stat(tmp_path):
    """Paths sort as text ("a-b.jpg" and "a.b.jpg" before "a/..."), folder by
    folder, and the listing without stat has the same names."""
    for rel in ["a/z.jpg", "a-b.jpg", "a.b.jpg", "a/b/c.jpg", "ab.jpg", "a0.jpg"]:
        touch(tmp_path, rel)
    with_stat = inventory.scan(str(tmp_path), EXTENSIONS)
    assert with_stat.paths == sorted(with_stat.paths)
    names = inventory.scan(str(tmp_path), EXTENSIONS, with_stat=False)
    assert names.paths == with_stat.paths and not len(names.sizes)
    files = inventory.stat_files(str(tmp_path), with_stat.paths)
    assert files.fingerprint() == with_stat.fingerprint()


def test_a_feed_gets_every_image_once_in_path_order(tmp_path):
    """The plan job hashes the images as the listing finds them (a batch
    per folder): the batches, joined, are the listing."""
    for rel in ["a/z.jpg", "a-b.jpg", "a/b/c.jpg", "b/d.png", "notes.txt", "e.jpg"]:
        touch(tmp_path, rel)
    batches = []
    found = inventory.scan(
        str(tmp_path), EXTENSIONS, with_stat=False, feed=batches.append
    )
    assert len(batches) > 1 and all(batches)
    assert [p for batch in batches for p in batch] == found.paths
    assert found.paths == ["a-b.jpg", "a/b/c.jpg", "a/z.jpg", "b/d.png", "e.jpg"]


def test_files_from_a_path_on_are_listed_for_another_process_to_examine(tmp_path):
    """Snakemake's main process leaves the ``stat`` of the plan's last
    blocks' images to the outputs' check: from that path on, regular files
    are listed as DEFERRED, and examining them gives the plain listing."""
    for i, rel in enumerate(["a/1.jpg", "a/2.jpg", "b/1.jpg", "b/2.jpg", "c.jpg"]):
        touch(tmp_path, rel, b"x" * (i + 1))
    target = touch(tmp_path, "real/target.jpg")
    os.symlink(target, tmp_path / "b" / "3.jpg")  # a link: examined at once
    os.symlink(tmp_path / "nowhere.jpg", tmp_path / "b" / "4.jpg")
    plain = inventory.scan(str(tmp_path), EXTENSIONS)
    found = inventory.scan(str(tmp_path), EXTENSIONS, defer_from="b/1.jpg")
    assert found.paths == plain.paths
    sizes = dict(zip(found.paths, found.sizes, strict=True))
    deferred = {p for p, size in sizes.items() if size == inventory.DEFERRED}
    assert deferred == {"b/1.jpg", "b/2.jpg", "c.jpg", "real/target.jpg"}
    assert (sizes["b/3.jpg"], sizes["b/4.jpg"]) == (1, inventory.UNKNOWN)
    first = found.paths.index("b/1.jpg")
    assert not found.deferred(0, first) and found.deferred(first, first + 1)
    assert found.fingerprint(0, first) == plain.fingerprint(0, first)
    # without stat, nothing to defer
    names = inventory.scan(
        str(tmp_path), EXTENSIONS, with_stat=False, defer_from="b/1.jpg"
    )
    assert names.paths == found.paths and not len(names.sizes)
    # examined in two pieces; a file deleted meanwhile is UNKNOWN, as in a scan
    (tmp_path / "c.jpg").unlink()
    found.examine(str(tmp_path), first, first + 2)
    assert found.deferred() and not found.deferred(0, first + 2)
    found.examine(str(tmp_path))
    assert not found.deferred()
    assert found.sizes[found.paths.index("c.jpg")] == inventory.UNKNOWN
    plain.sizes[plain.paths.index("c.jpg")] = inventory.UNKNOWN
    plain.mtimes[plain.paths.index("c.jpg")] = inventory.UNKNOWN
    assert (found.sizes, found.mtimes) == (plain.sizes, plain.mtimes)


def test_extensions_are_normalised():
    assert inventory.normalise_extensions(["JPG", ".jpg", ".Png"]) == (".jpg", ".png")


def test_pipes_and_devices_are_not_images(tmp_path):
    os.mkfifo(tmp_path / "pipe.jpg")  # reading it would wait for ever
    touch(tmp_path, "real.jpg")
    inv = inventory.scan(str(tmp_path), EXTENSIONS)
    assert inv.paths == ["real.jpg"]
    assert dict(inv.skipped) == {"pipe.jpg": "not a regular file"}


def test_the_input_folder_is_checked(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    with pytest.raises(inventory.InputError, match="does not exist"):
        inventory.check_input_dir(str(tmp_path / "nope"))
    inventory.check_input_dir(str(folder))


def test_whether_there_is_any_image_agrees_with_the_listing(tmp_path):
    """The first run only asks whether there is an image to plan: the same
    answer as a whole listing, with and without include patterns."""
    root = tmp_path / "in"
    touch(root, ".hidden/a.jpg")
    touch(root, "notes.txt")
    os.mkfifo(root / "pipe.jpg")
    os.symlink(root / ".hidden", root / "folder-link.jpg")
    for patterns in ((), ("x/*",)):
        assert not inventory.has_images(str(root), EXTENSIONS, patterns)
    touch(root, "x/deep/b.PNG")
    os.symlink(root / "nowhere.jpg", root / "broken.jpg")
    for patterns, expected in (((), True), (("x/*",), True), (("y/*",), False)):
        assert inventory.has_images(str(root), EXTENSIONS, patterns) == expected
        listed = inventory.scan(str(root), EXTENSIONS).select(patterns)
        assert bool(len(listed)) == expected
