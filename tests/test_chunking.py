"""Assigning images to blocks: sizes, names, and what one image more or less
changes."""

from __future__ import annotations

import random
import re

import pytest
from perimage import chunker, chunking

PATHS = sorted(f"Class{c}/img_{i}.jpg" for c in range(7) for i in range(900))


def owner(plan: dict[str, list[str]]) -> dict[str, str]:
    return {p: name for name, members in plan.items() for p in members}


def changed(before: dict, after: dict) -> set[str]:
    return {n for n in set(before) | set(after) if before.get(n) != after.get(n)}


def segment_of(paths: list[str], block_size: int) -> dict[str, int]:
    """Each path's segment: the number of boundary images before or at it."""
    segment, out = -1, {}
    for path in paths:
        if chunking.hashes(path)[0] % block_size == 0 or segment < 0:
            segment += 1
        out[path] = segment
    return out


def test_every_image_in_exactly_one_block_in_path_order():
    plan = chunking.assign(PATHS, 100)
    flat = [p for members in plan.values() for p in members]
    assert sorted(flat) == PATHS
    assert len(flat) == len(set(flat))
    for members in plan.values():
        assert members == sorted(members)


@pytest.mark.parametrize("size", [1, 7, 100, 1000, 10_000])
def test_block_sizes_are_bounded_and_names_well_formed(size):
    plan = chunking.assign(PATHS, size)
    assert all(1 <= len(m) <= 2 * size for m in plan.values())
    assert all(re.fullmatch(chunking.BLOCK_NAME, name) for name in plan)
    # content-defined boundaries average block_size images per block
    if size <= 100:
        assert len(PATHS) / size / 2 < len(plan) < len(PATHS) / size * 2


def test_same_input_same_plan():
    assert chunking.assign(PATHS, 50) == chunking.assign(list(PATHS), 50)


def test_a_block_is_named_after_its_first_image():
    for name, members in chunking.assign(PATHS, 100).items():
        assert name == f"{chunking.hashes(members[0])[0]:016x}"[:12]


@pytest.mark.parametrize("block_size", [50, 500])
def test_one_image_more_or_less_changes_its_own_block_and_rarely_more(block_size):
    """README, "Block size": adding or removing an image changes only its own
    block, unless it is a cut point or moves one; then only blocks of its own
    segment change, and that happens about twice in block_size times."""
    rng = random.Random(block_size)
    paths = sorted(f"C{c}/img_{i}.jpg" for c in range(10) for i in range(1000))
    before = chunking.assign(paths, block_size)
    trials, beyond_own = 300, 0
    for t in range(trials):
        if t % 2:
            new = f"C{rng.randrange(10)}/img_{rng.randrange(1000)}x{t}.jpg"
            now = sorted([*paths, new])
            after = chunking.assign(now, block_size)
            own, everyone = owner(after)[new], now
        else:
            gone = paths[rng.randrange(len(paths))]
            after = chunking.assign([p for p in paths if p != gone], block_size)
            own, everyone = owner(before)[gone], paths
        moved = changed(before, after) - {own}
        if moved:
            beyond_own += 1
            # never beyond the segment the image belongs to
            segments = segment_of(everyone, block_size)
            touched = {
                segments[p]
                for name in moved
                for p in before.get(name, []) + after.get(name, [])
                if p in segments
            }
            assert len(touched) <= 2  # its segment, or the one it splits off
    assert beyond_own <= 2 * 2 * trials / block_size


def test_a_boundary_image_splits_only_its_segment():
    before = chunking.assign(PATHS, 100)
    new = next(
        f"Class4/b{i}.jpg"
        for i in range(100_000)
        if chunking.hashes(f"Class4/b{i}.jpg")[0] % 100 == 0
    )
    after = chunking.assign(sorted([*PATHS, new]), 100)
    was, now = owner(before), owner(after)
    moved = {p for p in PATHS if was[p] != now[p]}
    assert moved  # the images after it in its segment go with it
    segments = segment_of(PATHS, 100)
    assert len({segments[p] for p in moved}) == 1


def test_block_size_must_be_positive():
    with pytest.raises(ValueError):
        chunking.assign(PATHS, 0)


@pytest.mark.parametrize("block_size", [1, 7, 100, 10_000])
def test_the_plan_jobs_second_process_makes_the_same_blocks(block_size):
    """``chunker.Chunker`` (hashing in another process, in batches as the
    folder is listed) and ``chunking.assign`` (in one) agree, names that are
    not valid UTF-8 included."""
    paths = sorted([*PATHS, "Class9/caf\udce9.jpg", "Class9/\u00e9t\u00e9 2.jpg"])
    with chunker.Chunker(block_size) as c:
        for i in range(0, len(paths), 1000):
            c.add(paths[i : i + 1000])
        c.add([])
        blocks = c.assign(paths)
    assert blocks == chunking.assign(paths, block_size)
    assert list(blocks) == list(chunking.assign(paths, block_size))


def test_no_paths_no_blocks():
    with chunker.Chunker(10) as c:
        assert c.assign([]) == {} == chunking.assign([], 10)


def test_a_failed_hashing_process_fails_the_plan_with_its_reason():
    with chunker.Chunker(10) as c:
        c.add(PATHS[:100])
        with pytest.raises(ValueError, match="99 paths to assign, 100 hashed"):
            c.assign(PATHS[:99])
        c._process.kill()
        with pytest.raises(RuntimeError, match="hashing the image paths failed"):
            c.assign(PATHS[:100])
    with pytest.raises(ValueError, match="block_size must be at least 1"):
        chunker.Chunker(0)
