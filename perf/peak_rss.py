"""Run Snakemake in this process and record the peak memory of it and of
the processes it started.

    python perf/peak_rss.py OUT_FILE [snakemake arguments]

Writes, when Snakemake exits, to OUT_FILE: the peak resident set size of the
main Snakemake process (not of its jobs; Linux's VmHWM) in kilobytes, its
CPU seconds, and the largest peak resident set size in kilobytes of any
process it started and waited for (its jobs, and their own children that
were waited for; 0 when there were none), so that work moved into a child
process cannot hide its memory. Linux counts a child's memory from the
fork, before it runs its own program: every child's peak is at least what
Snakemake held when it started that child, so this figure is never below
the main process's memory at its last fork.
"""

import atexit
import resource
import sys


def _report(path: str) -> None:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(path, "w") as fh:
        fh.write(
            f"{_peak_kb()} {usage.ru_utime + usage.ru_stime:.3f} {children.ru_maxrss}\n"
        )


def _peak_kb() -> int:
    """This program's own peak (VmHWM): RUSAGE_SELF's ru_maxrss also counts
    the process it was forked from, before exec, which is the benchmark
    itself, larger than snakemake by the time the last runs start."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


if __name__ == "__main__":
    atexit.register(_report, sys.argv[1])
    sys.argv = ["snakemake", *sys.argv[2:]]
    from snakemake.cli import main

    main()
