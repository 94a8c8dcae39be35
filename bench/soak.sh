#!/usr/bin/env bash
# bench/soak.sh: kascade serve + process on one data dir for SOAK_SECONDS under push load, killed with SIGKILL
# now and then; checks that every acknowledged record is stored exactly once and that RSS and open fds stay flat.
# Usage: bench/soak.sh   (settings below, from the environment; not a test: CI does not run it)
set -euo pipefail
cd "$(dirname "$0")/.."

kascade="$(realpath "${KASCADE_BIN:-build/release/kascade}")"
seconds="${SOAK_SECONDS:-1800}"             # how long the load runs
batch="${SOAK_BATCH_RECORDS:-500}"          # users per request
pause="${SOAK_PUSH_PAUSE:-0.1}"             # seconds between two requests of the client
kill_every="${SOAK_KILL_EVERY:-180}"        # seconds between two SIGKILLs of `process`
serve_kill_every="${SOAK_SERVE_KILL_EVERY:-3}" # every Nth of them kills `serve` too
sample_every="${SOAK_SAMPLE_EVERY:-10}"     # seconds between two samples of RSS and fds
rss_margin="${SOAK_RSS_MARGIN:-1.25}"       # last third's max RSS <= first third's max * this + slack
rss_slack="${SOAK_RSS_SLACK_MB:-16}"        # (caches still filling in a young process)
fd_margin="${SOAK_FD_MARGIN:-8}"            # last third's max fds <= first third's max + this
drain_seconds="${SOAK_DRAIN_SECONDS:-600}"  # longest wait for `process` to store every acknowledged record
work="${SOAK_DIR:-.cache/soak}"             # data dir, logs, samples.csv
png="${SOAK_PNG:-docs/soak.png}"

[ -x "$kascade" ] || { echo "soak: no kascade binary at $kascade (scripts/build release)" >&2; exit 2; }
# matplotlib for the plot, pinned in bench/soak-requirements.txt, in a venv of its own.
venv=.cache/soak-venv
if ! cmp -s bench/soak-requirements.txt "$venv/requirements.txt" 2>/dev/null; then
  echo "soak: installing matplotlib into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r bench/soak-requirements.txt
  cp bench/soak-requirements.txt "$venv/requirements.txt"
fi
rm -rf "$work"
mkdir -p "$work"
work="$(realpath "$work")"
data="$work/data"
csv="$work/samples.csv"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
url="http://127.0.0.1:$port"
echo "t_s,role,pid,rss_kb,fds" >"$csv"

serve_pid="" process_pid="" client_pid=""
cleanup() {
  for pid in $client_pid $process_pid $serve_pid; do kill -KILL "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

fail() { echo "soak: FAILED: $*" >&2; exit 1; }
now() { date +%s; }
# A child that has exited is gone or a zombie until waited for.
alive() { [ -n "$1" ] && [ -e "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }

start_serve() {
  "$kascade" serve --data-dir "$data" --port "$port" >>"$work/serve.log" 2>&1 &
  serve_pid=$!
  local deadline=$(($(now) + 60))
  until curl -fsS -o /dev/null "$url/healthz" 2>/dev/null; do
    alive "$serve_pid" || fail "serve exited at start (see $work/serve.log)"
    [ "$(now)" -lt "$deadline" ] || fail "serve not answering after 60 s"
    sleep 0.2
  done
}
start_process() {
  "$kascade" process --data-dir "$data" >>"$work/process.log" 2>&1 &
  process_pid=$!
}
kill_hard() { kill -KILL "$1"; wait "$1" 2>/dev/null || true; }

# The client: batch i is users [i*batch, (i+1)*batch) with key soak-i, sent until
# acknowledged (a retry after a kill is answered from the stored key, never written
# twice). It stops between two batches once $work/stop exists.
push_loop() {
  local i=0 code
  while [ ! -e "$work/stop" ]; do
    "$kascade" generate --records "$batch" --start $((i * batch)) >"$work/batch.ndjson"
    until code="$(curl -sS -o "$work/answer.json" -w '%{http_code}' --max-time 60 -X POST \
      -H 'Content-Type: application/x-ndjson' -H "Idempotency-Key: soak-$i" \
      --data-binary @"$work/batch.ndjson" "$url/v1/topics/users.raw/records" 2>>"$work/client.log")" &&
      [ "$code" = 200 ]; do
      echo "batch $i: answer ${code:-none}, retrying" >>"$work/client.log"
      sleep 0.5  # serve restarting, or busy (429)
    done
    grep -q "\"accepted\": *$batch[,}]" "$work/answer.json" || { echo "batch $i: $(cat "$work/answer.json")" >>"$work/client.log"; exit 1; }
    echo "$i" >>"$work/acked"
    i=$((i + 1))
    sleep "$pause"
  done
}

sample() {  # t role pid
  local rss fds
  alive "$3" || return 0
  rss="$(awk '/^VmRSS:/ {print $2}' "/proc/$3/status" 2>/dev/null)" || return 0
  fds="$(find "/proc/$3/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)"
  if [ -n "$rss" ]; then echo "$1,$2,$3,$rss,$fds" >>"$csv"; fi
}

echo "soak: ${seconds}s, $batch users per request, kill -9 of process every ${kill_every}s" \
  "(of serve too every $serve_kill_every kills), samples every ${sample_every}s into $csv"
start_serve
start_process
touch "$work/acked"
push_loop &
client_pid=$!

started=$(now)
end=$((started + seconds))
next_sample=$started
next_kill=$((started + kill_every))
kills=0 serve_kills=0
while [ "$(now)" -lt "$end" ]; do
  t=$(($(now) - started))
  alive "$client_pid" || fail "the client stopped (see $work/client.log)"
  alive "$serve_pid" || fail "serve exited by itself (see $work/serve.log)"
  alive "$process_pid" || fail "process exited by itself (see $work/process.log)"
  if [ "$(now)" -ge "$next_sample" ]; then
    sample "$t" serve "$serve_pid"
    sample "$t" process "$process_pid"
    next_sample=$((next_sample + sample_every))
  fi
  if [ "$(now)" -ge "$next_kill" ]; then
    kills=$((kills + 1))
    kill_hard "$process_pid"
    if [ $((kills % serve_kill_every)) -eq 0 ]; then
      serve_kills=$((serve_kills + 1))
      kill_hard "$serve_pid"
      start_serve
    fi
    start_process
    echo "soak: ${t}s: kill -9 #$kills ($(wc -l <"$work/acked") batches acknowledged)"
    next_kill=$((next_kill + kill_every))
  fi
  sleep 1
done

# Stop pushing (the client finishes the batch it is sending), then let process drain.
touch "$work/stop"
wait "$client_pid" || fail "the client failed (see $work/client.log)"
client_pid=""
acked=$(($(wc -l <"$work/acked") * batch))
stored=0
deadline=$(($(now) + drain_seconds))
while :; do
  stored="$(sqlite3 "file:$data/store.db?mode=ro" 'SELECT count(DISTINCT id) FROM users' 2>/dev/null || echo 0)"
  [ "$stored" -ge "$acked" ] && break
  alive "$process_pid" || fail "process exited while draining (see $work/process.log)"
  [ "$(now)" -lt "$deadline" ] || break
  sleep 1
done
rows="$(sqlite3 "file:$data/store.db?mode=ro" 'SELECT count(*) FROM users')"
dead="$(sqlite3 "file:$data/store.db?mode=ro" 'SELECT count(*) FROM dead_letters')"
kill -TERM "$process_pid" "$serve_pid"
wait "$process_pid" || fail "process did not stop cleanly on SIGTERM"
wait "$serve_pid" || fail "serve did not stop cleanly on SIGTERM"
process_pid="" serve_pid=""
# Once on the topic too: a retry answered from its Idempotency-Key appended nothing.
on_topic="$("$kascade" topics --data-dir "$data" --format csv | awk -F, '$1 == "users.raw" { n += $5 } END { print n + 0 }')"

# Flat: the max of the last third of the run within a margin of the first third's max.
flat="$(python3 - "$csv" "$seconds" "$rss_margin" "$rss_slack" "$fd_margin" <<'EOF'
import csv, sys
path, seconds, rss_margin, rss_slack, fd_margin = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), \
    float(sys.argv[4]) * 1024, int(sys.argv[5])
rows = list(csv.DictReader(open(path)))
bad = []
for role in ("serve", "process"):
    mine = [r for r in rows if r["role"] == role]
    first = [r for r in mine if float(r["t_s"]) < seconds / 3]
    last = [r for r in mine if float(r["t_s"]) >= 2 * seconds / 3]
    if not first or not last:
        bad.append(f"{role}: too few samples")
        continue
    rss = (max(int(r["rss_kb"]) for r in first), max(int(r["rss_kb"]) for r in last))
    fds = (max(int(r["fds"]) for r in first), max(int(r["fds"]) for r in last))
    ok = rss[1] <= rss[0] * rss_margin + rss_slack and fds[1] <= fds[0] + fd_margin
    print(f"  {role:8} max RSS {rss[0] / 1024:7.1f} MB -> {rss[1] / 1024:7.1f} MB, max fds {fds[0]:4} -> {fds[1]:4}"
          f"  {'flat' if ok else 'GROWING'}")
    if not ok:
        bad.append(role)
print("BAD " + " ".join(bad) if bad else "OK")
EOF
)"

"$venv/bin/python" bench/soak_plot.py "$csv" "$png" "$seconds" >"$work/plot.log" 2>&1 ||
  { cat "$work/plot.log" >&2; fail "plotting $png"; }

echo "soak summary: ${seconds}s, $kills kill -9 of process ($serve_kills of serve too)"
echo "  acknowledged $acked records ($((acked / batch)) requests); $on_topic on the topic;" \
  "stored $stored distinct ids in $rows rows; $dead dead letters"
echo "$flat" | grep -v '^OK$\|^BAD'
echo "  samples: $csv; plot: $png"
[ "$stored" -eq "$acked" ] && [ "$rows" -eq "$acked" ] || fail "stored $stored distinct ids, $rows rows, for $acked acknowledged records"
[ "$on_topic" -eq "$acked" ] || fail "$on_topic records on the topic for $acked acknowledged"
[ "$dead" -eq 0 ] || fail "$dead dead letters"
echo "$flat" | grep -q '^OK$' || fail "resources grew: $(echo "$flat" | grep '^BAD')"
echo "soak: OK"
