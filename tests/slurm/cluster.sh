#!/bin/sh
# A real single-node Slurm cluster on this machine, for tests and for trying
# the Slurm profile without a cluster. Debian, as root, no systemd needed.
#
#   tests/slurm/cluster.sh install   Debian packages: slurmctld slurmd slurm-client munge
#   tests/slurm/cluster.sh start     start munged, slurmctld, slurmd; wait until the node is idle
#   tests/slurm/cluster.sh stop      stop them; remove their pid files and slurm.conf
#   tests/slurm/cluster.sh status    exit 0 when the node answers
#
# No accounting (no slurmdbd): status checks must use squeue, so jobs stay
# known to the controller for MinJobAge seconds after they end.
set -eu

CONF=/etc/slurm/slurm.conf
PIDS="/run/slurmd.pid /run/slurmctld.pid /run/munge/munged.pid"

say() { echo "cluster.sh: $*" >&2; }

install() {
    missing=""
    for p in slurmctld slurmd slurm-client munge; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
            missing="$missing $p"
    done
    [ -z "$missing" ] && return 0
    say "installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

write_conf() {
    node=$(hostname -s)
    # what slurmd sees, minus some room for the system
    mem=$(slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')
    mem=$((mem - 512))
    cpus=$(nproc)
    mkdir -p /etc/slurm
    cat >"$CONF" <<EOF
ClusterName=localcluster
SlurmctldHost=$node(127.0.0.1)
SlurmUser=slurm
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
ReturnToService=2
MailProg=/bin/true
MinJobAge=300
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=/var/lib/slurm/slurmctld
SlurmdSpoolDir=/var/lib/slurm/slurmd
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1000
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
}

start_munge() {
    if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then return 0; fi
    if [ ! -s /etc/munge/munge.key ]; then
        dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null
    fi
    chown munge:munge /etc/munge/munge.key
    chmod 400 /etc/munge/munge.key
    mkdir -p /run/munge
    chown munge:munge /run/munge
    rm -f /run/munge/munged.pid
    runuser -u munge -- /usr/sbin/munged
    munge -n | unmunge >/dev/null
}

node_state() { sinfo -h -o %t 2>/dev/null | head -n 1; }

start() {
    [ "$(id -u)" = 0 ] || { say "must run as root"; exit 1; }
    if [ "$(node_state)" = idle ] || [ "$(node_state)" = mix ] || [ "$(node_state)" = alloc ]; then
        return 0
    fi
    start_munge
    mkdir -p /var/lib/slurm/slurmctld /var/lib/slurm/slurmd /var/log/slurm
    chown slurm:slurm /var/lib/slurm/slurmctld /var/log/slurm
    write_conf
    stop_daemons
    slurmctld
    slurmd
    i=0
    while [ "$(node_state)" != idle ]; do
        i=$((i + 1))
        if [ "$i" -gt 150 ]; then
            say "node not idle after 30 s: $(node_state); see /var/log/slurm/"
            exit 1
        fi
        case "$(node_state)" in
        drain* | down*) scontrol update NodeName="$(hostname -s)" State=RESUME 2>/dev/null || true ;;
        esac
        sleep 0.2
    done
    say "node $(hostname -s) idle"
}

stop_daemons() {
    for f in /run/slurmd.pid /run/slurmctld.pid; do
        if [ -s "$f" ]; then kill "$(cat "$f")" 2>/dev/null || true; fi
    done
    # wait for them to go, then remove stale pid files
    i=0
    while pgrep -x slurmctld >/dev/null || pgrep -x slurmd >/dev/null; do
        i=$((i + 1))
        [ "$i" -gt 50 ] && { pkill -9 -x slurmctld || true; pkill -9 -x slurmd || true; }
        sleep 0.1
    done
    rm -f /run/slurmd.pid /run/slurmctld.pid
}

stop() {
    stop_daemons
    if [ -s /run/munge/munged.pid ]; then kill "$(cat /run/munge/munged.pid)" 2>/dev/null || true; fi
    # start writes it again. Left behind, it would make every snakemake command
    # wait 9 s: the Slurm executor plugin runs `scontrol show config` when
    # Snakemake loads it, and scontrol waits for a controller that is gone.
    rm -f $PIDS "$CONF"
}

case "${1:-}" in
install) install ;;
start) start ;;
stop) stop ;;
status) [ "$(node_state)" != "" ] ;;
*)
    sed -n '2,12p' "$0" | cut -c3-
    exit 2
    ;;
esac
