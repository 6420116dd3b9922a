#!/bin/sh
# Debian packages some tests need: a single-node Slurm (slurmctld, slurmd,
# munge), Chromium with its WebDriver for the report test, and git for the
# deployment test. Installed only as root on a machine with apt-get;
# elsewhere those tests skip and say why.
set -eu
PACKAGES="slurmctld slurmd slurm-client munge chromium chromium-driver git"
missing=""
for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "system-packages.sh: not root or no apt-get; tests needing$missing will skip" >&2
    exit 0
fi
echo "system-packages.sh: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
