#!/bin/sh
# Set up the pinned environment in .venv and run something with it.
#
#   ./dev.sh run [snakemake args]   the workflow, with profiles/local
#   ./dev.sh test [pytest args]     the whole test suite
#   ./dev.sh lint                   snakemake --lint, snakefmt, ruff
#   ./dev.sh bench [args]           the performance benchmark (perf/)
#   ./dev.sh setup                  only create or update .venv
#
# Needs python3 (3.11 or newer) with venv. `test` also installs the Debian
# packages the tests use (Slurm, munge, Chromium) when run as root on Debian.
set -eu
cd "$(dirname "$0")"

VENV=.venv
PY=${PYTHON:-python3}

setup() {
    reqs=$1
    if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
        echo "dev.sh: $PY is $("$PY" --version 2>&1); Python 3.11 or newer is needed" >&2
        exit 1
    fi
    [ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
    # Reinstall only when the pinned requirements changed.
    stamp="$VENV/.installed-$(cat requirements.txt "$reqs" | sha256sum | cut -c1-16)"
    if [ ! -e "$stamp" ]; then
        "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$reqs"
        rm -f "$VENV"/.installed-*
        touch "$stamp"
    fi
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
setup)
    setup requirements-test.txt
    ;;
run)
    setup requirements.txt
    exec "$VENV/bin/snakemake" --profile profiles/local "$@"
    ;;
test)
    setup requirements-test.txt
    tests/system-packages.sh
    exec "$VENV/bin/pytest" "$@"
    ;;
lint)
    setup requirements-test.txt
    "$VENV/bin/snakemake" --lint --cores 1
    "$VENV/bin/snakefmt" --check .
    "$VENV/bin/ruff" check .
    "$VENV/bin/ruff" format --check .
    ;;
bench)
    setup requirements-test.txt
    exec "$VENV/bin/python" perf/benchmark.py "$@"
    ;;
*)
    sed -n '2,11p' "$0" | cut -c3-
    exit 2
    ;;
esac
