#!/usr/bin/env bash
# Embedded end to end (generator -> log -> processor -> SQLite) on this machine:
# records/s and peak RSS of `kascade run`, for each sync setting of the log.
# Usage: bench/embedded_e2e.sh [records] [kascade binary]
set -euo pipefail
records="${1:-1000000}"
kascade="${2:-build/release/kascade}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB RAM"
printf '%-28s %12s %12s %10s %10s %12s\n' "setting" "records" "records/s" "wall s" "cpu s" "peak RSS MB"
for sync in normal full; do
  rm -rf "$work/data"
  /usr/bin/time -f '%e %U %S %M' -o "$work/time" \
    "$kascade" run --source generator --records "$records" --data-dir "$work/data" \
    --set "bus.embedded.sync=$sync" >"$work/out"
  read -r wall user sys rss_kb <"$work/time"
  rows=$(sqlite3 "$work/data/store.db" "SELECT count(*) FROM users")
  [ "$rows" = "$records" ] || { echo "expected $records rows, found $rows" >&2; exit 1; }
  printf '%-28s %12s %12.0f %10.2f %10.2f %12.1f\n' "log sync=$sync" "$records" \
    "$(echo "$records / $wall" | bc -l)" "$wall" "$(echo "$user + $sys" | bc -l)" "$(echo "$rss_kb / 1024" | bc -l)"
done
