import hashlib
import os
import shutil
import sys
import tempfile

from snakemake.sourcecache import LocalGitFile, LocalSourceFile, SourceFile

# Looking (a dry run, --report, --summary, --lint) must write no file, and the
# engine lives inside the workflow: no __pycache__ there, in this process or in
# the job processes it starts (they inherit the environment).
sys.dont_write_bytecode = True
os.environ.update(PYTHONDONTWRITEBYTECODE="1")

# Snakemake 9.27 joins a `script:` path to a gitfile() module's folder as an
# object where LocalGitFile.join takes text, and fails before any job runs
# (github() modules join it as text): give it the text.
if isinstance(workflow.current_basedir, LocalGitFile):
    _join_text = LocalGitFile.join

    def _join(self, path):
        if isinstance(path, SourceFile):
            path = path.get_path_or_uri(secret_free=False)
        return _join_text(self, path)

    if LocalGitFile.join.__name__ != "_join":
        LocalGitFile.join = _join

# A job started by a run that had to copy the engine finds it here.
ENGINE_VARIABLE = "PERIMAGE_ENGINE"


def engine_folder():
    """The folder the engine (workflow/scripts) is imported from: that folder
    itself in a clone; for a module read from git (``github(...)``,
    ``gitfile(...)``), a copy of the files engine-files.txt lists, fetched
    through Snakemake's source cache into .snakemake/perimage-engine/<digest>
    (Python cannot import from the source cache itself)."""
    basedir = workflow.current_basedir
    if isinstance(basedir, LocalSourceFile):
        return os.path.normpath(os.path.join(basedir, "..", "scripts"))
    inherited = os.environ.get(ENGINE_VARIABLE)
    if inherited and os.path.isdir(inherited):
        return inherited
    with open(workflow.source_path("../scripts/engine-files.txt")) as fh:
        names = [line.strip() for line in fh if line.strip()]
    files = {}
    digest = hashlib.sha256()
    for name in names:
        with open(workflow.source_path(f"../scripts/{name}"), "rb") as fh:
            files[name] = fh.read()
        digest.update(f"{name}\0{len(files[name])}\0".encode() + files[name])
    parent = os.path.abspath(os.path.join(".snakemake", "perimage-engine"))
    folder = os.path.join(parent, digest.hexdigest()[:16])
    if not os.path.isdir(folder):
        os.makedirs(parent, exist_ok=True)
        partial = tempfile.mkdtemp(prefix=".partial-", dir=parent)
        for name, data in files.items():
            path = os.path.join(partial, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as fh:
                fh.write(data)
        try:
            os.rename(partial, folder)
        except OSError:  # another snakemake made the same copy first
            shutil.rmtree(partial)
    return folder


ENGINE = engine_folder()
# this process, and the jobs' scripts (separate processes) and the processes
# they start: all import the same engine
sys.path.insert(0, ENGINE)
_paths = os.environ.get("PYTHONPATH", "").split(os.pathsep)
os.environ.update(
    {
        ENGINE_VARIABLE: ENGINE,
        "PYTHONPATH": os.pathsep.join([ENGINE, *(p for p in _paths if p != ENGINE)]),
    }
)
