# scripts/services.d/common.sh: what every service script shares (sourced first).

# service_pid PID_FILE: prints the pid recorded in PID_FILE if that process is alive.
service_pid() {
  [[ -f "$1" ]] || return 1
  local pid
  pid="$(cat "$1")"
  kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

# service_wait_ready NAME PID_FN READY_FN TIMEOUT_S LOG...: waits until READY_FN
# succeeds; fails with the logs' last lines if the process exits or time runs out.
service_wait_ready() {
  local name="$1" pid_fn="$2" ready_fn="$3" timeout_s="$4"
  shift 4
  local waited=0
  until "$ready_fn"; do
    if ! "$pid_fn" >/dev/null; then
      echo "services: $name exited during startup; last lines of its logs:" >&2
      tail -n 30 "$@" >&2 2>/dev/null || true
      return 1
    fi
    if ((waited >= timeout_s)); then
      echo "services: $name was not ready within ${timeout_s}s; last lines of its logs:" >&2
      tail -n 30 "$@" >&2 2>/dev/null || true
      return 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
}

# service_stop NAME PID_FILE: SIGTERM (after SIGCONT: a test may have paused
# it), SIGKILL after 60 s, then forgets the pid.
service_stop() {
  local name="$1" pid_file="$2" pid
  if ! pid="$(service_pid "$pid_file")"; then
    rm -f "$pid_file"
    echo "$name: not running"
    return 0
  fi
  kill -CONT "$pid" 2>/dev/null || true
  kill -TERM "$pid"
  local waited=0
  while kill -0 "$pid" 2>/dev/null; do
    if ((waited >= 60)); then
      echo "services: $name did not stop within 60s; killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
    sleep 1
    waited=$((waited + 1))
  done
  rm -f "$pid_file"
  echo "$name: stopped"
}
