"""The workflow's tables: their one format, and the block table's owner.

All are tab-separated with a header row; a cell holding a tab, newline or
quote is quoted as in CSV. Numbers are written so that they read back
exactly (``repr`` of a float).

- A block table (``results/blocks/<block>.tsv``): one row per image of the
  block, with what the next run needs to reuse it. Its first line is a
  comment holding the table's metadata (``BlockTable``).
- ``results/stats.tsv``: ``path``, then the analysis's columns, one row per
  processed image (``statstable.StatsTable``, which reads the block tables by
  column: apart, so that the block jobs' code does not include it).
- ``results/rejected.tsv`` and the plan's ``skipped.tsv``: ``path``, ``reason``.
"""

from __future__ import annotations

import csv
import functools
import io
import json
from dataclasses import dataclass, field

from . import results

BLOCK_MAGIC = "#perimage-block-table"
# The engine's own columns of a block table, after the analysis's: why the
# image was rejected, the source's size and modification time when it was
# read, its pixel count, and its output files' kinds and byte sizes.
ENGINE_COLUMNS = ["_error", "_source", "_pixels", "_bytes"]
REASON_COLUMNS = ["path", "reason"]


def cell(value) -> str:
    if isinstance(value, float):
        return repr(value)  # round-trips exactly
    return "" if value is None else str(value)


def write_rows(fh, header: list[str], rows) -> int:
    writer = csv.writer(fh, delimiter="\t", lineterminator="\n")
    writer.writerow(header)
    n = 0
    for row in rows:
        writer.writerow(row)
        n += 1
    return n


def read_rows(fh) -> tuple[list[str], list[list[str]]]:
    text = fh.read()
    if '"' in text:  # some cell is quoted: let the csv module read it
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter="\t"))
    else:  # no cell holds a tab, newline or quote: plain splitting is exact
        rows = [line.split("\t") for line in text.split("\n")]
        if rows and rows[-1] == [""]:
            rows.pop()
    if not rows:
        raise ValueError(f"{getattr(fh, 'name', 'a table')} has no header row")
    return rows[0], rows[1:]


def read_metadata(first: str | bytes, path: str) -> dict:
    """A block table's metadata, from its first line; ValueError when that
    is not a block table's."""
    magic = BLOCK_MAGIC + " "
    if isinstance(first, bytes):
        magic = magic.encode()
    if not first.startswith(magic):
        raise ValueError(f"{path} is not a block table")
    return json.loads(first[len(magic) :])


def _open(path: str):
    return open(path, encoding="utf-8", newline="")


@dataclass
class BlockTable:
    """A block's rows: ``path``, the analysis's ``columns``, then the
    engine's. ``version`` identifies the code and settings that made the
    rows; ``state`` is the token the workflow uses to notice changed images
    and damaged outputs (``perimage.outputcheck``), ``sources`` the
    fingerprint of the block's images when the job began."""

    columns: list[str]
    version: str
    state: str
    rows: list[list[str]] = field(default_factory=list)
    sources: str = ""

    @property
    def header(self) -> list[str]:
        return ["path", *self.columns, *ENGINE_COLUMNS]

    # A row is [path, *values, error, source, pixels, outputs]: these
    # methods are the only code that knows the positions.
    @staticmethod
    def make_row(
        path: str,
        values: list[str],
        error: str,
        source: str,
        pixels: int,
        outputs: dict[str, int],
    ) -> list[str]:
        encoded = ",".join(f"{kind}={size}" for kind, size in outputs.items())
        return [path, *values, error, source, str(pixels) if pixels else "", encoded]

    @staticmethod
    def path(row: list[str]) -> str:
        return row[0]

    @staticmethod
    def error(row: list[str]) -> str:
        return row[-4]

    @staticmethod
    def source(row: list[str]) -> str:
        return row[-3]

    @staticmethod
    def pixels(row: list[str]) -> int:
        return int(row[-2] or 0)

    @staticmethod
    def outputs(row: list[str]) -> dict[str, int]:
        """The image's output files as kind -> byte size."""
        if not row[-1]:
            return {}
        pairs = (item.rpartition("=") for item in row[-1].split(","))
        return {kind: int(size) for kind, _, size in pairs}

    def output_files(self, row: list[str]) -> list[tuple[str, int]]:
        """The image's output files, (path, byte size): an image's path is in
        its column, a record's is the layout's."""
        if not row[-1]:
            return []
        files = []
        for item in row[-1].split(","):
            kind, _, size = item.rpartition("=")
            column = self._column_index.get(kind)
            path = row[column] if column else results.record_path(self.path(row))
            files.append((path, int(size)))
        return files

    @functools.cached_property
    def _column_index(self) -> dict[str, int]:
        return {c: i + 1 for i, c in enumerate(self.columns)}

    def values(self, row: list[str]) -> dict[str, str]:
        return dict(zip(self.columns, row[1:-4], strict=True))

    def write(self, fh) -> None:
        meta = {"version": self.version, "state": self.state, "sources": self.sources}
        fh.write(f"{BLOCK_MAGIC} {json.dumps(meta)}\n")
        write_rows(fh, self.header, self.rows)

    @classmethod
    def read(cls, path: str) -> BlockTable:
        with _open(path) as fh:
            first = fh.readline()
            meta = read_metadata(first, path)
            header, rows = read_rows(fh)
        if header[0] != "path" or header[-4:] != ENGINE_COLUMNS:
            raise ValueError(f"{path} has unexpected columns: {header}")
        if any(len(row) != len(header) for row in rows):
            raise ValueError(f"{path} has rows of the wrong length")
        return cls(header[1:-4], meta["version"], meta["state"], rows, meta["sources"])

    @classmethod
    def recorded_outputs(
        cls, path: str, but: set[str] = frozenset()
    ) -> tuple[BlockTable, list[tuple[str, int]]]:
        """The table's metadata (a table without rows) and its output files
        with their recorded sizes, as ``output_files`` gives them for every
        row (but the rows of the images in ``but``), splitting each line only
        as far as the cells it needs: the workflow asks this of every table
        whenever it starts. Raises ValueError as ``read``."""
        with _open(path) as fh:
            first = fh.readline()
            meta = read_metadata(first, path)
            text = fh.read()
        if '"' in text:  # a quoted cell: the general reader
            table = cls.read(path)
            rows = (r for r in table.rows if table.path(r) not in but)
            files = [f for r in rows for f in table.output_files(r)]
            table.rows = []
            return table, files
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        header = lines[0].split("\t") if lines else []
        if not header or header[0] != "path" or header[-4:] != ENGINE_COLUMNS:
            raise ValueError(f"{path} has unexpected columns: {header}")
        tabs = len(header) - 1
        column = {c: i for i, c in enumerate(header[1:-4], 1)}
        files = []
        for line in lines[1:]:
            if line.count("\t") != tabs:
                raise ValueError(f"{path} has rows of the wrong length")
            encoded = line[line.rfind("\t") + 1 :]
            if not encoded or (but and line[: line.find("\t")] in but):
                continue
            items = [item.rpartition("=") for item in encoded.split(",")]
            cells = line.split("\t", max(column.get(k, 0) for k, _, _ in items) + 1)
            for kind, _, size in items:
                i = column.get(kind)
                files.append(
                    (cells[i] if i else results.record_path(cells[0]), int(size))
                )
        return cls(
            header[1:-4], meta["version"], meta["state"], [], meta["sources"]
        ), files

    @classmethod
    def read_if_valid(cls, path: str) -> BlockTable | None:
        """The table, or None when there is none or it is not one this code
        can use (an older format, or damaged): the block then runs again."""
        try:
            return cls.read(path)
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, IndexError, UnicodeDecodeError, csv.Error):
            return None


def write_reasons(fh, rows) -> int:
    """``rejected.tsv`` and ``skipped.tsv``: (path, reason) pairs."""
    return write_rows(fh, REASON_COLUMNS, rows)


def read_reasons(path: str) -> list[tuple[str, str]]:
    with _open(path) as fh:
        header, rows = read_rows(fh)
    if header != REASON_COLUMNS:
        raise ValueError(f"{path} has columns {header}, not {REASON_COLUMNS}")
    return [(r[0], r[1]) for r in rows]
