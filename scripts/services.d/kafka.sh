# scripts/services.d/kafka.sh: sourced by scripts/services. Defines kafka_start, kafka_stop, kafka_status.
#
# One Apache Kafka 4 node (KRaft, broker and controller in one JVM) run from
# the jars that services/kafka/pom.xml names:
#   127.0.0.1:9092  PLAINTEXT  (what kascade and the tests use)
#   127.0.0.1:9094  SASL_PLAINTEXT, mechanism PLAIN, user kascade / kascade-test-password
#   127.0.0.1:9093  the KRaft controller
# (on $KASCADE_SERVICES_HOST instead of 127.0.0.1 when it is set)
# Layout under $KASCADE_SERVICES_DIR/kafka: libs/ (jars), conf/, data/, logs/,
# kafka.pid. The storage is formatted once; a restart keeps the data.

KAFKA_HOME_DIR="$KASCADE_SERVICES_DIR/kafka"
KAFKA_PID_FILE="$KAFKA_HOME_DIR/kafka.pid"
KAFKA_LOG_DIR="$KAFKA_HOME_DIR/logs"
KAFKA_PORT=9092
KAFKA_CONTROLLER_PORT=9093
KAFKA_SASL_PORT=9094
KAFKA_HEAP="${KASCADE_KAFKA_HEAP:-384m}"
KAFKA_START_TIMEOUT_S="${KASCADE_KAFKA_START_TIMEOUT_S:-120}"

kafka_pid() { service_pid "$KAFKA_PID_FILE"; }

# Succeeds when the broker answers a metadata request that lists itself.
kafka_answers_metadata() {
  kcat -b "$SERVICES_HOST:$KAFKA_PORT" -L -m 3 2>/dev/null | grep -q "broker 1 at"
}

kafka_fetch_jars() {
  local libs="$KAFKA_HOME_DIR/libs"
  if compgen -G "$libs/kafka_2.13-*.jar" >/dev/null; then return 0; fi
  echo "services: fetching the Kafka jars with Maven (once)..."
  mkdir -p "$libs"
  mvn -q -f "$REPO_DIR/services/kafka/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$libs"
}

kafka_write_config() {
  local conf="$KAFKA_HOME_DIR/conf"
  mkdir -p "$conf" "$KAFKA_HOME_DIR/data" "$KAFKA_LOG_DIR"
  sed -e "s|@DATA_DIR@|$KAFKA_HOME_DIR/data|" \
      -e "s|@HOST@|$SERVICES_HOST|g" \
      -e "s|@PLAINTEXT_PORT@|$KAFKA_PORT|g" \
      -e "s|@CONTROLLER_PORT@|$KAFKA_CONTROLLER_PORT|g" \
      -e "s|@SASL_PORT@|$KAFKA_SASL_PORT|g" \
      "$REPO_DIR/services/kafka/server.properties.template" >"$conf/server.properties"
  cp "$REPO_DIR/services/kafka/log4j2.yaml" "$conf/log4j2.yaml"
}

kafka_jvm_opts() {
  KAFKA_JVM_OPTS=(
    -Xms"$KAFKA_HEAP" -Xmx"$KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20
    -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true
    -Dkafka.log.dir="$KAFKA_LOG_DIR"
    -Dlog4j2.configurationFile="file:$KAFKA_HOME_DIR/conf/log4j2.yaml"
    -cp "$KAFKA_HOME_DIR/libs/*"
  )
}

kafka_java() {
  kafka_jvm_opts
  java "${KAFKA_JVM_OPTS[@]}" "$@"
}

# KRaft needs its storage formatted with a cluster id before the first start.
kafka_format_storage() {
  [[ -f "$KAFKA_HOME_DIR/data/meta.properties" ]] && return 0
  local cluster_id
  cluster_id="$(kafka_java kafka.tools.StorageTool random-uuid 2>>"$KAFKA_LOG_DIR/format.log")"
  kafka_java kafka.tools.StorageTool format -t "$cluster_id" \
    -c "$KAFKA_HOME_DIR/conf/server.properties" --standalone >>"$KAFKA_LOG_DIR/format.log" 2>&1 || {
    echo "services: formatting the Kafka storage failed; see $KAFKA_LOG_DIR/format.log:" >&2
    tail -n 20 "$KAFKA_LOG_DIR/format.log" >&2
    return 1
  }
}

kafka_start() {
  if kafka_pid >/dev/null; then
    if kafka_answers_metadata; then echo "kafka: already running"; return 0; fi
  else
    kafka_fetch_jars
    kafka_write_config
    kafka_format_storage || return 1
    echo "services: starting kafka (heap $KAFKA_HEAP, log $KAFKA_LOG_DIR)..."
    kafka_jvm_opts
    nohup java "${KAFKA_JVM_OPTS[@]}" kafka.Kafka "$KAFKA_HOME_DIR/conf/server.properties" \
      >"$KAFKA_LOG_DIR/stdout.log" 2>&1 </dev/null &
    echo $! >"$KAFKA_PID_FILE"
  fi

  service_wait_ready kafka kafka_pid kafka_answers_metadata "$KAFKA_START_TIMEOUT_S" "$KAFKA_LOG_DIR/stdout.log" "$KAFKA_LOG_DIR/server.log" || return 1
  echo "kafka: ready on $SERVICES_HOST:$KAFKA_PORT (SASL_PLAINTEXT on $SERVICES_HOST:$KAFKA_SASL_PORT)"
}

kafka_stop() { service_stop kafka "$KAFKA_PID_FILE"; }

kafka_status() {
  local pid
  if ! pid="$(kafka_pid)"; then
    echo "kafka: not running"
    return 1
  fi
  if kafka_answers_metadata; then
    echo "kafka: running (pid $pid) on $SERVICES_HOST:$KAFKA_PORT"
  else
    echo "kafka: process $pid is up but does not answer metadata requests (starting, paused or failing)"
    return 1
  fi
}
