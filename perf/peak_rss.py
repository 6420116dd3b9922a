"""Run Snakemake in this process and record this process's peak memory.

    python perf/peak_rss.py OUT_FILE [snakemake arguments]

Writes the peak resident set size of the main Snakemake process (not of its
jobs) in kilobytes to OUT_FILE when Snakemake exits.
"""

import atexit
import resource
import sys


def _report(path: str) -> None:
    with open(path, "w") as fh:
        fh.write(f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}\n")


if __name__ == "__main__":
    atexit.register(_report, sys.argv[1])
    sys.argv = ["snakemake", *sys.argv[2:]]
    from snakemake.cli import main

    main()
