"""The block plan: which images there are, and which block each belongs to.

``Selection`` is what the workflow computes every time Snakemake starts: its
digest tells whether the written plan is current, and its fingerprints which
blocks hold changed images (a block's images are a run of the selection).
The checkpoint writes the plan to a folder, which ``PlanFolder`` owns:

- ``blocks/<block>.json``: the block's images, and the older block tables
  that may hold reusable rows for them;
- ``blocks.tsv``: the blocks in path order (each a run of the selected
  images), with their image counts;
- ``skipped.tsv``: the files that are not images, with the reason;
- ``inventory.json``: the counts, the digest of the selection, and the
  token the checkpoint ran with.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass

from . import atomic, imagelist, inventory, layout, results, tables
from .chunker import Chunker

log = logging.getLogger(__name__)
PIECE = 65536  # paths hashed at a time


@dataclass
class Selection:
    """The images below ``input_dir`` (``found``), and those selected for
    processing (``selected``: the same listing when nothing is left out)."""

    found: inventory.Listing
    selected: inventory.Listing

    @classmethod
    def scan(
        cls,
        input_dir: str,
        *,
        extensions,
        patterns=(),
        limit=0,
        with_stat: bool = True,
        feed=None,
        defer_from: str | None = None,
    ) -> Selection:
        """``feed`` and ``defer_from``: as ``inventory.scan``'s."""
        found = inventory.scan(
            input_dir,
            extensions,
            with_stat=with_stat,
            feed=feed,
            defer_from=defer_from,
        )
        selected = found.select(patterns, limit)
        if not len(selected):
            what = "match include and limit" if len(found) else "were found"
            raise inventory.InputError(
                f"input_dir {input_dir!r} has no images to process: none {what}"
                f" ({len(found)} images with extensions {', '.join(extensions)},"
                f" {len(found.skipped)} other files skipped)"
            )
        return cls(found, selected)

    @classmethod
    def listed(
        cls,
        input_dir: str,
        images: str,
        *,
        extensions=(),
        patterns=(),
        limit=0,
        with_stat: bool = True,
        taken=(),
    ) -> Selection:
        """The images the list ``images`` names, as if they were all the
        folder holds: include and limit select among them. (``extensions``
        does not apply: a listed file is processed, or rejected.) ``taken``:
        the analysis's columns, which the list's may not be named as."""
        listed = imagelist.read(images, taken=taken)
        found = listed.listing(input_dir, with_stat=with_stat)
        selected = found.select(patterns, limit)
        if not len(selected):
            raise imagelist.ImageListError(
                imagelist.no_images_message(images, len(found))
            )
        return cls(found, selected)

    def digest(self, block_size: int) -> str:
        """Changes exactly when the written plan would change: the selected
        images, the block size, the skipped files, or the set of images found
        (outputs of images that are gone are removed when planning)."""
        h = hashlib.sha256(b"%d\n" % block_size)
        for listing in (self.selected, self.found):
            paths = listing.paths
            # in pieces: the whole joined text would be another copy of it
            for i in range(0, len(paths), PIECE):
                h.update(b"\0" if i else b"")
                h.update(layout.encode("\0".join(paths[i : i + PIECE])))
            h.update(b"\1")
        h.update(json.dumps(self.found.skipped).encode())
        return h.hexdigest()[:32]

    def counts(self, blocks: int) -> dict:
        return {
            "found": len(self.found),
            "selected": len(self.selected),
            "skipped": len(self.found.skipped),
            "blocks": blocks,
        }


class PlanFolder:
    """The checkpoint's output folder: the one place that knows its files."""

    def __init__(self, path: str):
        self.path = path

    @classmethod
    def of_file(cls, path: str) -> PlanFolder:
        """The folder of one of its own files (blocks.tsv, inventory.json)."""
        return cls(os.path.dirname(path))

    def _file(self, name: str) -> str:
        return os.path.join(self.path, name)

    def manifest_path(self, block: str) -> str:
        return os.path.join(self.path, "blocks", block + ".json")

    @property
    def sizes_path(self) -> str:
        return self._file("blocks.tsv")

    @property
    def skipped_path(self) -> str:
        return self._file("skipped.tsv")

    @property
    def counts_path(self) -> str:
        return self._file("inventory.json")

    def write(
        self, selection: Selection, blocks: dict, reuse: dict, digest: str, token: str
    ) -> None:
        """``blocks`` in path order; ``digest``: the selection's, which tells
        the workflow whether this plan is current; ``token``: the param the
        checkpoint ran with (``state.State.plan_token``)."""
        os.makedirs(os.path.join(self.path, "blocks"), exist_ok=True)
        for name, members in blocks.items():
            manifest = {"images": members, "reuse": reuse.get(name, [])}
            with atomic.open_text(self.manifest_path(name)) as fh:
                # escaped: names that are not valid UTF-8 survive the trip;
                # dumps, not dump: C's encoder, not one Python call per item
                fh.write(json.dumps(manifest))
        with atomic.open_text(self.sizes_path) as fh:
            rows = ([b, len(members)] for b, members in blocks.items())
            tables.write_rows(fh, ["block", "images"], rows)
        with atomic.open_text(self.skipped_path) as fh:
            tables.write_reasons(
                fh, ([layout.printable(p), r] for p, r in selection.found.skipped)
            )
        with atomic.open_text(self.counts_path) as fh:
            counts = {**selection.counts(len(blocks)), "digest": digest}
            counts["token"] = token
            json.dump(counts, fh, indent=1)

    def _blocks(self) -> list[list[str]]:
        with open(self.sizes_path, encoding="utf-8", newline="") as fh:
            _, rows = tables.read_rows(fh)
        return rows

    def sizes(self) -> dict[str, int]:
        """Block name -> image count, in path order."""
        return {row[0]: int(row[1]) for row in self._blocks()}

    def recorded(self) -> tuple[str, str] | None:
        """The digest of the selection planned and the token the checkpoint
        ran with, or None without a plan."""
        try:
            counts = self.counts()
            return counts["digest"], counts["token"]
        except (OSError, ValueError, KeyError):
            return None

    def manifest(self, block: str) -> dict:
        return read_manifest(self.manifest_path(block))

    def counts(self) -> dict:
        with open(self.counts_path, encoding="utf-8") as fh:
            return json.load(fh)


def read_manifest(path: str) -> dict:
    """A block's ``{"images": [...], "reuse": [block names]}``."""
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


@dataclass
class Plan:
    """What the checkpoint planned: the selection, the blocks, and for each
    block the older tables it may reuse rows from."""

    selection: Selection
    blocks: dict[str, list[str]]
    reuse: dict[str, list[str]]

    def tables_in_use(self) -> set[str]:
        """The blocks whose tables the plan refers to."""
        return set(self.blocks) | {
            old for names in self.reuse.values() for old in names
        }

    def found(self) -> set[str]:
        return set(self.selection.found.paths)


def make_plan(
    input_dir: str,
    plan_dir: str,
    *,
    block_size: int,
    token: str = "",
    images: str | None = None,
    **select,
) -> Plan:
    """The checkpoint's work: plan the blocks and write the plan. ``token``
    is the checkpoint's param: "" for a first plan, else the digest of the
    images the workflow saw when it started, which this must plan.
    ``images``: an image list to read instead of scanning input_dir."""
    with Chunker(block_size) as chunker:
        # names only: each block's job looks at its own images. Hashed as
        # they are listed, unless a selection leaves some out.
        every = not images and not select.get("patterns") and not select.get("limit")
        if images:
            selection = Selection.listed(input_dir, images, with_stat=False, **select)
        else:
            feed = chunker.add if every else None
            selection = Selection.scan(input_dir, with_stat=False, feed=feed, **select)
        if not every:
            chunker.add(selection.selected.paths)
        blocks = chunker.assign(selection.selected.paths)
    digest = selection.digest(block_size)
    if token and token != digest:
        raise inventory.InputError(
            f"the images in input_dir {input_dir!r} changed while the workflow"
            " was planning; run it again"
        )
    plan = Plan(selection, blocks, reusable_tables(blocks))
    PlanFolder(plan_dir).write(selection, blocks, plan.reuse, digest, token)
    c = selection.counts(len(blocks))
    log.info(
        "%d images found below %s, %d selected, %d other files skipped;"
        " %d blocks (block_size %d)",
        c["found"],
        input_dir,
        c["selected"],
        c["skipped"],
        c["blocks"],
        block_size,
    )
    return plan


def reusable_tables(blocks: dict[str, list[str]]) -> dict[str, list[str]]:
    """For each new block, the other existing tables that hold rows of its
    images: those of former blocks (after a change of block_size), and for a
    block without a table of its own, its neighbours' in path order (a new
    boundary image splits a block, and the images after it form a new one)."""
    existing = set(results.existing_tables())
    candidates = existing - set(blocks)
    missing = [name for name in blocks if name not in existing]
    if missing:
        order = sorted(blocks, key=lambda name: blocks[name][0])
        position = {name: i for i, name in enumerate(order)}
        for name in missing:
            i = position[name]
            around = order[max(0, i - 1) : i + 2]
            candidates.update(n for n in around if n in existing)
    owners: dict[str, str] = {}
    for name in sorted(candidates):
        table = tables.BlockTable.read_if_valid(results.table_path(name))
        for row in table.rows if table else ():
            owners.setdefault(table.path(row), name)
    reuse = {}
    for name, members in blocks.items():
        sources = sorted({owners[p] for p in members if p in owners} - {name})
        if sources:
            reuse[name] = sources
    return reuse
