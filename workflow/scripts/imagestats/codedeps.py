"""Which files of this package a script uses.

Snakemake re-runs a job when its ``script:`` file changes, but not when a
module that script imports changes. The workflow gives each rule a digest of
these modules as a param, so editing the processing code re-runs what it
produced.
"""

from __future__ import annotations

import ast
import hashlib
import os

PACKAGE = __name__.rpartition(".")[0]
PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def _imported_modules(path: str) -> set[str]:
    with open(path, encoding="utf-8") as fh:
        tree = ast.parse(fh.read(), path)
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:  # relative: "from . import x" or "from .x import y"
                base = node.module or ""
                if base:
                    found.add(base)
                else:
                    found.update(alias.name for alias in node.names)
            elif node.module == PACKAGE:
                found.update(alias.name for alias in node.names)
            elif node.module and node.module.startswith(PACKAGE + "."):
                found.add(node.module[len(PACKAGE) + 1 :])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(PACKAGE + "."):
                    found.add(alias.name[len(PACKAGE) + 1 :])
    return {m.split(".")[0] for m in found}


def module_files(script: str) -> list[str]:
    """The package modules ``script`` imports, directly or not, sorted."""
    todo = [script]
    seen: set[str] = set()
    while todo:
        for name in _imported_modules(todo.pop()):
            path = os.path.join(PACKAGE_DIR, name + ".py")
            if path not in seen and os.path.exists(path):
                seen.add(path)
                todo.append(path)
    return sorted(seen)


def version(script: str) -> str:
    """A digest of ``script`` and of the package modules it imports."""
    h = hashlib.sha256()
    for path in [script, *module_files(script)]:
        with open(path, "rb") as fh:
            h.update(os.path.basename(path).encode() + b"\0" + fh.read())
    return h.hexdigest()[:16]
