"""An image list (config ``images``): the images to process, read from a
file instead of a scan of input_dir, and the other columns of a sample sheet.

The format follows the file's name:

- ``.csv`` (commas) or ``.tsv`` (tabs): a sample sheet, quoted as CSV, with
  a header row naming a ``path`` column and any others (``class``,
  ``split``, ``label``, ...); blank lines are ignored;
- any other name: one path per line, each line as it is (spaces belong to
  the name).

Paths are relative to input_dir. A mistake in the list is an
``ImageListError`` naming the file, the line and the column, raised while
Snakemake parses the workflow, before any job starts. What is wrong with one
image is not a mistake of the list: a path that is missing or a folder is
rejected by its block with the reason, and a path listed again on a later
line is rejected as a duplicate (``join``).

A list is held as columns (the paths, a list per other column, the line
numbers in an array), never as an object per row: at a million lines it is
read every time Snakemake starts.
"""

from __future__ import annotations

import csv
import io
import operator
import os
from array import array
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from . import inventory, layout
from .errors import InputError

if TYPE_CHECKING:
    from .statstable import StatsTable

PATH = "path"
DELIMITERS = {".csv": ",", ".tsv": "\t"}
# What shows a path that is not plain and relative (empty, absolute, with an
# empty, "." or ".." part, or holding a NUL) in the paths joined by newlines,
# each framed by newlines: a search of the whole list for each costs less
# than one check per path (or a regex) at hundreds of thousands of paths.
# Newlines inside paths only add matches.
SUSPECT = ("\n\n", "\n/", "//", "/\n", "/./", "/../", "\n./", "\n../", "/.\n", "/..\n")
SUSPECT += ("\n.\n", "\n..\n", "\x00")


class ImageListError(InputError):
    """The image list cannot be used; the message names the file, the line
    and the column."""


@dataclass
class ImageList:
    """The rows of a list in the file's order: ``paths``, each row's line
    number (``lines``), and the sheet's other ``columns`` by name."""

    file: str
    paths: list[str]
    lines: array
    columns: dict[str, list[str]] = field(default_factory=dict)
    header: list[str] = field(default_factory=list)  # a sheet's, else empty

    def where(self, line: int, column: str | None = None) -> str:
        """How a message names a place in the list."""
        place = f"images list {self.file!r}, line {line}"
        if column in self.header:
            place += f", column {self.header.index(column) + 1} ({column})"
        return place

    def listing(self, input_dir: str, *, with_stat: bool) -> inventory.Listing:
        """The listed images in path order, each once, as a scan lists them:
        with a ``stat`` of each (``UNKNOWN`` for a missing file, which its
        block rejects), or only their names."""
        inventory.check_input_dir(input_dir)
        paths = sorted(self.paths)  # fast when the list is sorted already
        if any(map(operator.eq, paths, paths[1:])):
            paths = sorted(set(paths))
        if with_stat:
            return inventory.stat_files(input_dir, paths)
        return inventory.Listing(paths)

    def duplicates(self) -> list[tuple[str, str]]:
        """(path, reason) of every line listing a path an earlier line lists."""
        if len(set(self.paths)) == len(self.paths):
            return []
        first: dict[str, int] = {}
        found = []
        name = os.path.basename(self.file)
        for path, line in zip(self.paths, self.lines, strict=True):
            if path in first:
                reason = f"listed again on line {line} of {name} (first on line"
                found.append((path, f"{reason} {first[path]})"))
            else:
                first[path] = line
        return found


def read(file: str, *, errors: str = "surrogateescape", taken=()) -> ImageList:
    """The list in ``file``, checked; none of its columns may be named as
    one of ``taken`` (the analysis's). ``errors``: how bytes that are not
    UTF-8 are read (file names as the operating system gives them, or as
    the workflow's tables show them: ``layout.printable``)."""
    try:
        # utf-8-sig: a spreadsheet's byte order mark is not part of a name
        with open(file, encoding="utf-8-sig", errors=errors, newline="") as fh:
            text = fh.read()
    except FileNotFoundError:
        raise ImageListError(f"images list {file!r} does not exist") from None
    except IsADirectoryError:
        raise ImageListError(f"images list {file!r} is a folder, not a file") from None
    except OSError as e:
        raise ImageListError(
            f"images list {file!r} cannot be read: {e.strerror}"
        ) from None
    delimiter = DELIMITERS.get(os.path.splitext(file)[1].lower())
    listed = _sheet(file, text, delimiter) if delimiter else _lines(file, text)
    if not listed.paths:
        raise ImageListError(f"images list {file!r} lists no image")
    framed = "\n" + "\n".join(listed.paths) + "\n"
    if any(sign in framed for sign in SUSPECT):
        for path, line in zip(listed.paths, listed.lines, strict=True):
            problem = _path_problem(path)
            if problem:
                raise ImageListError(f"{listed.where(line, PATH)}: {problem}")
    if layout.CLASS_COLUMN in listed.columns:
        _check_classes(listed)
    check_column_names(listed, taken, "the analysis writes it")
    return listed


def _lines(file: str, text: str) -> ImageList:
    paths = text.split("\n")
    if paths[-1] == "":
        paths.pop()  # the last line's end
    if "\r" in text:  # a list written on Windows
        paths = [p[:-1] if p.endswith("\r") else p for p in paths]
    return ImageList(file, paths, array("q", range(1, len(paths) + 1)))


def _sheet(file: str, text: str, delimiter: str) -> ImageList:
    rows, lines = _rows(file, text, delimiter)
    if not rows:
        raise ImageListError(f"images list {file!r} has no header row on line 1")
    header = rows[0]
    _check_header(file, header)
    width = len(header)
    if any(len(row) != width for row in rows):
        i = next(i for i, row in enumerate(rows) if len(row) != width)
        raise ImageListError(
            f"images list {file!r}, line {lines[i]}: {len(rows[i])} fields,"
            f" but the header names {width} columns"
        )
    by_column = zip(*rows[1:], strict=True) if len(rows) > 1 else [()] * width
    columns = {name: list(c) for name, c in zip(header, by_column, strict=True)}
    paths = columns.pop(PATH)
    return ImageList(file, paths, lines[1:], columns, header)


def _rows(file: str, text: str, delimiter: str) -> tuple[list[list[str]], array]:
    """A sheet's rows but blank lines, and the line each starts on. Without
    quotes, carriage returns or blank lines, split lines: the csv module
    reads such text alike, at a third of the speed."""
    if '"' not in text and "\r" not in text:
        lines = text.split("\n")
        if lines[-1] == "":
            lines.pop()  # the last line's end
        if "" not in lines:
            rows = [line.split(delimiter) for line in lines]
            return rows, array("q", range(1, len(rows) + 1))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows, starts, end = [], array("q"), 0
    try:
        for row in reader:
            start, end = end + 1, reader.line_num
            if row:
                rows.append(row)
                starts.append(start)
    except csv.Error as e:
        raise ImageListError(
            f"images list {file!r}, line {reader.line_num}: malformed row: {e}"
        ) from None
    return rows, starts


def _check_header(file: str, header: list[str]) -> None:
    seen: dict[str, int] = {}
    for i, name in enumerate(header, 1):
        place = f"images list {file!r}, line 1, column {i}"
        if not name.strip():
            raise ImageListError(f"{place}: the column has no name")
        if name in seen:
            raise ImageListError(
                f"{place}: the column name {name!r} is also column {seen[name]}"
            )
        seen[name] = i
    if PATH not in seen:
        raise ImageListError(
            f"images list {file!r}, line 1: no column is named {PATH!r}"
            f" (the columns are {', '.join(map(repr, header))})"
        )


def _path_problem(path: str) -> str | None:
    parts = path.split("/")
    if not path:
        return "the path is empty"
    if "\x00" in path:
        return f"the path {path!r} holds a NUL character"
    if path.startswith("/"):
        return f"the path {path!r} is absolute: paths are relative to input_dir"
    if ".." in parts:
        return f"the path {path!r} leads out of input_dir ('..')"
    if "" in parts or "." in parts:
        return f"the path {path!r} has an empty or '.' part"
    return None


def _check_classes(listed: ImageList) -> None:
    """A class names its gallery file (``<class>.svg``): a plain name."""
    column = listed.columns[layout.CLASS_COLUMN]
    bad = {c for c in set(column) if _class_problem(c)}
    if not bad:
        return
    i = next(i for i, c in enumerate(column) if c in bad)
    raise ImageListError(
        f"{listed.where(listed.lines[i], layout.CLASS_COLUMN)}:"
        f" {_class_problem(column[i])}"
    )


def _class_problem(name: str) -> str | None:
    if not name.strip():
        return "the class is empty"
    if "/" in name or "\x00" in name or name.startswith("."):
        return (
            f"the class {name!r} cannot name a file (it holds '/' or NUL, or"
            " starts with '.')"
        )
    if name == layout.ALL:
        return f"the class {name!r} is the summary's row of all classes"
    if len(layout.encode(name)) > 200:
        return "the class is longer than 200 bytes"
    return None


def check_column_names(listed: ImageList, taken, whose: str) -> None:
    """No column of the sheet may share a name with one of ``taken``."""
    for name in listed.columns:
        if name in taken:
            raise ImageListError(
                f"{listed.where(1, name)}: {name!r} is also a column"
                f" of results/stats.tsv ({whose}); rename it in the list"
            )


def join(
    file, stats: StatsTable, rejected: list[tuple[str, str]]
) -> tuple[StatsTable, list[tuple[str, str]]]:
    """The aggregate jobs' view of the list ``file`` (none: an empty input,
    which changes nothing): ``stats`` with the sheet's other columns after
    ``path`` (each image's cells from the first line listing it; with a
    class column, the rejected images' classes too), and ``rejected`` with
    the lines that list a selected image again.

    Done here rather than in the blocks, so that editing a sheet's columns
    re-runs only the aggregate jobs, not a block."""
    if not file:
        return stats, rejected
    import pyarrow as pa
    import pyarrow.compute as pc

    # as the block tables show names that are not valid UTF-8
    listed = read(file, errors="backslashreplace")
    check_column_names(listed, stats.columns, "the analysis writes it")
    keys, columns = listed.paths, listed.columns
    again = listed.duplicates()
    if again:  # the first line of each path gives its cells
        first: dict[str, int] = {}
        for i, path in enumerate(keys):
            first.setdefault(path, i)
        keys = list(first)
        columns = {c: [v[i] for i in first.values()] for c, v in columns.items()}
        # rejected only where the image is selected (include, limit)
        chosen = pc.is_in(
            pa.array([p for p, _ in again], pa.string()),
            value_set=pa.concat_arrays(
                [
                    stats.text(PATH).combine_chunks(),
                    pa.array([p for p, _ in rejected], pa.string()),
                ]
            ),
        ).to_pylist()
        again = [d for d, keep in zip(again, chosen, strict=True) if keep]
        rejected = sorted(rejected + again)
    if columns:
        stats = stats.carry(
            pa.array(keys, pa.string()),
            {c: pa.array(v, pa.string()) for c, v in columns.items()},
        )
    if layout.CLASS_COLUMN in columns and rejected:
        row = {p: i for i, p in enumerate(keys)}
        cells = columns[layout.CLASS_COLUMN]
        stats.rejected_classes = {p: cells[row[p]] for p, _ in rejected if p in row}
    return stats, rejected


def no_images_message(file: str, listed: int) -> str:
    return (
        f"images list {file!r} has no images to process: none match include"
        f" and limit ({listed} images listed)"
    )
