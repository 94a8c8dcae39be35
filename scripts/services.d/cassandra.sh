# scripts/services.d/cassandra.sh: sourced by scripts/services. Defines cassandra_start, cassandra_stop, cassandra_status.
#
# One Apache Cassandra 5.0 node on $KASCADE_SERVICES_HOST (default 127.0.0.1):9042 (CQL) and :7000
# (gossip), run as a plain JVM from the jars that services/cassandra/pom.xml
# names. Authentication is on (PasswordAuthenticator, superuser
# cassandra/cassandra) so that wrong-password paths are tested for real.
# The native port also accepts TLS (client_encryption_options, optional: true,
# so plaintext clients keep working) with a certificate for its address and
# localhost issued by a test CA; KASCADE_CASSANDRA_TLS=0 turns that off.
# Layout under $KASCADE_SERVICES_DIR/cassandra: lib/ (jars), conf/, data/,
# logs/, tls/ (ca.pem, node.p12, and other-name.pem/.key: a certificate of the
# same CA for a name the node does not have, for host-name verification
# tests), cassandra.pid.

CASSANDRA_HOME_DIR="$KASCADE_SERVICES_DIR/cassandra"
CASSANDRA_PID_FILE="$CASSANDRA_HOME_DIR/cassandra.pid"
CASSANDRA_LOG="$CASSANDRA_HOME_DIR/logs/stdout.log"
CASSANDRA_CQL_PORT=9042
CASSANDRA_HEAP="${KASCADE_CASSANDRA_HEAP:-1g}"  # 768m ran out under several test suites at once
CASSANDRA_START_TIMEOUT_S="${KASCADE_CASSANDRA_START_TIMEOUT_S:-180}"
CASSANDRA_TLS="${KASCADE_CASSANDRA_TLS:-1}"
CASSANDRA_TLS_DIR="$CASSANDRA_HOME_DIR/tls"
CASSANDRA_KEYSTORE_PASSWORD="kascade-test-keystore"

cassandra_pid() { service_pid "$CASSANDRA_PID_FILE"; }

# Succeeds when the node answers a CQL STARTUP and accepts the superuser's
# password, i.e. when a client can really log in (the default role is created
# a moment after the port opens).
cassandra_accepts_login() {
  python3 - "$SERVICES_HOST" "$CASSANDRA_CQL_PORT" <<'PY'
import socket, struct, sys

def frame(stream, opcode, body):
    return struct.pack(">BBhBI", 4, 0, stream, opcode, len(body)) + body

def read_frame(sock):
    header = b""
    while len(header) < 9:
        chunk = sock.recv(9 - len(header))
        if not chunk:
            raise ConnectionError("closed")
        header += chunk
    _, _, _, opcode, length = struct.unpack(">BBhBI", header)
    body = b""
    while len(body) < length:
        chunk = sock.recv(length - len(body))
        if not chunk:
            raise ConnectionError("closed")
        body += chunk
    return opcode, body

def string(s):
    return struct.pack(">H", len(s)) + s

try:
    sock = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3)
    sock.sendall(frame(0, 0x01, struct.pack(">H", 1) + string(b"CQL_VERSION") + string(b"3.0.0")))
    opcode, _ = read_frame(sock)
    if opcode != 0x03:  # AUTHENTICATE
        sys.exit(1)
    token = b"\0cassandra\0cassandra"
    sock.sendall(frame(1, 0x0F, struct.pack(">i", len(token)) + token))
    opcode, _ = read_frame(sock)
    sys.exit(0 if opcode == 0x10 else 1)  # AUTH_SUCCESS
except (OSError, ConnectionError):
    sys.exit(1)
PY
}

cassandra_fetch_jars() {
  local lib="$CASSANDRA_HOME_DIR/lib"
  if compgen -G "$lib/cassandra-all-*.jar" >/dev/null; then return 0; fi
  echo "services: fetching the Cassandra jars with Maven (once)..."
  mkdir -p "$lib"
  mvn -q -f "$REPO_DIR/services/cassandra/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$lib"
}

# A test CA and the node's certificate (SAN its address and localhost) as a
# PKCS12 keystore; kept once made, so clients' copies of ca.pem stay valid.
cassandra_make_tls() {
  local dir="$CASSANDRA_TLS_DIR"
  [[ -f "$dir/node.p12" && -f "$dir/other-name.pem" ]] && return 0
  mkdir -p "$dir"
  ( cd "$dir" &&
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 3650 \
      -subj "/CN=kascade test CA" 2>/dev/null &&
    issue() { # file name, subject CN, subjectAltName
      openssl req -new -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" \
        -subj "/CN=$2" 2>/dev/null &&
        printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "$3" >"$1.ext" &&
        openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 \
          -extfile "$1.ext" -out "$1.pem" 2>/dev/null
    } &&
    issue node "$SERVICES_HOST" "IP:$SERVICES_HOST,DNS:localhost" &&
    issue other-name other.kascade.invalid "DNS:other.kascade.invalid" &&
    openssl pkcs12 -export -in node.pem -inkey node.key -certfile ca.pem -name node \
      -passout "pass:$CASSANDRA_KEYSTORE_PASSWORD" -out node.p12 &&
    rm -f ./*.csr ./*.ext ) ||
    { echo "services: could not make the test TLS certificates in $dir" >&2; return 1; }
}

cassandra_write_config() {
  local conf="$CASSANDRA_HOME_DIR/conf"
  mkdir -p "$conf" "$CASSANDRA_HOME_DIR/data" "$CASSANDRA_HOME_DIR/logs"
  # Unknown keys are fatal to Cassandra: keep this to what a one-node test
  # cluster needs; everything else keeps Cassandra's defaults.
  cat >"$conf/cassandra.yaml" <<EOF
cluster_name: kascade-test
num_tokens: 1
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
endpoint_snitch: SimpleSnitch
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "$SERVICES_HOST:7000"
listen_address: $SERVICES_HOST
rpc_address: $SERVICES_HOST
storage_port: 7000
native_transport_port: $CASSANDRA_CQL_PORT
commitlog_sync: periodic
commitlog_sync_period: 10000ms
# Test machines are small and shared: allow slow reads (counts by token range) to finish.
read_request_timeout: 20000ms
range_request_timeout: 60000ms
authenticator:
  class_name: org.apache.cassandra.auth.PasswordAuthenticator
authorizer: AllowAllAuthorizer
role_manager: CassandraRoleManager
data_file_directories:
  - $CASSANDRA_HOME_DIR/data/data
commitlog_directory: $CASSANDRA_HOME_DIR/data/commitlog
saved_caches_directory: $CASSANDRA_HOME_DIR/data/saved_caches
hints_directory: $CASSANDRA_HOME_DIR/data/hints
cdc_raw_directory: $CASSANDRA_HOME_DIR/data/cdc_raw
EOF
  if [[ "$CASSANDRA_TLS" == 1 ]]; then
    cat >>"$conf/cassandra.yaml" <<EOF
client_encryption_options:
  enabled: true
  optional: true
  keystore: $CASSANDRA_TLS_DIR/node.p12
  keystore_password: $CASSANDRA_KEYSTORE_PASSWORD
  store_type: PKCS12
  require_client_auth: false
EOF
  fi
  cat >"$conf/logback.xml" <<EOF
<configuration>
  <appender name="FILE" class="ch.qos.logback.core.FileAppender">
    <file>$CASSANDRA_HOME_DIR/logs/system.log</file>
    <encoder><pattern>%-5level [%thread] %date{ISO8601} %F:%L - %msg%n</pattern></encoder>
  </appender>
  <root level="INFO"><appender-ref ref="FILE"/></root>
</configuration>
EOF
}

cassandra_start() {
  if cassandra_pid >/dev/null; then
    if cassandra_accepts_login; then echo "cassandra: already running"; return 0; fi
  else
    cassandra_fetch_jars
    if [[ "$CASSANDRA_TLS" == 1 ]]; then cassandra_make_tls || return 1; fi
    cassandra_write_config
    local lib="$CASSANDRA_HOME_DIR/lib" jamm
    jamm="$(compgen -G "$lib/jamm-*.jar" | head -n1)"
    # The JPMS flags are those of Cassandra's conf/jvm17-server.options.
    local jvm_opts=(
      -Xms"$CASSANDRA_HEAP" -Xmx"$CASSANDRA_HEAP" -Xss512k
      -XX:+UseG1GC -XX:+ParallelRefProcEnabled -XX:MaxTenuringThreshold=1
      -XX:G1HeapRegionSize=16m -XX:MaxGCPauseMillis=300 -XX:+ExitOnOutOfMemoryError
      -javaagent:"$jamm"
      -Djdk.attach.allowAttachSelf=true
      --add-exports java.base/jdk.internal.misc=ALL-UNNAMED
      --add-exports java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED
      --add-exports java.rmi/sun.rmi.registry=ALL-UNNAMED
      --add-exports java.rmi/sun.rmi.server=ALL-UNNAMED
      --add-exports java.sql/java.sql=ALL-UNNAMED
      --add-exports java.base/java.lang.ref=ALL-UNNAMED
      --add-exports jdk.unsupported/sun.misc=ALL-UNNAMED
      --add-exports jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED
      --add-exports jdk.attach/sun.tools.attach=ALL-UNNAMED
      --add-opens java.base/java.lang.module=ALL-UNNAMED
      --add-opens java.base/jdk.internal.loader=ALL-UNNAMED
      --add-opens java.base/jdk.internal.ref=ALL-UNNAMED
      --add-opens java.base/jdk.internal.reflect=ALL-UNNAMED
      --add-opens java.base/jdk.internal.math=ALL-UNNAMED
      --add-opens java.base/jdk.internal.module=ALL-UNNAMED
      --add-opens java.base/jdk.internal.util.jar=ALL-UNNAMED
      --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED
      --add-opens java.base/sun.nio.ch=ALL-UNNAMED
      --add-opens java.base/java.io=ALL-UNNAMED
      --add-opens java.base/java.lang.reflect=ALL-UNNAMED
      --add-opens jdk.compiler/com.sun.tools.javac=ALL-UNNAMED
      --add-opens java.base/java.lang=ALL-UNNAMED
      --add-opens java.base/java.util=ALL-UNNAMED
      -Dio.netty.tryReflectionSetAccessible=true
      -Dcassandra.config="file://$CASSANDRA_HOME_DIR/conf/cassandra.yaml"
      -Dcassandra.storagedir="$CASSANDRA_HOME_DIR/data"
      -Dcassandra.logdir="$CASSANDRA_HOME_DIR/logs"
      -Dlogback.configurationFile="file://$CASSANDRA_HOME_DIR/conf/logback.xml"
      -Dcassandra-foreground=yes
      -Dcassandra.skip_wait_for_gossip_to_settle=0
      -Dcassandra.superuser_setup_delay_ms=0
    )
    echo "services: starting cassandra (heap $CASSANDRA_HEAP, log $CASSANDRA_HOME_DIR/logs)..."
    nohup java "${jvm_opts[@]}" -cp "$lib/*" org.apache.cassandra.service.CassandraDaemon \
      >"$CASSANDRA_LOG" 2>&1 </dev/null &
    echo $! >"$CASSANDRA_PID_FILE"
  fi

  service_wait_ready cassandra cassandra_pid cassandra_accepts_login "$CASSANDRA_START_TIMEOUT_S" "$CASSANDRA_LOG" "$CASSANDRA_HOME_DIR/logs/system.log" || return 1
  echo "cassandra: ready on $SERVICES_HOST:$CASSANDRA_CQL_PORT (user cassandra)"
}

cassandra_stop() { service_stop cassandra "$CASSANDRA_PID_FILE"; }

cassandra_status() {
  local pid
  if ! pid="$(cassandra_pid)"; then
    echo "cassandra: not running"
    return 1
  fi
  if cassandra_accepts_login; then
    echo "cassandra: running (pid $pid) on $SERVICES_HOST:$CASSANDRA_CQL_PORT"
  else
    echo "cassandra: process $pid is up but does not accept CQL logins (starting, paused or failing)"
    return 1
  fi
}
