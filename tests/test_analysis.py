"""Naming an analysis, loading it, and which files make its code version."""

from __future__ import annotations

import os
import sys

import pytest
from conftest import REPO
from perimage import analysis, codeversion
from perimage.analysis import Analysis, AnalysisError, Spec
from perimage.state import State
from PIL import Image

SCRIPTS = str(REPO / "workflow" / "scripts")


@pytest.mark.parametrize(
    "text,file,module,function",
    [
        ("brightness", None, "brightness", "analyse"),
        ("my_analysis.py:measure", "my_analysis.py", None, "measure"),
        ("sub/dir/a.py:f", "sub/dir/a.py", None, "f"),
        ("package.module:run", None, "package.module", "run"),
    ],
)
def test_specs(text, file, module, function):
    spec = Spec.parse(text)
    assert (spec.file, spec.module, spec.function) == (file, module, function)


@pytest.mark.parametrize("text", ["x.py:", ":f", "not a module:f", "a.py:1f"])
def test_bad_specs_say_what_is_expected(text):
    with pytest.raises(AnalysisError, match="analysis"):
        Spec.parse(text)


def test_a_file_analysis_is_loaded_with_the_modules_beside_it(tmp_path, monkeypatch):
    (tmp_path / "helper_for_test.py").write_text("SCALE = 2\n")
    (tmp_path / "mine.py").write_text(
        "import helper_for_test\n"
        "def analyse(image):\n"
        "    return {'w': image.width * helper_for_test.SCALE}\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    loaded = Analysis.load("mine.py:analyse")
    assert loaded(Image.new("L", (3, 2))) == [("w", 6)]
    assert not loaded.pixels_only and not loaded.strict
    files = Spec.parse("mine.py:analyse").source_files([SCRIPTS])
    assert [os.path.basename(f) for f in files] == ["mine.py", "helper_for_test.py"]


def test_missing_analyses_are_clear_errors(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(AnalysisError, match=r"'nope\.py' does not exist"):
        Analysis.load("nope.py:analyse")
    (tmp_path / "empty.py").write_text("x = 1\n")
    with pytest.raises(AnalysisError, match="has no function 'analyse'"):
        Analysis.load("empty.py:analyse")
    with pytest.raises(AnalysisError, match="cannot be found"):
        Spec.parse("no_such_module_here:f").source_files([SCRIPTS])


def test_the_built_in_analysis_declares_its_traits():
    loaded = Analysis.load("brightness")
    assert loaded.pixels_only and loaded.strict


def test_the_brightness_survey_is_made_of_its_package_and_the_interface():
    files = {
        os.path.relpath(f, SCRIPTS)
        for f in Spec.parse("brightness").source_files([SCRIPTS])
    }
    assert {"brightness/__init__.py", "brightness/survey.py"} <= files
    assert "brightness/greyscale.py" in files
    assert "perimage/analysis.py" in files
    # the report's code is not part of it: editing a plot re-runs no block
    assert "brightness/plots.py" not in files


def test_imports_are_found_in_every_form(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    for name in ("__init__", "a", "b", "c", "d", "unused"):
        (package / f"{name}.py").write_text("")
    (package / "main.py").write_text(
        "import pkg.a\n"
        "from . import b\n"
        "from .c import thing\n"
        "from pkg import (\n    d,  # a comment\n)\n"
    )
    files = codeversion.source_files(str(package / "main.py"), [str(tmp_path)], "pkg")
    names = sorted(os.path.basename(f) for f in files[1:])
    assert names == ["__init__.py", "a.py", "b.py", "c.py", "d.py"]


def test_the_process_version_follows_the_analysis_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.py").write_text("def analyse(image):\n    return {}\n")
    config = {
        "analysis": "mine.py:analyse",
        "save_images": True,
        "write_records": False,
    }

    def version() -> str:
        return State(config, SCRIPTS).process_version()

    first = version()
    assert version() == first
    (tmp_path / "mine.py").write_text("def analyse(image):\n    return {'x': 1}\n")
    second = version()
    assert second != first
    config["save_images"] = False
    assert version() != second


def test_describe_is_the_interface_an_analysis_uses():
    @analysis.describe(pixels_only=True)
    def f(image):
        return {}

    assert Analysis(f, "f").pixels_only
    assert not Analysis(f, "f").strict
