"""Logging for the workflow's jobs: everything to the rule's log file;
warnings, errors and the ``progress`` logger also to the terminal Snakemake
runs in (on Slurm, the job's Slurm log)."""

from __future__ import annotations

import atexit
import contextlib
import errno
import gc
import logging
import os
import socket
import sys
import time

from .errors import PerImageError

FORMAT = "%(asctime)s %(levelname)s %(message)s"
# Failures of the file system the outputs go to, not of the code: one line.
STORAGE_ERRORS = {
    errno.ENOSPC,
    errno.EDQUOT,
    errno.EROFS,
    errno.EIO,
    errno.EACCES,
    errno.EPERM,
}


@contextlib.contextmanager
def job_log(path: str):
    """Log to ``path``; the engine's own errors (``PerImageError``) and
    storage failures end the job with one line, anything else with the full
    traceback."""
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    to_file = logging.FileHandler(path, mode="w", encoding="utf-8")
    to_file.setFormatter(logging.Formatter(FORMAT))
    to_terminal = logging.StreamHandler(sys.stderr)
    to_terminal.addFilter(_for_terminal)
    to_terminal.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    root.addHandler(to_file)
    root.addHandler(to_terminal)
    logging.captureWarnings(True)
    job = logging.getLogger("job")
    job.info("running on %s%s", socket.gethostname(), _slurm_job())
    start = time.perf_counter()
    try:
        yield job
        job.info("finished in %.2f s", time.perf_counter() - start)
    except PerImageError as e:
        root.error("%s", e)
        sys.exit(1)
    except OSError as e:
        if e.errno not in STORAGE_ERRORS or not e.filename:
            root.exception("job failed")
            raise
        root.error("cannot write %s: %s", e.filename, e.strerror)
        sys.exit(1)
    except BaseException:
        root.exception("job failed")
        raise
    finally:
        to_file.close()
        root.removeHandler(to_file)
        root.removeHandler(to_terminal)
        # the interpreter's last garbage collections would walk every object
        # left, for memory that is given back anyway (common.smk does so too)
        atexit.register(gc.freeze)


def _slurm_job() -> str:
    job = os.environ.get("SLURM_JOB_ID")
    return f" in Slurm job {job}" if job else ""


def _for_terminal(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.WARNING or record.name == "progress"
