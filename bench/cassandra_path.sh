#!/usr/bin/env bash
# The distributed path against its limit, with the Cassandra node and the pipeline on the same cores:
#   1. kascade end to end: `kascade run` generator -> Kafka -> process -> Cassandra, flagship `users` rows;
#   2. the Cassandra sink alone on the same rows (bench/cassandra_sink_bench), target: 1. >= 0.9x of 2.;
#   3. the Python driver's prepared asynchronous inserts of the rows 1. landed (bench/cassandra_path_driver.py).
# For each, the node's CPU per row written, from /proc/<pid>/stat of its JVM (utime + stime), less its idle
# background (measured first, while nothing is written). One table at the end.
# Usage: bench/cassandra_path.sh [records=300000] [build dir=build/release]
set -euo pipefail
records="${1:-300000}"
build="${2:-build/release}"
export KASCADE_CASSANDRA_PASSWORD="${KASCADE_CASSANDRA_PASSWORD:-cassandra}"
# The node on 127.0.0.1 (several may run, e.g. a private pair on another loopback address): the daemon whose
# command line names the services dir of this repository (KASCADE_SERVICES_DIR).
services_dir="${KASCADE_SERVICES_DIR:-$(cd "$(dirname "$0")/.." && pwd)/.services}"
pid="$(pgrep -f "CassandraDaemon" | while read -r p; do tr '\0' ' ' <"/proc/$p/cmdline" | grep -q "$services_dir/cassandra" && echo "$p"; done | head -n1)"
[ -n "$pid" ] || { echo "no Cassandra node of $services_dir running (scripts/services start cassandra)" >&2; exit 1; }
id="$RANDOM$RANDOM"
ks="kascade_path_$id" ks_sink="kascade_path_sink_$id"
work="$(mktemp -d)"
cleanup() {
  python3 - "$ks" "$ks_sink" <<'PY' || true
import os, sys
from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import Cluster
c = Cluster(["127.0.0.1"], auth_provider=PlainTextAuthProvider("cassandra", os.environ["KASCADE_CASSANDRA_PASSWORD"]))
s = c.connect()
for ks in sys.argv[1:]:
    s.execute("DROP KEYSPACE IF EXISTS %s" % ks, timeout=120)
c.shutdown()
PY
  rm -rf "$work"
}
trap cleanup EXIT
ticks() { awk '{sub(/.*\) /, ""); print $12 + $13}' "/proc/$pid/stat"; }  # utime + stime of the node
now() { date +%s.%N; }
hz=$(getconf CLK_TCK)
cass=(--set store.type=cassandra --set store.cassandra.username=cassandra
      --set store.cassandra.password_env=KASCADE_CASSANDRA_PASSWORD)

t0=$(ticks) s0=$(now); sleep 10; t1=$(ticks) s1=$(now)
idle=$(echo "($t1 - $t0) / ($s1 - $s0)" | bc -l)  # ticks per second with nothing written
printf 'node pid %s, idle background %.1f%% of a core\n' "$pid" "$(echo "$idle * 100 / $hz" | bc -l)"
per_row() { echo "($2 - $idle * $3) * 1000000 / $hz / $1" | bc -l; }  # rows, ticks, seconds -> node us/row

# 1. kascade end to end.
t0=$(ticks) s0=$(now)
"$build/kascade" run --data-dir "$work/data" --records "$records" --set bus.type=kafka \
  --set bus.kafka.brokers=127.0.0.1:9092 --set bus.topic="path-$id" --set processor.group="path-$id" \
  --set source.name="path-$id" --set store.cassandra.keyspace="$ks" "${cass[@]}" >"$work/run.out"
t1=$(ticks) s1=$(now)
e2e_s=$(echo "$s1 - $s0" | bc -l) e2e_t=$((t1 - t0))

# 2. the sink alone, same rows (the generator's users, mapped by the flagship), same client.
t0=$(ticks) s0=$(now)
"$build/bench/cassandra_sink_bench" "$records" 5000 store.cassandra.keyspace="$ks_sink" \
  store.cassandra.username=cassandra store.cassandra.password_env=KASCADE_CASSANDRA_PASSWORD >"$work/sink.out"
t1=$(ticks) s1=$(now)
sink_rate=$(sed -n 's/.*: \([0-9]*\) rows\/s.*/\1/p' "$work/sink.out")
sink_s=$(echo "$records / $sink_rate" | bc -l)
# The bench maps the rows before it times the writes: the node's CPU over its whole run, its idle over the
# whole run too, so the mapping costs the node nothing.
sink_t=$((t1 - t0)) sink_wall=$(echo "$s1 - $s0" | bc -l)

# 3. the Python driver, the rows of 1.
read -r drv <<<"$(python3 "$(dirname "$0")/cassandra_path_driver.py" "$ks" "$pid")"
eval "$drv"  # rows= seconds= node_ticks= failed= span_rate=
[ "$rows" = "$records" ] || { echo "kascade landed $rows rows of $records" >&2; exit 1; }

e2e_rate=$(echo "$records / $e2e_s" | bc -l) drv_rate=$(echo "$rows / $seconds" | bc -l)
e2e_cpu=$(per_row "$records" "$e2e_t" "$e2e_s") sink_cpu=$(per_row "$records" "$sink_t" "$sink_wall")
drv_cpu=$(per_row "$rows" "$node_ticks" "$seconds")
printf '\n%d users rows, Cassandra node and pipeline on the same %d cores\n' "$records" "$(nproc)"
printf '%-52s %10s %16s\n' "" "rows/s" "node CPU us/row"
printf '%-52s %10.0f %16.1f\n' "kascade run (generator -> Kafka -> Cassandra), wall" "$e2e_rate" "$e2e_cpu"
printf '%-52s %10.0f %16s\n' "  the same, steady (WRITETIME first row to last)" "$span_rate" ""
printf '%-52s %10.0f %16.1f\n' "cassandra_sink_bench (the sink alone, writes timed)" "$sink_rate" "$sink_cpu"
printf '%-52s %10.0f %16.1f\n' "python driver, prepared execute_async, 128 in flight" "$drv_rate" "$drv_cpu"
printf 'kascade end to end / sink alone: %.2fx wall, %.2fx steady (target >= 0.9x); node CPU per row, kascade / driver: %.2fx\n' \
  "$(echo "$e2e_rate / $sink_rate" | bc -l)" "$(echo "$span_rate / $sink_rate" | bc -l)" "$(echo "$e2e_cpu / $drv_cpu" | bc -l)"
printf '(the idle background is subtracted: on a node others write to at the same time, the CPU figures mean nothing)\n' 
