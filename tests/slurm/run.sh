#!/usr/bin/env bash
# Runs a small sweep (tests/slurm/sweep.json) as a Slurm array job of 4 shards on a one-node Slurm
# cluster started here (munged, slurmctld and slurmd, with a minimal slurm.conf written to a
# temporary directory), merges the shards with `ecsim sweep merge`, and checks that the merged
# directory is byte for byte the unsharded sweep's. Installs Slurm and MUNGE from Debian's
# packages when they are missing; stops everything it started when it exits. Needs root.
# Fails loudly, saying why, when Slurm cannot be installed or started here.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
SWEEP="$ROOT/tests/slurm/sweep.json"
SHARDS=4

fail() {
    echo "tests/slurm: FAILED: $*" >&2
    exit 1
}

[ "$(id -u)" = 0 ] || fail "this test installs packages and starts munged, slurmctld and slurmd: run it as root"

# The packages, from the distribution's archive (Debian 12 has Slurm 22.05 and MUNGE 0.5.15).
if ! command -v sbatch >/dev/null || ! command -v slurmctld >/dev/null ||
    ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
    command -v apt-get >/dev/null || fail "Slurm is not installed and there is no apt-get to install it"
    echo "tests/slurm: installing slurmctld, slurmd, slurm-client and munge"
    apt-get update -q >/dev/null || fail "apt-get update failed: the package archive cannot be reached"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q slurmctld slurmd slurm-client munge >/dev/null ||
        fail "apt-get install slurmctld slurmd slurm-client munge failed"
fi
for tool in sbatch sinfo scontrol slurmctld slurmd munged mungekey; do
    command -v "$tool" >/dev/null || fail "$tool is missing after installing Slurm and MUNGE"
done

# ecsim itself, as CI builds it.
(cd "$ROOT" && cargo build -q -p ecsim-cli) || fail "cargo build -p ecsim-cli failed"
ECSIM="$ROOT/target/debug/ecsim"

WORK="$(mktemp -d)"
chmod 755 "$WORK"
PIDS=()
cleanup() {
    local status=$?
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    if [ "$status" != 0 ]; then
        for log in "$WORK"/*.log "$WORK"/job-*.out; do
            [ -f "$log" ] || continue
            echo "---- $log" >&2
            tail -n 30 "$log" >&2
        done
    fi
    rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT

# MUNGE, with a key and a socket of its own.
mkdir -p "$WORK/munge"
chmod 711 "$WORK/munge"
mungekey --create --keyfile="$WORK/munge/munge.key" >/dev/null 2>&1 ||
    fail "mungekey could not create a MUNGE key"
SOCKET="$WORK/munge/munge.socket"
munged --foreground --force --key-file="$WORK/munge/munge.key" --socket="$SOCKET" \
    --pid-file="$WORK/munge/munged.pid" --seed-file="$WORK/munge/munged.seed" \
    --log-file="$WORK/munged.log" >>"$WORK/munged.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do
    [ -S "$SOCKET" ] && break
    sleep 0.1
done
[ -S "$SOCKET" ] || fail "munged did not start (see munged.log below)"
munge -n --socket="$SOCKET" | unmunge --socket="$SOCKET" >/dev/null ||
    fail "munged runs but cannot encode and decode a credential"

# A one-node cluster on this machine, on ports of its own.
NODE="$(hostname -s)"
CPUS="$(nproc)"
export SLURM_CONF="$WORK/slurm.conf"
mkdir -p "$WORK/state" "$WORK/spool"
cat >"$SLURM_CONF" <<CONF
ClusterName=ecsim-test
SlurmctldHost=$NODE
SlurmctldPort=16817
SlurmdPort=16818
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$SOCKET
CredType=cred/munge
StateSaveLocation=$WORK/state
SlurmdSpoolDir=$WORK/spool
SlurmctldPidFile=$WORK/slurmctld.pid
SlurmdPidFile=$WORK/slurmd.pid
SlurmctldLogFile=$WORK/slurmctld.log
SlurmdLogFile=$WORK/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
NodeName=$NODE CPUs=$CPUS RealMemory=1024 State=UNKNOWN
PartitionName=test Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
CONF
slurmctld -D -f "$SLURM_CONF" >>"$WORK/slurmctld.stderr.log" 2>&1 &
PIDS+=($!)
slurmd -D -f "$SLURM_CONF" -N "$NODE" >>"$WORK/slurmd.stderr.log" 2>&1 &
PIDS+=($!)
state=""
for _ in $(seq 120); do
    state="$(sinfo -h -n "$NODE" -o %T 2>/dev/null || true)"
    [ "$state" = idle ] && break
    sleep 0.5
done
[ "$state" = idle ] || fail "the Slurm node did not become idle within 60 s (its state: '${state:-unknown}'; see the logs below)"

# The sweep as an array job of 4 shards, each shard's index from SLURM_ARRAY_TASK_ID.
cat >"$WORK/shard.sbatch" <<JOB
#!/usr/bin/env bash
#SBATCH --job-name=ecsim-sweep
#SBATCH --output=$WORK/job-%a.out
#SBATCH --ntasks=1
#SBATCH --cpus-per-task=1
set -euo pipefail
"$ECSIM" sweep "$SWEEP" --shards $SHARDS --jobs 1 --out "$WORK/shards/\$SLURM_ARRAY_TASK_ID"
JOB
mkdir -p "$WORK/shards"
echo "tests/slurm: sbatch --array=0-$((SHARDS - 1)) --wait"
timeout 600 sbatch --array=0-$((SHARDS - 1)) --wait "$WORK/shard.sbatch" ||
    fail "the array job did not succeed"
for i in $(seq 0 $((SHARDS - 1))); do
    [ -f "$WORK/shards/$i/shard.json" ] || fail "array task $i wrote no shard"
done

"$ECSIM" sweep merge --out "$WORK/merged" "$WORK"/shards/* || fail "ecsim sweep merge failed"
"$ECSIM" sweep "$SWEEP" --out "$WORK/whole" || fail "the unsharded sweep failed"
for f in sweep.csv aggregate.csv; do
    cmp "$WORK/merged/$f" "$WORK/whole/$f" || fail "$f merged from the Slurm shards differs from the unsharded run's"
done
[ "$(ls "$WORK/merged")" = "$(ls "$WORK/whole")" ] || fail "the merged directory holds other files than the unsharded one"
rows="$(($(wc -l <"$WORK/whole/sweep.csv") - 1))"
echo "tests/slurm: $SHARDS array tasks, $rows runs merged, byte-identical to the unsharded sweep"
echo "1 passed, 0 failed"
