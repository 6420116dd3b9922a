"""What an analysis is, for the engine: the interface an analysis depends on.

An analysis is a function of one image::

    def analyse(image: PIL.Image.Image) -> dict:
        ...

It receives the image opened with Pillow (its first frame, loaded) and
returns a mapping of column names to values (numbers, text, or None), in the
order the columns should appear after ``path``. A value that is a Pillow
image is saved as ``results/<column>/<image path>.png`` and its column holds
that file's path. Raising ``Rejected("reason")`` rejects the image with that
reason. Any other exception also rejects it, with the exception's message as
the reason, unless the analysis is marked ``strict``.

The config names it: ``analysis: "my_analysis.py:analyse"`` (a file, relative
to the working directory) or ``analysis: "package.module:analyse"``; a name
without ``:`` means the function ``analyse`` of that module.
"""

from __future__ import annotations

import importlib
import importlib.util
import numbers
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from . import codeversion, figures, results
from .errors import PerImageError, Rejected

__all__ = ["Analysis", "AnalysisError", "Rejected", "describe"]

DEFAULT_FUNCTION = "analyse"


class AnalysisError(PerImageError):
    """The analysis cannot be loaded, or returned something the engine cannot
    store: a bug in the analysis, not a problem of the image."""


def describe(*, pixels_only: bool = False, strict: bool = False):
    """Declare how the engine may treat an analysis.

    ``pixels_only``: the function reads only the image's pixels, mode and
    size, not the file's metadata (``format``, ``info``, EXIF), so the engine
    may decode JPEGs through its faster path. ``strict``: an exception other
    than ``Rejected`` is a bug and stops the job, instead of rejecting the
    image.
    """

    def mark(function):
        function.__perimage__ = {"pixels_only": pixels_only, "strict": strict}
        return function

    return mark


@dataclass
class Spec:
    """Where an analysis comes from: a file or a module, and a function."""

    text: str
    file: str | None  # a .py file, or None for a module
    module: str | None
    function: str

    @classmethod
    def parse(cls, text: str) -> Spec:
        where, sep, function = text.rpartition(":")
        if not sep:
            where, function = text, DEFAULT_FUNCTION
        if not where or not function.isidentifier():
            raise AnalysisError(
                f"analysis {text!r} must be FILE.py:FUNCTION or MODULE:FUNCTION"
            )
        if where.endswith(".py"):
            return cls(text, where, None, function)
        if not all(part.isidentifier() for part in where.split(".")):
            raise AnalysisError(f"analysis {text!r}: {where!r} is not a module name")
        return cls(text, None, where, function)

    def source_files(self, search_path: list[str]) -> list[str]:
        """The files the analysis is made of, for its code version: the file
        or module, and the modules it imports from beside it."""
        if self.file:
            if not os.path.isfile(self.file):
                raise AnalysisError(f"analysis file {self.file!r} does not exist")
            return codeversion.source_files(self.file, [os.path.dirname(self.file)])
        located = codeversion.locate(self.module, search_path)
        if located:
            path, package = located[-1]
            return codeversion.source_files(path, search_path, package)
        spec = importlib.util.find_spec(self.module)
        if spec is None or not spec.origin or not os.path.isfile(spec.origin):
            raise AnalysisError(f"analysis module {self.module!r} cannot be found")
        root = os.path.dirname(spec.origin)
        return codeversion.source_files(spec.origin, [root])

    def load_module(self):
        if self.file:
            return _import_file(self.file)
        try:
            return importlib.import_module(self.module)
        except ImportError as e:
            raise AnalysisError(f"analysis {self.text!r}: {e}") from e

    def report(self) -> figures.Report:
        """What the report shows: the module's ``REPORT``, or the default."""
        found = getattr(self.load_module(), "REPORT", None)
        if found is None:
            return figures.default_report(self.text)
        if not isinstance(found, figures.Report):
            raise AnalysisError(
                f"analysis {self.text!r}: REPORT is {type(found).__name__},"
                " not a perimage.figures.Report"
            )
        return found


class Analysis:
    """A loaded analysis, called on opened images."""

    def __init__(self, function: Callable, name: str):
        self.function = function
        self.name = name
        traits = getattr(function, "__perimage__", {})
        self.pixels_only = traits.get("pixels_only", False)
        self.strict = traits.get("strict", False)
        self._checked: tuple = ()  # the column names last seen, all valid

    @classmethod
    def load(cls, text: str) -> Analysis:
        spec = Spec.parse(text)
        function = getattr(spec.load_module(), spec.function, None)
        if not callable(function):
            raise AnalysisError(
                f"analysis {text!r}: {spec.file or spec.module} has no function"
                f" {spec.function!r}"
            )
        return cls(function, text)

    def __call__(self, image) -> list[tuple[str, object]]:
        """The image's columns, in order; image values stay images."""
        result = self.function(image)
        if not isinstance(result, Mapping):
            raise AnalysisError(
                f"analysis {self.name} returned {type(result).__name__},"
                " not a mapping of column names to values"
            )
        names = tuple(result)
        if names != self._checked:
            for name in names:
                _column(self.name, name)
            self._checked = names
        return [
            (k, v if type(v) in _PLAIN else _value(self.name, k, v))
            for k, v in result.items()
        ]


def _import_file(path: str):
    if not os.path.isfile(path):
        raise AnalysisError(f"analysis file {path!r} does not exist")
    folder = os.path.dirname(os.path.abspath(path))
    if folder not in sys.path:
        sys.path.insert(0, folder)  # so that it can import modules beside it
    name = "perimage_analysis_" + os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _column(analysis: str, key) -> str:
    if (
        not isinstance(key, str)
        or not key
        or key == "path"
        or key.startswith("_")
        or any(c in key for c in "\t\n\r")
    ):
        raise AnalysisError(
            f"analysis {analysis} returned the column name {key!r}: names must be"
            " non-empty text without tabs or newlines, other than 'path' and not"
            " starting with '_'"
        )
    return key


_PLAIN = {str, int, float, bool, type(None)}


def _value(analysis: str, column: str, value):
    from PIL import Image  # the engine's processes have it; Snakemake's need not

    if value is None or isinstance(value, str | bool | int | float | Image.Image):
        if isinstance(value, Image.Image):
            try:
                results.check_image_name(column)
            except ValueError as e:
                raise AnalysisError(f"analysis {analysis}: {e}") from None
        return value
    if isinstance(value, numbers.Number) and hasattr(value, "item"):
        return value.item()  # a numpy scalar
    raise AnalysisError(
        f"analysis {analysis} returned {type(value).__name__} for column"
        f" {column!r}; values must be numbers, text, None or Pillow images"
    )
