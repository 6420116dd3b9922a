"""A block's images as archives (``save_images: zip``): one per image name,
``results/<image name>/<block>.zip``, its members stored (a PNG is
compressed already) and named as the files would be.

A block writes each archive whole, under the temporary name ``atomic`` uses,
and renames it into place once every image is in: a killed job leaves the
previous archive, never half of a new one. The images it reuses are copied
from the archives they were in, so per image no file is created at all.
"""

from __future__ import annotations

import contextlib
import os
import zipfile

from . import atomic, results
from .errors import BlockError

# A fixed time: the same images make the same archive.
EPOCH = (1980, 1, 1, 0, 0, 0)


def _member(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=EPOCH)
    info.compress_type = zipfile.ZIP_STORED
    info.external_attr = 0o100644 << 16  # a regular file, rw-r--r--
    return info


class BlockArchives:
    """The archives one block job writes."""

    def __init__(self, block: str):
        self.block = block
        self.open: dict[str, zipfile.ZipFile] = {}

    def add(self, image_name: str, relpath: str, data: bytes) -> str:
        """Add an image; returns its output's path (``results.member_path``)."""
        archive = self._archive(image_name)
        try:
            archive.writestr(_member(results.member_name(relpath)), data)
        except OSError as e:
            raise self._error(image_name, e) from None
        return results.member_path(image_name, self.block, relpath)

    def _archive(self, image_name: str) -> zipfile.ZipFile:
        archive = self.open.get(image_name)
        if archive is None:
            path = results.archive_path(image_name, self.block)
            try:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                archive = zipfile.ZipFile(atomic.partial_path(path), "w")
            except OSError as e:
                raise self._error(image_name, e) from None
            self.open[image_name] = archive
        return archive

    def _error(self, image_name: str, e: OSError) -> BlockError:
        folder = os.path.dirname(results.archive_path(image_name, self.block))
        return BlockError(
            f"cannot write {folder}/: {e.strerror} (the archive of block {self.block})"
        )

    def commit(self, had=()) -> None:
        """Put the archives in place; remove this block's archives of the
        image names in ``had`` that it no longer writes (all rejected)."""
        for image_name, archive in self.open.items():
            path = results.archive_path(image_name, self.block)
            try:
                archive.close()
                os.replace(atomic.partial_path(path), path)
            except OSError as e:
                raise self._error(image_name, e) from None
        for image_name in set(had) - set(self.open):
            if image_name != results.RECORD:
                results.remove_file(results.archive_path(image_name, self.block))
        self.open.clear()

    def abandon(self) -> None:
        for image_name, archive in self.open.items():
            with contextlib.suppress(OSError):
                archive.close()
            path = atomic.partial_path(results.archive_path(image_name, self.block))
            results.remove_file(path)
        self.open.clear()


def drop_members(path: str, names: set[str]) -> int:
    """Make the archive ``path`` again without the members ``names``;
    returns how many it held. A missing or damaged archive is left as it is:
    its block runs again anyway."""
    tmp = atomic.partial_path(path)
    try:
        with zipfile.ZipFile(path) as src:
            keep = [i for i in src.infolist() if i.filename not in names]
            dropped = len(src.infolist()) - len(keep)
            if not dropped:
                return 0
            with zipfile.ZipFile(tmp, "w") as out:
                for info in keep:
                    out.writestr(_member(info.filename), src.read(info))
        os.replace(tmp, path)
    except (FileNotFoundError, zipfile.BadZipFile):
        results.remove_file(tmp)
        return 0
    return dropped
