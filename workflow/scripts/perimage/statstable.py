"""``results/stats.tsv`` by column (``StatsTable``), and the block tables it
is made from, read by column: the aggregate jobs' tables, with pyarrow.

Apart from ``tables`` (which owns the block table's format) because the block
jobs import that: their code version, and their start-up, include none of
this.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from . import tables, textcolumns


def read_block_columns(path: str) -> pa.Table:
    """A block table by column, every cell as text: the rows
    ``tables.BlockTable.read`` reads, without a Python string per cell."""
    with open(path, "rb") as fh:
        first = fh.readline()
        data = fh.read()
    if not first.startswith(tables.BLOCK_MAGIC.encode() + b" "):
        raise ValueError(f"{path} is not a block table")
    table = textcolumns.read_tsv(data)
    if table is None:  # cells that only the csv module reads exactly
        block = tables.BlockTable.read(path)
        return textcolumns.from_rows(block.header, block.rows)
    header = table.column_names
    if header[0] != "path" or header[-4:] != tables.ENGINE_COLUMNS:
        raise ValueError(f"{path} has unexpected columns: {header}")
    return table


def recorded_output_columns(
    path: str,
) -> tuple[tables.BlockTable, list[str], np.ndarray] | None:
    """``tables.BlockTable.recorded_outputs`` by column: the table's metadata,
    and the paths and recorded sizes of its outputs, in its rows' order. For
    tables whose images have at most one output each, of one kind held in a
    column (an image the analysis saves: the usual case); None for any other,
    and for a table this cannot read (the general reader then decides)."""
    import re

    import pyarrow.compute as pc

    with open(path, "rb") as fh:
        first = fh.readline()
        data = fh.read()
    try:
        meta = tables.read_metadata(first, path)
        table = textcolumns.read_tsv(data)
    except (ValueError, UnicodeDecodeError):  # pyarrow's errors are ValueErrors
        return None
    if table is None:
        return None
    header = table.column_names
    if header[0] != "path" or header[-4:] != tables.ENGINE_COLUMNS:
        return None
    block = tables.BlockTable(
        header[1:-4], meta["version"], meta["state"], [], meta["sources"]
    )
    encoded = table["_bytes"]
    saved = pc.not_equal(encoded, textcolumns.EMPTY)
    encoded = encoded.filter(saved)
    if not len(encoded):
        return block, [], np.zeros(0, np.int64)
    kind = encoded[0].as_py().partition("=")[0]
    if kind not in block.columns or not re.fullmatch(r"[A-Za-z0-9_-]+", kind):
        return None
    if not pc.all(pc.match_substring_regex(encoded, f"^{kind}=[0-9]{{1,18}}$")).as_py():
        return None
    sizes = pc.cast(pc.utf8_slice_codeunits(encoded, len(kind) + 1), pa.int64())
    paths = table[kind].filter(saved).to_pylist()
    return block, paths, textcolumns.numbers(sizes)


def analysis_columns(header: list[str]) -> list[str]:
    """The analysis's columns of a block table's header."""
    return [c for c in header if c != "path" and c not in tables.ENGINE_COLUMNS]


class StatsTable:
    """``results/stats.tsv`` by column: ``path``, an image list's other
    columns (``carried``, if any) and the analysis's columns, one row per
    processed image, sorted by path. Every cell is the text its block table
    (or the list) holds; ``floats`` reads a column's numbers.

    Held as the block tables' rows (``table``, sorted by path) and which of
    them are processed images (``keep``; None: all): a column is filtered
    when it is used, and the file written line by line from the kept runs,
    since copying every column costs more than all the rest of a job."""

    def __init__(self, table: pa.Table, keep: np.ndarray | None = None, carried=()):
        self._table = table
        self._keep = keep
        # the image list's columns, after path, and the classes its class
        # column gives the rejected images (``imagelist.join``)
        self.carried = tuple(carried)
        self.rejected_classes: dict[str, str] = {}
        self._text: dict[str, pa.ChunkedArray] = {}
        self._floats: dict[str, np.ndarray] = {}

    @property
    def columns(self) -> list[str]:
        return self._table.column_names

    def __len__(self) -> int:
        return self._table.num_rows if self._keep is None else int(self._keep.sum())

    def text(self, column: str) -> pa.ChunkedArray:
        if column not in self._text:
            cells = self._table[column]
            if self._keep is not None:
                cells = cells.filter(textcolumns.booleans(self._keep))
            self._text[column] = cells
        return self._text[column]

    def floats(self, column: str) -> np.ndarray:
        """The column as Python's ``float`` reads it; empty cells are NaN.
        Read once (the figures use a column several times), so read-only."""
        if column not in self._floats:
            values = textcolumns.floats(self.text(column))
            if values is None:
                raise ValueError(f"the column {column} holds text that is not a number")
            values.flags.writeable = False
            self._floats[column] = values
        return self._floats[column]

    def numeric_columns(self) -> list[str]:
        """The analysis's columns whose every non-empty cell is a number."""
        return [
            c
            for c in self.columns[1:]
            if c not in self.carried and textcolumns.numeric(self.text(c))
        ]

    def carry(self, keys: pa.Array, columns: dict[str, pa.Array]) -> StatsTable:
        """The table with ``columns`` after ``path``: each row gets the cells
        of the row whose key (in ``keys``, each once) is its path; empty
        cells when none is."""
        import pyarrow.compute as pc

        index = pc.index_in(self._table["path"], value_set=keys)
        added = [
            pc.fill_null(pc.take(cells, index), textcolumns.EMPTY)
            for cells in columns.values()
        ]
        names = self.columns
        table = pa.Table.from_arrays(
            [self._table["path"], *added, *(self._table[c] for c in names[1:])],
            names=[names[0], *columns, *names[1:]],
        )
        return StatsTable(table, self._keep, [*columns, *self.carried])

    def rows(self, indices, columns: list[str]) -> list[dict[str, str]]:
        """The rows at ``indices``, as dicts of ``columns``: for the few that
        are shown one by one (a cell at a time: ``take`` would first join
        the blocks' chunks of each column)."""
        if self._keep is not None:
            indices = np.flatnonzero(self._keep)[indices]
        cells = [self._table[c] for c in columns]
        return [
            {c: v[int(i)].as_py() for c, v in zip(columns, cells, strict=True)}
            for i in indices
        ]

    def write(self, fh) -> None:
        """The table as ``results/stats.tsv`` holds it, to the text file ``fh``."""
        textcolumns.write_tsv(fh, self._table, self._keep)
