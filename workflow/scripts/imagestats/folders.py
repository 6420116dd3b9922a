"""Existence checks by folder listing."""

from __future__ import annotations

import os


class FolderIndex:
    """Answers "does this file exist?" from one listing per folder: the
    workflow asks it for every per-image output on each run, and a listing
    costs far less than tens of thousands of ``stat`` calls."""

    def __init__(self):
        self.listed: dict[str, set[str]] = {}

    def exists(self, path: str) -> bool:
        folder, name = os.path.split(path)
        if folder not in self.listed:
            try:
                self.listed[folder] = set(os.listdir(folder or "."))
            except OSError:
                self.listed[folder] = set()
        return name in self.listed[folder]
