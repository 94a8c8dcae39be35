#!/usr/bin/env bash
# Kafka throughput on the local broker (scripts/services start kafka):
#   1. produce and consume of ~1 KB records through kascade's Kafka bus
#      (bench/kafka_bench) vs kcat, same broker, same records, same producer
#      settings (idempotent, acks=all, lz4, linger 5 ms); best of 3 runs each;
#   2. end to end: `kascade run` generator -> Kafka -> SQLite store, records/s.
# Usage: bench/kafka_throughput.sh [records] [build dir]
set -euo pipefail
records="${1:-200000}"
build="${2:-build/release}"
brokers=127.0.0.1:9092
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB RAM"
kcat -b "$brokers" -L -m 5 >/dev/null || { echo "kafka is not running on $brokers" >&2; exit 1; }

# ~1 KB records: half random base64, half words (lz4 shrinks them ~1.3x).
python3 - "$records" >"$work/payload" <<'PY'
import base64, os, random, string, sys
rng = random.Random(7)
words = " ".join("".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 9))) for _ in range(20000))
out = sys.stdout
for _ in range(int(sys.argv[1])):
    start = rng.randrange(0, len(words) - 512)
    out.write(base64.b64encode(os.urandom(384)).decode() + words[start:start + 512] + "\n")
PY
bytes=$(( $(wc -c <"$work/payload") - records ))
seconds() { date +%s.%N; }
rate() { printf "%.0f" "$(echo "$1 / $2" | bc -l)"; }

run_kcat_produce() {
  local t="$1" start end
  start=$(seconds)
  kcat -P -b "$brokers" -t "$t" -l -X enable.idempotence=true -X acks=all -X compression.type=lz4 \
    -X linger.ms=5 -X batch.size=1048576 -X partitioner=murmur2_random "$work/payload"
  end=$(seconds)
  rate "$records" "$(echo "$end - $start" | bc -l)"
}
run_kcat_consume() {
  local t="$1" start end
  start=$(seconds)
  kcat -C -b "$brokers" -t "$t" -o beginning -e -q >/dev/null
  end=$(seconds)
  rate "$records" "$(echo "$end - $start" | bc -l)"
}
# kascade timed like kcat: the whole process, connection and group join included.
run_kascade() {
  local start end
  start=$(seconds)
  "$build/bench/kafka_bench" "$@" >/dev/null
  end=$(seconds)
  rate "$records" "$(echo "$end - $start" | bc -l)"
}
max() { printf '%s\n' "$@" | sort -g | tail -n1; }

kascade_produce=() kcat_produce=() kascade_consume=() kcat_consume=()
for round in 1 2 3; do
  t_kascade="bench-kascade-$round-$RANDOM$RANDOM"; t_kcat="bench-kcat-$round-$RANDOM$RANDOM"
  # Both topics created by kascade's admin path, 4 partitions each.
  "$build/bench/kafka_bench" create "$brokers" "$t_kascade" 4
  "$build/bench/kafka_bench" create "$brokers" "$t_kcat" 4
  kascade_produce+=("$(run_kascade produce "$brokers" "$t_kascade" "$work/payload")")
  kcat_produce+=("$(run_kcat_produce "$t_kcat")")
  kascade_consume+=("$(run_kascade consume "$brokers" "$t_kcat" "$records")")
  kcat_consume+=("$(run_kcat_consume "$t_kcat")")
done
kp=$(max "${kascade_produce[@]}") cp=$(max "${kcat_produce[@]}")
kc=$(max "${kascade_consume[@]}") cc=$(max "${kcat_consume[@]}")
printf '\n%d records of 1,024 bytes (%d MB), best of 3, records/s:\n' "$records" $((bytes / 1000000))
printf '%-10s %12s %12s %8s\n' "" "kascade" "kcat" "ratio"  # wall time of each process
printf '%-10s %12.0f %12.0f %8.2f\n' produce "$kp" "$cp" "$(echo "$kp / $cp" | bc -l)"
printf '%-10s %12.0f %12.0f %8.2f\n' consume "$kc" "$cc" "$(echo "$kc / $cc" | bc -l)"
echo "all runs: kascade produce ${kascade_produce[*]} | kcat produce ${kcat_produce[*]}"
echo "          kascade consume ${kascade_consume[*]} | kcat consume ${kcat_consume[*]}"

# End to end through Kafka into the SQLite store.
e2e_records=$((records * 5 / 2))
cat >"$work/pipeline.yaml" <<YAML
data_dir: $work/data
bus:
  type: kafka
  topic: bench-e2e-$RANDOM$RANDOM
  kafka:
    brokers: "$brokers"
source:
  name: bench-e2e-$RANDOM$RANDOM
processor:
  group: bench-e2e-$RANDOM$RANDOM
YAML
/usr/bin/time -f '%e %U %S %M' -o "$work/time" "$build/kascade" run -c "$work/pipeline.yaml" --records "$e2e_records" >"$work/out"
read -r wall user sys rss_kb <"$work/time"
rows=$(sqlite3 "$work/data/store.db" "SELECT count(*) FROM users")
[ "$rows" = "$e2e_records" ] || { echo "expected $e2e_records rows, found $rows" >&2; exit 1; }
printf '\nend to end (generator -> kafka -> sqlite): %d records in %.1f s = %.0f records/s, cpu %.1f s, peak RSS %.0f MB\n' \
  "$e2e_records" "$wall" "$(echo "$e2e_records / $wall" | bc -l)" "$(echo "$user + $sys" | bc -l)" "$(echo "$rss_kb / 1024" | bc -l)"
