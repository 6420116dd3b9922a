"""Write files so that a killed process never leaves one that looks complete.

Data goes to a hidden temporary file beside the destination and is renamed
into place: one creation and one rename per file. The temporary name is fixed
per destination, so a later run overwrites what an interrupted one left
instead of piling up leftovers.
"""

from __future__ import annotations

import contextlib
import os

PARTIAL_SUFFIX = ".partial"


def partial_path(path: str) -> str:
    cut = path.rfind("/") + 1
    return path[:cut] + "." + path[cut:] + PARTIAL_SUFFIX


def write_bytes(path: str, data: bytes) -> None:
    tmp = partial_path(path)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            written = os.write(fd, data)
            if written < len(data):  # rare: a signal, or a full disk
                view = memoryview(data)[written:]
                while view:
                    view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException as e:
        _remove_quietly(tmp)
        _name_the_file(e, path)
        raise


@contextlib.contextmanager
def open_text(path: str):
    """A text file handle whose content appears at ``path`` only on success."""
    tmp = partial_path(path)
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            yield fh
        os.replace(tmp, path)
    except BaseException as e:
        _remove_quietly(tmp)
        _name_the_file(e, path)
        raise


def _name_the_file(error: BaseException, path: str) -> None:
    # os.write() and close() errors carry no file name; messages need one
    if isinstance(error, OSError) and error.filename is None:
        error.filename = path


def _remove_quietly(path: str) -> None:
    with contextlib.suppress(OSError):
        os.remove(path)
