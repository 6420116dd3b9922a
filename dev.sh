#!/bin/sh
# Set up the pinned environments and run something with them.
#
#   ./dev.sh run [snakemake args]   the workflow, with profiles/local
#   ./dev.sh test [pytest args]     the whole test suite
#   ./dev.sh lint                   snakemake --lint, snakefmt, ruff
#   ./dev.sh bench [args]           the performance benchmark (perf/)
#   ./dev.sh setup [slurm]          only create or update .venv; with
#                                   slurm, also the Slurm executor plugin
#
# .venv holds the workflow (requirements.txt): what run and bench use.
# .venv-test adds the Slurm plugin and the test and lint tools
# (requirements-test.txt). Needs python3 (3.11 or newer) with venv. `test`
# also installs the Debian packages the tests use (Slurm, munge, Chromium)
# when run as root on Debian.
set -eu
cd "$(dirname "$0")"

PY=${PYTHON:-python3}

setup() {
    venv=$1 reqs=$2
    if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
        echo "dev.sh: $PY is $("$PY" --version 2>&1); Python 3.11 or newer is needed" >&2
        exit 1
    fi
    [ -x "$venv/bin/python" ] || "$PY" -m venv "$venv"
    # Reinstall only when the pinned requirements changed.
    stamp="$venv/.installed-$(cat requirements*.txt | sha256sum | cut -c1-16)-$reqs"
    if [ ! -e "$stamp" ]; then
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$reqs"
        rm -f "$venv"/.installed-*
        touch "$stamp"
    fi
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
setup)
    case "${1:-}" in
    "") setup .venv requirements.txt ;;
    slurm) setup .venv requirements-slurm.txt ;;
    *)
        echo "dev.sh: setup takes nothing or 'slurm', not '$1'" >&2
        exit 2
        ;;
    esac
    ;;
run)
    setup .venv requirements.txt
    exec .venv/bin/snakemake --profile profiles/local "$@"
    ;;
test)
    setup .venv-test requirements-test.txt
    tests/system-packages.sh
    exec .venv-test/bin/pytest "$@"
    ;;
lint)
    setup .venv-test requirements-test.txt
    .venv-test/bin/snakemake --lint --cores 1
    .venv-test/bin/snakefmt --check .
    .venv-test/bin/ruff check .
    .venv-test/bin/ruff format --check .
    ;;
bench)
    setup .venv requirements.txt
    exec .venv/bin/python perf/benchmark.py "$@"
    ;;
*)
    sed -n '2,15p' "$0" | cut -c3-
    exit 2
    ;;
esac
