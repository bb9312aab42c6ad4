#!/usr/bin/env bash
# Starts a single-node Slurm on this host (munged, slurmctld, slurmd on localhost, one partition
# `hmmkit` of this machine) for the sweep tests (Tests/SweepsTests, docs/sweeps.md). Idempotent:
# a Slurm that already answers with an idle node is left as it is. Needs root and Debian's
# slurm-wlm and munge (.ci/run installs them). Exits 0 when `sinfo` shows the node up; otherwise
# prints why on standard error and exits 1 (the tests then skip, saying so).
set -uo pipefail
fail() { echo "start-slurm: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "needs root (it writes /etc/slurm/slurm.conf and starts daemons)"
for tool in munged slurmctld slurmd sbatch sinfo scontrol; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || fail "$tool is not installed (apt-get install slurm-wlm munge)"
done
export PATH=$PATH:/usr/sbin
node=$(hostname -s)

node_state() { sinfo -h -n "$node" -o %t 2>/dev/null | head -n 1; }
case "$(timeout 5 sinfo -h -n "$node" -o %t 2>/dev/null | head -n 1)" in
  idle|mix|alloc|comp) exit 0 ;;
esac

# munge: the key Debian's package made (or a new one), and munged as the munge user.
if [ ! -s /etc/munge/munge.key ]; then
  mkdir -p /etc/munge
  dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=128 status=none || fail "cannot write /etc/munge/munge.key"
  chown munge:munge /etc/munge/munge.key 2>/dev/null; chmod 400 /etc/munge/munge.key
fi
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  mkdir -p /run/munge /var/lib/munge /var/log/munge
  chown munge:munge /run/munge /var/lib/munge /var/log/munge 2>/dev/null
  runuser -u munge -- /usr/sbin/munged >/dev/null 2>&1 || /usr/sbin/munged --force >/dev/null 2>&1 \
    || fail "munged did not start"
  for _ in $(seq 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
  munge -n 2>/dev/null | unmunge >/dev/null 2>&1 || fail "munged runs but munge -n | unmunge fails"
fi

# slurm.conf for this host: its real CPUs and memory, no cgroups (containers often lack them).
conf=/etc/slurm/slurm.conf
marker="# written by HMMKit .ci/start-slurm.sh"
if [ -e "$conf" ] && ! grep -qF "$marker" "$conf"; then
  echo "start-slurm: keeping the existing $conf (not written by this script)" >&2
else
  cpus=$(nproc --all)
  mem=$(awk '/MemTotal/ { print int($2 / 1024) }' /proc/meminfo)
  mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
  cat >"$conf.new" <<EOF
$marker
ClusterName=hmmkit
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/backfill
# Start array tasks as soon as CPUs free up (the defaults wait seconds between tasks).
SchedulerParameters=sched_min_interval=0,bf_interval=1,batch_sched_delay=0
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MaxArraySize=10001
MinJobAge=300
SlurmdTimeout=60
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=hmmkit Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
  if ! cmp -s "$conf.new" "$conf"; then
    mv "$conf.new" "$conf"
    # Running daemons re-read it (the node's CPUs or memory may have changed).
    pgrep -x slurmctld >/dev/null && { scontrol reconfigure >/dev/null 2>&1 || echo "start-slurm: scontrol reconfigure failed" >&2; }
  else
    rm -f "$conf.new"
  fi
fi

pgrep -x slurmctld >/dev/null || /usr/sbin/slurmctld || fail "slurmctld did not start (see /var/log/slurm/slurmctld.log)"
for _ in $(seq 100); do timeout 2 scontrol ping 2>/dev/null | grep -q UP && break; sleep 0.2; done
timeout 2 scontrol ping 2>/dev/null | grep -q UP || fail "slurmctld does not answer (see /var/log/slurm/slurmctld.log)"
pgrep -x slurmd >/dev/null || /usr/sbin/slurmd || fail "slurmd did not start (see /var/log/slurm/slurmd.log)"
for _ in $(seq 150); do
  case "$(node_state)" in
    idle|mix|alloc|comp) exit 0 ;;
    down*|drain*|fail*) scontrol update nodename="$node" state=resume >/dev/null 2>&1 ;;
  esac
  sleep 0.2
done
fail "node $node is '$(node_state)' after 30 s, not idle (see /var/log/slurm/slurmd.log)"
