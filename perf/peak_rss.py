"""Run Snakemake in this process and record this process's peak memory.

    python perf/peak_rss.py OUT_FILE [snakemake arguments]

Writes the peak resident set size of the main Snakemake process (not of its
jobs) in kilobytes, and its CPU seconds, to OUT_FILE when Snakemake exits.
"""

import atexit
import resource
import sys


def _report(path: str) -> None:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    with open(path, "w") as fh:
        fh.write(f"{usage.ru_maxrss} {usage.ru_utime + usage.ru_stime:.3f}\n")


if __name__ == "__main__":
    atexit.register(_report, sys.argv[1])
    sys.argv = ["snakemake", *sys.argv[2:]]
    from snakemake.cli import main

    main()
