# scripts/services.d/kafka.sh: sourced by scripts/services. Defines kafka_start, kafka_stop, kafka_status.
kafka_start() { echo "services: kafka is not built yet" >&2; return 1; }
kafka_stop() { return 0; }
kafka_status() { echo "kafka: not running"; return 1; }
