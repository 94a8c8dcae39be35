#!/usr/bin/env bash
# bench/latency/run.sh: end-to-end latency of kascade (or of any consumer given with --consumer), Kafka bus into
# Cassandra and the embedded bus into SQLite, at 10/50/90% of the maximum sustained rate; then the histogram
# plot. See bench/latency/README.md.
#   bench/latency/run.sh [kafka|embedded|both] [latency.py options...]
# LATENCY_PNG (default docs/latency.png): where the plot goes; LATENCY_OUT (default .cache/latency).
set -euo pipefail
cd "$(dirname "$0")/../.."
which="${1:-both}"
shift || true
venv=.cache/latency-venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv --system-site-packages "$venv"
  "$venv/bin/pip" install -q -r bench/latency/requirements.txt
fi
export KASCADE_CASSANDRA_PASSWORD="${KASCADE_CASSANDRA_PASSWORD:-cassandra}"
out="${LATENCY_OUT:-.cache/latency}"
status=0 dirs=()
for bus in kafka embedded; do
  [ "$which" = both ] || [ "$which" = "$bus" ] || continue
  rm -rf "${out:?}/$bus"
  "$venv/bin/python" bench/latency/latency.py --bus "$bus" --out-dir "$out/$bus" "$@" || status=$?
  dirs+=("$out/$bus")
done
"$venv/bin/python" bench/latency/plot.py "${LATENCY_PNG:-docs/latency.png}" "${dirs[@]}"
exit "$status"
