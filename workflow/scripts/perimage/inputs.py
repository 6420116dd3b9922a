"""Where the images are read from: a folder, or a zip archive (``archive``).

Both give an image's bytes and its source token, what tells that it changed
since its row was made: a file's size and modification time, a member's size
and CRC-32.
"""

from __future__ import annotations

import os
from functools import cache

from . import archive, decode


class Folder:
    def __init__(self, input_dir: str):
        self.prefix = os.path.join(input_dir, "")

    def read(self, relpath: str, max_pixels: int) -> tuple[bytes, str]:
        data, size, mtime_ns = decode.read_file(self.prefix + relpath)
        return data, f"{size}:{mtime_ns}"

    def token(self, relpath: str) -> str | None:
        try:
            st = os.stat(self.prefix + relpath)
        except OSError:
            return None
        return f"{st.st_size}:{st.st_mtime_ns}"


@cache
def open_input(input_dir: str) -> Folder | archive.Reader:
    zipped = archive.split(input_dir)
    return archive.reader(*zipped) if zipped else Folder(input_dir)


def input_file(input_dir: str, relpath: str) -> str:
    """The file that holds an image: itself, or its archive."""
    zipped = archive.split(input_dir)
    return zipped[0] if zipped else os.path.join(input_dir, relpath)
