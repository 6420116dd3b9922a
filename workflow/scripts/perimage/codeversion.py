"""Which source files a script or an analysis is made of.

Snakemake re-runs a job when its ``script:`` file changes, but not when a
module that script imports changes. The workflow gives each rule a digest of
the files found here as a param, and block tables record it, so that editing
any of them re-runs what they produced and no output of the old code is
reused.
"""

from __future__ import annotations

import hashlib
import os
import re
from functools import cache

# Import statements, read without parsing the module (parsing every module on
# every Snakemake start costs a tenth of a second). A match inside a string
# can only add a file to the digest, never leave one out.
IMPORT = re.compile(
    r"^[ \t]*(?:from[ \t]+(?P<module>[\w.]+)[ \t]+import[ \t]+"
    r"(?P<names>\([^)]*\)|[^\n#]*)|import[ \t]+(?P<plain>[^\n#]*))",
    re.MULTILINE,
)


@cache
def _imports(path: str, package: str) -> frozenset[str]:
    """Absolute names of the modules ``path`` imports (``package`` is the
    package the file belongs to, "" for a top-level module)."""
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    found = set()
    for m in IMPORT.finditer(text):
        if m["plain"] is not None:
            found.update(_names(m["plain"]))
            continue
        module = m["module"]
        level = len(module) - len(module.lstrip("."))
        if level:
            parts = package.split(".") if package else []
            base = parts[: len(parts) - level + 1]
            rest = module[level:]
            module = ".".join([*base, *([rest] if rest else [])])
        if module:
            found.add(module)
            # "from package import module" imports a module, not a name
            found.update(f"{module}.{name}" for name in _names(m["names"]))
        else:
            found.update(_names(m["names"]))
    return frozenset(found)


def _names(text: str) -> list[str]:
    text = text.strip().strip("()")
    return [
        item.split()[0]
        for item in text.replace("\n", ",").split(",")
        if item.strip() and not item.strip().startswith("#")
    ]


def locate(name: str, roots: list[str]) -> list[tuple[str, str]]:
    """The files of module ``name`` below one of ``roots`` (its own file and
    its packages' ``__init__.py``), with the package each belongs to."""
    parts = name.split(".")
    for root in roots:
        files = []
        for i in range(1, len(parts) + 1):
            base = os.path.join(root, *parts[:i])
            package = ".".join(parts[: i - 1])
            if os.path.isfile(os.path.join(base, "__init__.py")):
                files.append((os.path.join(base, "__init__.py"), ".".join(parts[:i])))
            elif i == len(parts) and os.path.isfile(base + ".py"):
                files.append((base + ".py", package))
            else:
                break
        if files:
            return files
    return []


def source_files(path: str, roots: list[str], package: str = "") -> list[str]:
    """``path`` and every module below ``roots`` that it imports, directly or
    not, sorted (``path`` first)."""
    seen = {os.path.abspath(path)}
    todo = [(path, package)]
    while todo:
        current, current_package = todo.pop()
        for name in _imports(current, current_package):
            for found, found_package in locate(name, roots):
                key = os.path.abspath(found)
                if key not in seen:
                    seen.add(key)
                    todo.append((found, found_package))
    first = os.path.abspath(path)
    return [first, *sorted(seen - {first})]


def digest(files: list[str], *extra: str) -> str:
    """A digest of the files' names and contents, and of ``extra`` strings."""
    h = hashlib.sha256()
    for path in files:
        with open(path, "rb") as fh:
            h.update(os.path.basename(path).encode() + b"\0" + fh.read() + b"\0")
    for item in extra:
        h.update(item.encode() + b"\0")
    return h.hexdigest()[:16]
