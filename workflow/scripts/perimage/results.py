"""The results/ folder on disk: where every output lives, what the workflow
may remove, and its locks. The one owner of that knowledge.

Per-image outputs mirror the input tree. The image ``Forest/Forest_1.jpg``
gets ``results/<image name>/Forest/Forest_1.jpg.png`` for each image its
analysis saves (the brightness survey saves ``greyscale``), and, when records
are asked for, ``results/stats/Forest/Forest_1.jpg.json``. With
``save_images: zip`` the images are members of one archive per block
instead, named as the files would be: the output
``results/<image name>/<block>.zip/Forest/Forest_1.jpg.png``.

The workflow removes only what it recorded writing: the outputs a block table
(or a per-image target's record) lists, tables of former blocks, and its own
locks and records. A file it has no record of is never touched, wherever it
is below results/: other rules (a module's user's own) write there too.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re

from . import archive
from .errors import InputError
from .layout import stem

log = logging.getLogger(__name__)

RESULTS = "results"
TABLES = f"{RESULTS}/blocks"
PLAN = f"{RESULTS}/plan"
RECORDS = f"{RESULTS}/stats"
# What a per-image target made, until its block takes the row over.
TARGETS = f"{RESULTS}/targets"
# The top-level folders the workflow's own rules write (besides one folder
# per image an analysis saves): no analysis may save images under them.
FOLDERS = (
    "blocks",
    "plan",
    "plots",
    "report",
    "stats",
    "summary",
    "targets",
)
# The top-level files the aggregate rules write.
FILES = ("stats.tsv", "rejected.tsv")
IMAGE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")
RECORD = ":record"  # the output kind of a per-image record (not an image name)


def image_path(image_name: str, relpath: str) -> str:
    return f"{RESULTS}/{image_name}/{stem(relpath)}.png"


def archive_path(image_name: str, block: str) -> str:
    """The archive of a block's images of one name (``save_images: zip``)."""
    return f"{RESULTS}/{image_name}/{block}.zip"


def member_name(relpath: str) -> str:
    return f"{stem(relpath)}.png"


def member_path(image_name: str, block: str, relpath: str) -> str:
    return f"{archive_path(image_name, block)}/{member_name(relpath)}"


def split_member(path: str) -> tuple[str, str] | None:
    """(archive, member) of an output inside a block's archive, else None."""
    if not path.startswith(f"{RESULTS}/"):
        return None
    folder, sep, member = path.partition(".zip/")
    return (folder + ".zip", member) if sep else None


def output_sizes(paths: list[str]) -> list[int]:
    """``output_size`` of each path: one ``stat`` each, and no more work than
    that while none is a member of an archive (the workflow checks every
    output whenever it starts)."""
    if any(".zip/" in path for path in paths):
        return [output_size(path) for path in paths]
    sizes = []
    for path in paths:
        try:
            sizes.append(os.stat(path).st_size)
        except (FileNotFoundError, NotADirectoryError):
            sizes.append(-1)
    return sizes


def output_size(path: str) -> int:
    """An output's byte size, from its archive's directory for a member;
    -1 when it is missing, or its archive is missing or damaged."""
    inside = split_member(path)
    try:
        if inside is None:
            return os.stat(path).st_size
        index = archive.read_index(inside[0])
    except (FileNotFoundError, NotADirectoryError, InputError):
        return -1
    i = index.position.get(inside[1])
    return -1 if i is None else index.sizes[i]


def read_output(path: str) -> bytes:
    """An output's bytes: a file's, or a member's (checked against its
    CRC-32). Raises OSError, or ``Rejected`` for a damaged member."""
    inside = split_member(path)
    if inside is None:
        with open(path, "rb") as fh:
            return fh.read()
    try:
        data, _ = archive.reader(inside[0], "").read(inside[1], 1 << 40)
    except InputError as e:
        raise OSError(str(e)) from None
    return data


def record_path(relpath: str) -> str:
    return f"{RECORDS}/{stem(relpath)}.json"


def output_paths(kinds, relpath: str) -> list[str]:
    """The files of ``kinds`` (image names, or ``RECORD``) for one image."""
    return [
        record_path(relpath) if kind == RECORD else image_path(kind, relpath)
        for kind in kinds
    ]


def table_path(block: str) -> str:
    return f"{TABLES}/{block}.tsv"


def target_record_path(relpath: str) -> str:
    return f"{TARGETS}/{stem(relpath)}.tsv"


def lock_path(table: str) -> str:
    """The lock a block job holds while it writes (``runner.exclusive``)."""
    folder, name = os.path.split(table)
    return os.path.join(folder, f".{name}.lock")


def failed_path(table: str) -> str:
    """The note a block job that failed leaves (``runner``)."""
    folder, name = os.path.split(table)
    return os.path.join(folder, f".{name}.failed")


def check_image_name(name: str) -> None:
    """An analysis names the images it saves; each name is a folder below
    results/."""
    if not isinstance(name, str) or not IMAGE_NAME.fullmatch(name):
        raise ValueError(
            f"image name {name!r} must start with a letter and hold only letters,"
            " digits, '_' and '-' (it becomes a folder below results/)"
        )
    if name in FOLDERS:
        raise ValueError(
            f"image name {name!r} is taken by the workflow's own results/{name}/"
        )


def existing_tables() -> list[str]:
    """Names of the blocks that have a table in results/blocks/."""
    try:
        names = os.listdir(TABLES)
    except FileNotFoundError:
        return []
    return [n[: -len(".tsv")] for n in names if n.endswith(".tsv")]


def target_records() -> list[str]:
    """The per-image targets' records, as paths."""
    found = []
    for folder, _, files in os.walk(TARGETS):
        found += [os.path.join(folder, n) for n in files if n.endswith(".tsv")]
    return sorted(found)


def remove_file(path: str) -> bool:
    try:
        os.remove(path)
    except FileNotFoundError:
        return False
    return True


def tidy(found: set[str], keep_tables: set[str]) -> tuple[int, int]:
    """After a new plan: remove the outputs recorded for images no longer
    found below input_dir, and the tables of former blocks not in
    ``keep_tables`` (those a new block may still reuse rows from are kept).
    Images left out by ``include`` or ``limit`` are still found: their
    outputs stay. Returns (tables removed, outputs removed)."""
    from . import tables  # it imports this module for the outputs' paths

    def gone_outputs(table: str, but=found) -> list[str]:
        try:
            _, files = tables.BlockTable.recorded_outputs(table, but=but)
        except (OSError, ValueError, KeyError, IndexError, UnicodeDecodeError):
            return []  # not a table this code can read: nothing it recorded
        return [path for path, _ in files]

    dropped = removed = 0
    for name in existing_tables():
        path = table_path(name)
        gone = gone_outputs(path)
        removed += sum(remove_file(p) for p in gone if split_member(p) is None)
        removed += _remove_members(gone)
        if name not in keep_tables:
            # its archives go with it (``save_images: zip``)
            for kept in {split_member(p) for p in gone_outputs(path, frozenset())}:
                if kept and kept[0].endswith(f"/{name}.zip"):
                    remove_file(kept[0])
            os.remove(path)
            remove_file(lock_path(path))
            remove_file(failed_path(path))
            dropped += 1
    for path in target_records():
        record = tables.BlockTable.read_if_valid(path)
        if record is None or any(record.path(r) not in found for r in record.rows):
            removed += sum(map(remove_file, gone_outputs(path)))
            os.remove(path)
    return dropped, removed


def _remove_members(paths) -> int:
    """Remove outputs that are members of block archives: each archive made
    again without them."""
    from . import outarchive  # writing archives: only here and in block jobs

    by_archive: dict[str, set[str]] = {}
    for path in paths:
        inside = split_member(path)
        if inside:
            by_archive.setdefault(inside[0], set()).add(inside[1])
    return sum(outarchive.drop_members(a, m) for a, m in by_archive.items())


# Set by the workflow where Snakemake parses it: the working directory.
WORKDIR_VARIABLE = "PERIMAGE_WORKDIR"


@contextlib.contextmanager
def in_workdir(*declared: str):
    """Run in the workflow's working directory, also when Snakemake runs the
    job in a shadow directory (a rule's ``shadow:``): the files of single
    images (the images, their outputs, the tables they are reused from) are
    not declared, one job per block rather than per image, so they are only
    there. Yields the ``declared`` inputs and outputs, as absolute paths
    when it changed the directory."""
    workdir = os.environ.get(WORKDIR_VARIABLE)
    here = os.getcwd()
    if not workdir or os.path.realpath(workdir) == os.path.realpath(here):
        yield list(declared)
        return
    absolute = [os.path.abspath(path) for path in declared]
    os.chdir(workdir)
    try:
        yield absolute
    finally:
        os.chdir(here)


def is_known_top_level(name: str, image_names) -> bool:
    """Whether ``name``, directly below results/, is the workflow's own."""
    return name in FOLDERS or name in FILES or name in image_names
