"""The block plan: sizes, names, and stability when images come and go."""

from __future__ import annotations

import re

import pytest
from imagestats import blocks

PATHS = sorted(f"Class{c}/img_{i}.jpg" for c in range(7) for i in range(900))


def owner(plan: dict[str, list[str]]) -> dict[str, str]:
    return {p: name for name, members in plan.items() for p in members}


def test_every_image_in_exactly_one_block_in_path_order():
    plan = blocks.plan(PATHS, 100)
    flat = [p for name in plan for p in plan[name]]
    assert sorted(flat) == PATHS
    assert len(flat) == len(set(flat))
    for members in plan.values():
        assert members == sorted(members)


@pytest.mark.parametrize("size", [1, 7, 100, 1000, 10_000])
def test_block_sizes_are_bounded_and_names_well_formed(size):
    plan = blocks.plan(PATHS, size)
    assert all(1 <= len(m) <= 2 * size for m in plan.values())
    assert all(re.fullmatch(blocks.BLOCK_PATTERN, name) for name in plan)
    # about len/size blocks: content-defined boundaries average block_size
    if size <= 100:
        assert len(PATHS) / size / 2 < len(plan) < len(PATHS) / size * 2


def test_same_input_same_plan():
    assert blocks.plan(PATHS, 50) == blocks.plan(list(PATHS), 50)


@pytest.mark.parametrize("new", ["Class3/img_450a.jpg", "Class0/aaa.jpg", "zz.jpg"])
def test_adding_one_image_changes_only_its_block(new):
    before = blocks.plan(PATHS, 100)
    after = blocks.plan(sorted([*PATHS, new]), 100)
    changed = {n for n in set(before) | set(after) if before.get(n) != after.get(n)}
    was, now = owner(before), owner(after)
    assert blocks.path_hash(new) % 100 != 0  # not a boundary: see the next test
    assert all(was[p] == now[p] for p in PATHS)
    assert changed == {now[new]}


def test_removing_one_image_changes_only_its_block():
    before = blocks.plan(PATHS, 100)
    gone = PATHS[2345]
    after = blocks.plan([p for p in PATHS if p != gone], 100)
    changed = {n for n in set(before) | set(after) if before.get(n) != after.get(n)}
    was, now = owner(before), owner(after)
    assert changed == {was[gone]}
    assert all(was[p] == now[p] for p in PATHS if p != gone)


def segment(name: str) -> str:
    return name.split("-")[0]


def test_adding_a_boundary_image_splits_one_segment_only():
    """An image whose hash makes it a boundary starts a new block: images
    after it in its segment move, no others."""
    before = blocks.plan(PATHS, 100)
    new = next(
        f"Class4/b{i}.jpg"
        for i in range(100_000)
        if blocks.path_hash(f"Class4/b{i}.jpg") % 100 == 0
    )
    after = blocks.plan(sorted([*PATHS, new]), 100)
    was, now = owner(before), owner(after)
    host = segment(was[max(p for p in PATHS if p < new)])  # where new lands
    moved = {p for p in PATHS if was[p] != now[p]}
    assert moved
    assert {segment(was[p]) for p in moved} == {host}
    assert {segment(now[p]) for p in moved} <= {host, segment(now[new])}
    for name, members in before.items():
        if segment(name) != host:
            assert after[name] == members


def test_manifest_round_trips_awkward_names(tmp_path):
    names = [
        "a\tb.jpg",
        "new\nline.jpg",
        'quote"s.jpg',
        "ümlaut/ß.png",
        "bad\udcff.jpg",
    ]
    path = tmp_path / "m.jsonl"
    blocks.write_manifest(str(path), names)
    assert blocks.read_manifest(str(path)) == names


def test_block_size_must_be_positive():
    with pytest.raises(ValueError):
        blocks.plan(PATHS, 0)
