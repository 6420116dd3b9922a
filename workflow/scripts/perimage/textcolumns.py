"""Tables of text cells held by column (pyarrow), for the jobs that read,
merge and write a million rows: no Python object per cell.

Cells stay the text the csv module wrote, and are written back as it writes
them (``tables.write_rows``: tab-separated, ``\\n`` at line ends, a cell
quoted only when it must be); numbers are parsed only where they are
computed with. Import this module only where it is used: pyarrow takes a
while to import, and Snakemake's start-up and the block jobs need none of it.
"""

from __future__ import annotations

import csv
import io
import itertools
import math

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

DIALECT = {"delimiter": "\t", "lineterminator": "\n"}  # as tables.write_rows
BATCH = 1 << 16  # rows formatted at a time when writing


def _text_scalar(value: str | None) -> pa.Scalar:
    # built from buffers: given a Python value (or a numpy array of text),
    # pyarrow imports pandas to check it for pandas types, a third of a second
    data = b"" if value is None else value.encode()
    offsets = pa.py_buffer(np.array([0, len(data)], np.int32).tobytes())
    valid = pa.py_buffer(b"\x00" if value is None else b"\x01")
    return pa.StringArray.from_buffers(1, offsets, pa.py_buffer(data), valid)[0]


EMPTY, TAB, NEWLINE, QUOTE = map(_text_scalar, ("", "\t", "\n", '"'))
NULL = _text_scalar(None)


def read_tsv(data: bytes) -> pa.Table | None:
    """A table as the csv module writes it (its header row first), every
    column as text; None when only the csv module reads it exactly: a cell
    holds a carriage return (not quoted by the csv module, a line end to
    Arrow), or the header has a quoted name."""
    end = data.find(b"\n")
    header = data[:end] if end >= 0 else data
    if b"\r" in data or b'"' in header:
        return None
    names = header.decode("utf-8").split("\t")
    return pcsv.read_csv(
        pa.py_buffer(data),
        read_options=pcsv.ReadOptions(use_threads=False),  # a table per thread
        parse_options=pcsv.ParseOptions(
            delimiter="\t",
            # a quoted cell may hold a line end; looking for them costs time
            newlines_in_values=b'"' in data,
            ignore_empty_lines=False,
        ),
        convert_options=pcsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False
        ),
    )


def from_rows(header: list[str], rows: list[list[str]]) -> pa.Table:
    by_column = list(zip(*rows, strict=True)) or [()] * len(header)
    return pa.Table.from_arrays(
        [pa.array(cells, pa.string()) for cells in by_column], names=header
    )


def empty(names: list[str]) -> pa.Table:
    return pa.Table.from_arrays([_empty_cells(0) for _ in names], names=names)


def with_columns(table: pa.Table, names: list[str]) -> pa.Table:
    """The table's columns ``names``, in that order; a column it lacks is
    empty cells."""
    empty = _empty_cells(table.num_rows)
    # from_arrays, not pa.table(): that one imports pandas to look for a
    # DataFrame, a third of a second of the job
    return pa.Table.from_arrays(
        [table[n] if n in table.column_names else empty for n in names], names=names
    )


def _empty_cells(n: int) -> pa.Array:
    """``n`` empty strings, built from buffers: ``pa.repeat("")`` and
    ``pa.array`` of Python values import pandas to look for its types."""
    offsets = pa.py_buffer(bytes(4 * (n + 1)))
    return pa.StringArray.from_buffers(n, offsets, pa.py_buffer(b""))


def sorted_rows(tables: list[pa.Table], keys: list[str]) -> pa.Table:
    """The rows of ``tables`` (of the same columns), one after the other,
    then sorted by the text of ``keys`` (code point order), stably."""
    runs = sorted((t for t in tables if t.num_rows), key=lambda t: _first(t, keys))
    if _increasing(runs, keys):  # block tables: no sort, and no copy
        return pa.concat_tables(runs) if runs else tables[0]
    rows = pa.concat_tables(tables)
    return rows.take(pc.sort_indices(rows, [(k, "ascending") for k in keys]))


def _first(table: pa.Table, keys: list[str]) -> tuple:
    return tuple(table[k][0].as_py() for k in keys)


def _increasing(runs: list[pa.Table], keys: list[str]) -> bool:
    """Whether the runs, one after the other, are in strictly increasing
    order of their first key: then no two rows tie, and sorting them by all
    keys, stably or not, changes nothing."""
    key = keys[0]
    for before, after in itertools.pairwise(runs):
        if not before[key][-1].as_py() < after[key][0].as_py():
            return False
    for run in runs:
        column = run[key]
        if len(column) > 1 and not pc.all(pc.less(column[:-1], column[1:])).as_py():
            return False
    return True


def _quoted_characters() -> str:
    """What makes the csv module quote a cell."""
    found = ""
    for char in '\t\n\r"':
        out = io.StringIO()
        csv.writer(out, **DIALECT).writerow([f"a{char}b"])
        found += char if out.getvalue().startswith('"') else ""
    return found


QUOTED_CHARACTERS = _quoted_characters()
QUOTED = f"[{QUOTED_CHARACTERS}]"  # a regex (RE2) of them


def write_tsv(fh, table: pa.Table, keep: np.ndarray | None = None) -> None:
    """``table`` (text columns) as the csv module writes it, its header row
    first, to the text file ``fh``; only the rows ``keep`` marks, if given."""
    csv.writer(fh, **DIALECT).writerow(table.column_names)
    fh.flush()
    alone = table.num_columns == 1
    first = 0
    for batch in table.to_batches(max_chunksize=BATCH):
        rows = slice(first, first + batch.num_rows)
        first += batch.num_rows
        if not batch.num_rows or (keep is not None and not keep[rows].any()):
            continue
        cells = [_quote(column, alone) for column in batch.columns]
        lines = pc.binary_join_element_wise(
            pc.binary_join_element_wise(*cells, TAB), EMPTY, NEWLINE
        )
        text = _text(lines)
        if keep is None or keep[rows].all():
            fh.buffer.write(text)
            continue
        # the runs of kept lines: where keep turns on, and off
        ends = _offsets(lines)
        edges = np.flatnonzero(np.diff(keep[rows], prepend=False, append=False))
        for start, stop in edges.reshape(-1, 2):
            fh.buffer.write(text[ends[start] - ends[0] : ends[stop] - ends[0]])


def _quote(cells: pa.Array, alone: bool) -> pa.Array:
    if alone:  # the csv module quotes an empty cell when it is a row's only one
        needed = pc.or_(pc.match_substring_regex(cells, QUOTED), pc.equal(cells, EMPTY))
    elif _plain(cells):
        return cells
    else:
        needed = pc.match_substring_regex(cells, QUOTED)
    doubled = pc.replace_substring(cells, '"', '""')
    quoted = pc.binary_join_element_wise(QUOTE, doubled, QUOTE, EMPTY)
    return pc.if_else(needed, quoted, cells)


def _plain(cells: pa.Array) -> bool:
    """Whether no cell needs quotes, from the characters' bytes at once (the
    usual case: a search cell by cell costs ten times more)."""
    text = _text(cells).tobytes()
    return not any(char.encode() in text for char in QUOTED_CHARACTERS)


def _offsets(cells: pa.Array) -> np.ndarray:
    """Where each cell of a string array starts in its data, and the end."""
    offsets = cells.buffers()[1]
    return np.frombuffer(offsets, np.int32)[
        cells.offset : cells.offset + len(cells) + 1
    ]


def _text(cells: pa.Array) -> memoryview:
    """The bytes of all the cells of a string array, one after the other."""
    data = cells.buffers()[2]
    ends = _offsets(cells)
    return memoryview(data)[ends[0] : ends[-1]] if data is not None else memoryview(b"")


def floats(cells: pa.ChunkedArray) -> np.ndarray | None:
    """The cells as Python's ``float`` reads them, empty ones as NaN; None
    when one is not a number."""
    text = pc.if_else(pc.equal(cells, EMPTY), NULL, cells)
    try:
        values = pc.cast(text, pa.float64())
    except pa.ArrowInvalid:  # text Python reads and Arrow does not: "1_000", " 1"
        return _floats_one_by_one(text)
    # and text Arrow reads and Python does not, such as "nan(1)"
    for odd in pc.unique(pc.filter(text, pc.is_nan(values))).to_pylist():
        if not _is_number(odd):
            return None
    return numbers(values)


def numbers(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A numeric or boolean Arrow array as numpy, nulls as NaN (as False for
    booleans). Arrow's ``to_numpy`` imports pandas, a quarter of a second
    in every job that calls it: this reads the buffers instead."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    n, start = len(values), values.offset
    validity, data = values.buffers()[:2]
    if pa.types.is_boolean(values.type):
        found = _bits(data, start, n)
    else:
        dtype = np.dtype(values.type.to_pandas_dtype())
        found = np.frombuffer(data, dtype, n, start * dtype.itemsize).copy()
    if not values.null_count:
        return found
    valid = _bits(validity, start, n)
    if found.dtype == bool:
        return found & valid
    found = found.astype(float)
    found[~valid] = np.nan
    return found


def booleans(values: np.ndarray) -> pa.BooleanArray:
    """numpy booleans as Arrow's (given numpy, Arrow imports pandas)."""
    bits = np.packbits(values, bitorder="little")
    return pa.BooleanArray.from_buffers(
        pa.bool_(), len(values), [None, pa.py_buffer(bits)]
    )


def _bits(buffer: pa.Buffer, start: int, n: int) -> np.ndarray:
    """Arrow's bitmap (least significant bit first) as booleans."""
    bits = np.unpackbits(np.frombuffer(buffer, np.uint8), bitorder="little")
    return bits[start : start + n].astype(bool)


def numeric(cells: pa.ChunkedArray) -> bool:
    """Whether some cell is not empty, and every one that is not is a number."""
    return (
        bool(pc.any(pc.not_equal(cells, EMPTY)).as_py()) and floats(cells) is not None
    )


def _floats_one_by_one(text: pa.ChunkedArray) -> np.ndarray | None:
    distinct = pc.unique(text)
    found = []
    for value in distinct.to_pylist():
        if value is not None and not _is_number(value):
            return None
        found.append(math.nan if value is None else float(value))
    index = numbers(pc.index_in(text, value_set=distinct))
    return np.array(found, float)[index]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def first_folders(paths: pa.ChunkedArray) -> tuple[list[str], np.ndarray]:
    """The distinct first folders of relative ``paths``, each with its "/"
    ("" for a path with none), and each path's index into them."""
    found = pc.extract_regex(paths, r"^(?P<folder>[^/]*/)")
    folders = pc.fill_null(pc.struct_field(found, "folder"), EMPTY)
    distinct = pc.unique(folders)
    index = numbers(pc.index_in(folders, value_set=distinct))
    return distinct.to_pylist(), index.astype(np.intp)
