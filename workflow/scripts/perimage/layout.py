"""Names: how an image's path becomes the stem of its outputs' names, how a
name that is not valid UTF-8 is shown, and an image's class.

The original extension stays in the stem, so ``a.jpg`` and ``a.png`` in one
folder never collide; a name too long for the file system is shortened and
ends with a hash. Where the outputs live is ``perimage.results``.
"""

from __future__ import annotations

import hashlib
import os

NAME_MAX = 255  # bytes, on Linux file systems
LONGEST_SUFFIX = ".json"  # shortening allows for it, so every output shares a stem
TOP_LEVEL = "(top level)"
# An image list's column that, when there is one, gives the class instead
CLASS_COLUMN = "class"
ALL = "(all)"  # the summary's row of every class: no class is named so


def encode(path: str) -> bytes:
    """File names that are not valid UTF-8 arrive as surrogate escapes."""
    return path.encode("utf-8", "surrogateescape")


def printable(path: str) -> str:
    """A file name that is not valid UTF-8, shown with escapes instead of failing."""
    return encode(path).decode("utf-8", "backslashreplace")


def short_name(name: str) -> str:
    """``name``, or, when ``name`` plus a suffix would be too long for the file
    system, its first bytes and a hash of the whole."""
    if 4 * len(name) + len(LONGEST_SUFFIX) <= NAME_MAX:
        return name  # short enough however it is encoded
    raw = encode(name)
    if len(raw) + len(LONGEST_SUFFIX) <= NAME_MAX:
        return name
    tag = "~" + hashlib.sha256(raw).hexdigest()[:16]
    return raw[: NAME_MAX - 64].decode("utf-8", "ignore") + tag


def stem(relpath: str) -> str:
    """The image's outputs' path below their root, without the suffix."""
    folder, name = os.path.split(relpath)
    return os.path.join(folder, short_name(name))


def class_of(relpath: str) -> str:
    """An image's class is its top-level folder (EuroSAT's class folders);
    images directly in the input folder form the class "(top level)". An
    image list's ``class`` column replaces it (``imagelist.join``)."""
    head, sep, _ = relpath.partition("/")
    return head if sep else TOP_LEVEL
