"""Write files so that a killed process never leaves one that looks complete.

Data goes to a hidden temporary file beside the destination and is renamed
into place. The temporary name is fixed per destination, so a later run
overwrites what an interrupted one left instead of piling up leftovers.
"""

from __future__ import annotations

import contextlib
import errno
import os

PARTIAL_SUFFIX = ".partial"
# Failures of the output file system itself (full, over quota, read-only,
# broken): no input is to blame, so a job stops rather than skip an image.
STORAGE_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO}


def partial_path(path: str) -> str:
    folder, name = os.path.split(path)
    return os.path.join(folder, "." + name + PARTIAL_SUFFIX)


def write_bytes(path: str, data: bytes) -> None:
    tmp = partial_path(path)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        try:
            view = memoryview(data)
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
