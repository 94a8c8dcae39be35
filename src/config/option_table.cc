// config/option_table.cc: every option, declared once. Keep paths in YAML order.
#include "config/option_table.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "core/text.h"
#include "core/topic_name.h"

namespace kascade {
namespace {

constexpr int64_t kMaxInt = std::numeric_limits<int64_t>::max();

// NOLINTBEGIN(bugprone-macro-parentheses): `member` is a member path (c.bus.topic), not an expression.
#define KASCADE_FIELD(member) \
  [](Config & c) -> auto& { return c.member; }
#define KASCADE_ENUM(member)                                                                          \
  EnumAccess {                                                                                        \
    [](Config& c, size_t index) { c.member = static_cast<std::decay_t<decltype(c.member)>>(index); }, \
        [](const Config& c) { return static_cast<size_t>(c.member); }                                 \
  }
// NOLINTEND(bugprone-macro-parentheses)

const std::vector<OptionSpec>& table() {
  static const std::vector<OptionSpec> options = {
      {"data_dir", "Directory of the embedded log and store (created if missing).",
       TextOption{KASCADE_FIELD(data_dir), "./kascade-data", {}, false}},

      {"bus.type", "Where records travel between source and processor.",
       enum_option(KASCADE_ENUM(bus.type), BusType::embedded)},
      {"bus.topic", "Topic of raw records.", TextOption{KASCADE_FIELD(bus.topic), "users.raw", {}, false}},
      {"bus.partitions", "Partitions of the topic when kascade creates it.",
       IntegerOption{KASCADE_FIELD(bus.partitions), 4, 1, 1024}},
      {"bus.embedded.sync",
       "full: an acknowledged record survives power loss (fsync per append); "
       "normal: it survives a crash of kascade, not of the machine.",
       enum_option(KASCADE_ENUM(bus.embedded.sync), SyncLevel::full)},
      {"bus.embedded.compression", "Compression of stored record batches.",
       enum_option(KASCADE_ENUM(bus.embedded.compression), LogCompression::lz4)},
      {"bus.embedded.retention_ms", "Delete batches older than this (-1: never).",
       IntegerOption{KASCADE_FIELD(bus.embedded.retention_ms), 7LL * 24 * 3600 * 1000, -1, kMaxInt}},
      {"bus.embedded.retention_bytes", "Keep at most this many stored bytes per partition (-1: no limit).",
       IntegerOption{KASCADE_FIELD(bus.embedded.retention_bytes), -1, -1, kMaxInt}},
      {"bus.embedded.max_record_bytes", "Largest record the log accepts.",
       IntegerOption{KASCADE_FIELD(bus.embedded.max_record_bytes), 8 << 20, 1024, 1LL << 30}},
      {"bus.embedded.max_open_topics",
       "Topic files kept open at once (about 6 file descriptors each); topics are opened at first use "
       "and the least recently used idle ones closed beyond it.",
       IntegerOption{KASCADE_FIELD(bus.embedded.max_open_topics), 64, 1, 4096}},
      {"bus.kafka.brokers", "Bootstrap brokers of the Kafka cluster (host:port, comma-separated).",
       TextOption{KASCADE_FIELD(bus.kafka.brokers), "127.0.0.1:9092", {}, false}},
      {"bus.kafka.properties",
       "Extra librdkafka client settings, 'key=value' separated by ';' (e.g. security.protocol=SASL_SSL;"
       "sasl.mechanisms=PLAIN;sasl.username=u;sasl.password=p). Applied last. Values of keys naming a "
       "password, secret, token or sasl.jaas are never printed.",
       TextOption{KASCADE_FIELD(bus.kafka.properties), "", {}, true}, Secret::properties},
      {"bus.kafka.replication_factor", "Replication factor of topics kascade creates.",
       IntegerOption{KASCADE_FIELD(bus.kafka.replication_factor), 1, 1, 32}},
      {"bus.kafka.compression", "Compression of produced record batches.",
       TextOption{KASCADE_FIELD(bus.kafka.compression), "lz4", {"none", "gzip", "snappy", "lz4", "zstd"}, false}},
      {"bus.kafka.linger_ms", "How long the producer waits to fill a batch.",
       IntegerOption{KASCADE_FIELD(bus.kafka.linger_ms), 5, 0, 60000}},
      {"bus.kafka.batch_bytes", "Largest produced batch per partition.",
       IntegerOption{KASCADE_FIELD(bus.kafka.batch_bytes), 1 << 20, 1024, 1LL << 30}},
      {"bus.kafka.max_in_flight", "Unacknowledged requests per broker connection (idempotence allows 1..5).",
       IntegerOption{KASCADE_FIELD(bus.kafka.max_in_flight), 5, 1, 5}},
      {"bus.kafka.queue_max_kbytes", "Producer queue bound; a full queue makes the ingest wait (backpressure).",
       IntegerOption{KASCADE_FIELD(bus.kafka.queue_max_kbytes), 64 << 10, 1024, 2097151}},
      {"bus.kafka.delivery_timeout_ms",
       "How long the producer retries a record (e.g. through a broker outage) before its send fails.",
       IntegerOption{KASCADE_FIELD(bus.kafka.delivery_timeout_ms), 300000, 1000, 2147483647}},
      {"bus.kafka.session_timeout_ms", "Consumer group session: a member silent this long loses its partitions.",
       IntegerOption{KASCADE_FIELD(bus.kafka.session_timeout_ms), 10000, 1000, 3600000}},
      {"bus.kafka.request_timeout_ms",
       "Bound of every blocking call to the cluster (connect, metadata, topic creation, offsets).",
       IntegerOption{KASCADE_FIELD(bus.kafka.request_timeout_ms), 15000, 100, 600000}},

      {"source.type", "The source that feeds the topic.",
       enum_option(KASCADE_ENUM(source.type), SourceType::generator)},
      {"source.name", "Name under which the source's position is checkpointed (empty: the source type).",
       TextOption{KASCADE_FIELD(source.name), "", {}, true}},
      {"source.seed", "Seed of the generator and of the randomuser API: the same seed gives the same users.",
       TextOption{KASCADE_FIELD(source.seed), "kascade", {}, false}},
      {"source.records", "Total records the source produces in this data dir (0: endless).",
       IntegerOption{KASCADE_FIELD(source.records), 0, 0, kMaxInt}},
      {"source.batch_records", "Records per append to the bus.",
       IntegerOption{KASCADE_FIELD(source.batch_records), 2000, 1, 1000000}},
      {"source.malformed_ratio",
       "Share of generated records replaced by malformed ones (testing the dead-letter path).",
       RealOption{KASCADE_FIELD(source.malformed_ratio), 0.0, 0.0, 1.0}},
      {"source.event_time_jitter_ms",
       "Generator: stamp each record's fetched_at up to this many ms before the batch time "
       "(deterministic per record; out-of-order event times for testing windows).",
       IntegerOption{KASCADE_FIELD(source.event_time_jitter_ms), 0, 0, 86400000}},
      {"source.late_ratio", "Generator: share of records stamped a further source.late_by_ms back (late records).",
       RealOption{KASCADE_FIELD(source.late_ratio), 0.0, 0.0, 1.0}},
      {"source.late_by_ms", "Generator: how far back late records are stamped.",
       IntegerOption{KASCADE_FIELD(source.late_by_ms), 120000, 0, 86400000}},
      {"source.randomuser.url",
       "Endpoint of the randomuser API (or of a server speaking it, such as `kascade mock-api`).",
       TextOption{KASCADE_FIELD(source.randomuser.url), "https://randomuser.me/api/", {}, false}},
      {"source.randomuser.results_per_page", "Users per request (results=N; the API allows up to 5000).",
       IntegerOption{KASCADE_FIELD(source.randomuser.results_per_page), 5000, 1, 5000}},
      {"source.randomuser.nat", "Nationalities to ask for, e.g. us,gb (empty: all).",
       TextOption{KASCADE_FIELD(source.randomuser.nat), "", {}, true}},
      {"source.randomuser.inc",
       "Fields to include, e.g. name,email,login (empty: all; without login the key is empty).",
       TextOption{KASCADE_FIELD(source.randomuser.inc), "", {}, true}},
      {"source.randomuser.exc", "Fields to exclude.", TextOption{KASCADE_FIELD(source.randomuser.exc), "", {}, true}},
      {"source.http.timeout_ms", "HTTP sources: longest wait for a whole response before it is retried.",
       IntegerOption{KASCADE_FIELD(source.http.timeout_ms), 30000, 10, 3600000}},
      {"source.http.connect_timeout_ms", "HTTP sources: longest wait for a connection.",
       IntegerOption{KASCADE_FIELD(source.http.connect_timeout_ms), 10000, 10, 600000}},
      {"source.http.max_body_bytes",
       "HTTP sources: a larger response body stops the source (raise it, or ask for less per request).",
       IntegerOption{KASCADE_FIELD(source.http.max_body_bytes), 64LL << 20, 1024, 1LL << 32}},
      {"source.http.requests_per_second", "HTTP sources: token-bucket rate limit of requests (0: none).",
       RealOption{KASCADE_FIELD(source.http.requests_per_second), 0.0, 0.0, 1e6}},
      {"source.http.max_attempts", "HTTP sources: consecutive failed attempts before the source gives up (0: never).",
       IntegerOption{KASCADE_FIELD(source.http.max_attempts), 0, 0, 1000000}},
      {"source.http.backoff_initial_ms",
       "HTTP sources: delay before the first retry; doubles per failure, with jitter (Retry-After wins when longer).",
       IntegerOption{KASCADE_FIELD(source.http.backoff_initial_ms), 200, 1, 3600000}},
      {"source.http.backoff_max_ms", "HTTP sources: cap of the retry delay.",
       IntegerOption{KASCADE_FIELD(source.http.backoff_max_ms), 30000, 1, 3600000}},
      {"source.http.breaker_failures", "HTTP sources: consecutive failures that open the circuit breaker.",
       IntegerOption{KASCADE_FIELD(source.http.breaker_failures), 10, 1, 1000000}},
      {"source.http.breaker_open_ms", "HTTP sources: how long an open circuit makes no request before one trial.",
       IntegerOption{KASCADE_FIELD(source.http.breaker_open_ms), 5000, 1, 3600000}},
      {"source.http.url",
       "http source: URL template of a JSON API; {page}, {offset} and {cursor} are replaced per request "
       "(e.g. http://127.0.0.1:8080/items?limit=500&cursor={cursor}).",
       TextOption{KASCADE_FIELD(source.http.url), "", {}, true}},
      {"source.http.pagination",
       "http source: none (one request), page ({page} counts up), offset ({offset} grows by the records taken), "
       "cursor ({cursor} from the body at cursor_pointer), link (the Link header's rel=\"next\" URL). "
       "The source stops at an empty page, no cursor, or no next link.",
       TextOption{KASCADE_FIELD(source.http.pagination), "none", {"none", "page", "offset", "cursor", "link"}, false}},
      {"source.http.first_page", "http source: number of the first page (pagination page).",
       IntegerOption{KASCADE_FIELD(source.http.first_page), 1, 0, kMaxInt}},
      {"source.http.records_pointer",
       "http source: JSON pointer to the array of records in a body (empty: the body is the array).",
       TextOption{KASCADE_FIELD(source.http.records_pointer), "", {}, true}},
      {"source.http.key_pointer", "http source: JSON pointer, inside a record, to its key (empty: no key).",
       TextOption{KASCADE_FIELD(source.http.key_pointer), "/login/uuid", {}, true}},
      {"source.http.cursor_pointer", "http source: JSON pointer to the next cursor in a body (pagination cursor).",
       TextOption{KASCADE_FIELD(source.http.cursor_pointer), "/paging/next_cursor", {}, true}},
      {"source.http.headers", "http source: extra request headers, 'Name: value' separated by ';'.",
       TextOption{KASCADE_FIELD(source.http.headers), "", {}, true}},
      {"source.http.allowed_origins",
       "http source: origins besides source.http.url's ('https://host:port', comma-separated) that a Link next "
       "may lead to; they never get the credentials or source.http.headers (empty: the URL's origin only).",
       TextOption{KASCADE_FIELD(source.http.allowed_origins), "", {}, true}},
      {"source.http.auth",
       "http source: none, bearer (Authorization: Bearer <$token_env>) or basic (<username>:<$password_env>). "
       "Credentials come from the environment and are never printed.",
       enum_option(KASCADE_ENUM(source.http.auth), HttpAuth::none)},
      {"source.http.token_env", "http source: environment variable holding the bearer token.",
       TextOption{KASCADE_FIELD(source.http.token_env), "", {}, true}},
      {"source.http.username", "http source: basic-auth user.",
       TextOption{KASCADE_FIELD(source.http.username), "", {}, true}},
      {"source.http.password_env", "http source: environment variable holding the basic-auth password.",
       TextOption{KASCADE_FIELD(source.http.password_env), "", {}, true}},

      {"processor.group", "Consumer group of the processor.",
       TextOption{KASCADE_FIELD(processor.group), "kascade-processor", {}, false}},
      {"processor.max_record_bytes", "Records larger than this go to the dead letters (too_large).",
       IntegerOption{KASCADE_FIELD(processor.max_record_bytes), 1 << 20, 1024, 1LL << 30}},
      {"processor.batch_records",
       "Records per sink transaction, at most: a batch goes to the sink as soon as a poll leaves it short (it "
       "never waits to fill). Lower: less latency under load, more transactions.",
       IntegerOption{KASCADE_FIELD(processor.batch_records), 5000, 1, 1000000}},
      {"processor.poll_timeout_ms",
       "Longest wait of an empty poll for new records before the processor checks again (a record arriving ends "
       "the wait at once: no latency cost).",
       IntegerOption{KASCADE_FIELD(processor.poll_timeout_ms), 100, 1, 60000}},
      {"processor.queue_batches",
       "Mapped batches waiting for the sink (bounded: a slow sink slows the consumer). Under load a record waits "
       "behind up to this many batches: lower it, with batch_records, to trade throughput for latency.",
       IntegerOption{KASCADE_FIELD(processor.queue_batches), 4, 1, 1024}},

      {"store.type", "Where rows land.", enum_option(KASCADE_ENUM(store.type), StoreType::sqlite)},
      {"store.path", "SQLite file of the embedded store (empty: <data_dir>/store.db).",
       TextOption{KASCADE_FIELD(store.path), "", {}, true}},
      {"store.sync",
       "full: a committed batch survives power loss; normal: it survives a crash of kascade "
       "(offsets are committed in the same transaction either way).",
       enum_option(KASCADE_ENUM(store.sync), SyncLevel::normal)},
      {"store.cache_mb", "SQLite page cache of the store.", IntegerOption{KASCADE_FIELD(store.cache_mb), 64, 1, 65536}},
      {"store.cassandra.hosts",
       "Cassandra contact points, comma-separated, each host or host:port (the other nodes are discovered).",
       TextOption{KASCADE_FIELD(store.cassandra.hosts), "127.0.0.1", {}, false}},
      {"store.cassandra.port", "CQL port of hosts given without one.",
       IntegerOption{KASCADE_FIELD(store.cassandra.port), 9042, 1, 65535}},
      {"store.cassandra.keyspace", "Keyspace of the users and dead_letters tables (created if missing).",
       TextOption{KASCADE_FIELD(store.cassandra.keyspace), "kascade", {}, false}},
      {"store.cassandra.replication", "Replication of the keyspace when kascade creates it (a CQL map).",
       TextOption{KASCADE_FIELD(store.cassandra.replication),
                  "{'class': 'SimpleStrategy', 'replication_factor': 1}",
                  {},
                  false}},
      {"store.cassandra.username", "User for PasswordAuthenticator (empty: no authentication).",
       TextOption{KASCADE_FIELD(store.cassandra.username), "", {}, true}},
      {"store.cassandra.password_env",
       "Name of the environment variable holding the password (the password itself never goes in a config file).",
       TextOption{KASCADE_FIELD(store.cassandra.password_env), "", {}, true}},
      {"store.cassandra.consistency", "Consistency level of the writes.",
       TextOption{KASCADE_FIELD(store.cassandra.consistency),
                  "local_quorum",
                  {"any", "one", "two", "three", "quorum", "all", "local_quorum", "each_quorum", "local_one"},
                  false}},
      {"store.cassandra.max_in_flight",
       "Writes awaiting Cassandra's answer at once (the sink waits beyond: backpressure).",
       IntegerOption{KASCADE_FIELD(store.cassandra.max_in_flight), 512, 1, 32768}},
      {"store.cassandra.connections_per_host", "Connections to each node (each multiplexes many requests).",
       IntegerOption{KASCADE_FIELD(store.cassandra.connections_per_host), 1, 1, 64}},
      {"store.cassandra.request_timeout_ms",
       "A write not answered within this is retried (writes are idempotent upserts).",
       IntegerOption{KASCADE_FIELD(store.cassandra.request_timeout_ms), 12000, 100, 600000}},
      {"store.cassandra.connect_timeout_ms", "Longest wait for a node to accept a connection and log in.",
       IntegerOption{KASCADE_FIELD(store.cassandra.connect_timeout_ms), 5000, 100, 600000}},
      {"store.cassandra.tls", "TLS to the CQL port; the node's certificate is verified.",
       BoolOption{KASCADE_FIELD(store.cassandra.tls), false}},
      {"store.cassandra.tls_ca_file",
       "PEM bundle of the CAs trusted for the nodes' certificates (empty: the system's).",
       TextOption{KASCADE_FIELD(store.cassandra.tls_ca_file), "", {}, true}},
      {"store.cassandra.tls_verify_host", "Check that a node's certificate names the host or IP it was reached at.",
       BoolOption{KASCADE_FIELD(store.cassandra.tls_verify_host), true}},
      {"store.cassandra.tls_cert_file", "Client certificate chain (PEM), for nodes that require one.",
       TextOption{KASCADE_FIELD(store.cassandra.tls_cert_file), "", {}, true}},
      {"store.cassandra.tls_key_file", "Private key (PEM) of tls_cert_file.",
       TextOption{KASCADE_FIELD(store.cassandra.tls_key_file), "", {}, true}},

      {"windows.enabled",
       "The windowed aggregation: auto (on with the sqlite store, which checkpoints its state with the offsets), on "
       "(also with cassandra: state and offsets in one partition, one processor instance per aggregation), off.",
       enum_option(KASCADE_ENUM(windows.enabled), WindowsEnabled::automatic)},
      {"windows.table", "Results table, upserted by (group-by columns, window_start).",
       TextOption{KASCADE_FIELD(windows.table), "users_per_country_minute", {}, false}},
      {"windows.event_time", "Event time: header.<name> (ms since epoch) or a timestamp column of the mapped row.",
       TextOption{KASCADE_FIELD(windows.event_time), "header.fetched_at", {}, false}},
      {"windows.group_by", "Comma-separated columns of the mapped row or header.<name> (empty: one group).",
       TextOption{KASCADE_FIELD(windows.group_by), "country", {}, true}},
      {"windows.aggregates",
       "NAME=FUNCTION(FIELD), comma-separated; count, count(field=value), sum, min, max, avg, count_distinct, "
       "approx_count_distinct (HyperLogLog, 1 KiB per group, ~3% error).",
       TextOption{KASCADE_FIELD(windows.aggregates),
                  "users=count, female=count(gender=female), male=count(gender=male), avg_age=avg(age)",
                  {},
                  false}},
      {"windows.size_ms", "Window length.", IntegerOption{KASCADE_FIELD(windows.size_ms), 60000, 1, 366LL * 86400000}},
      {"windows.slide_ms", "Hopping windows: a new window every slide_ms (must divide size_ms); 0: tumbling.",
       IntegerOption{KASCADE_FIELD(windows.slide_ms), 0, 0, 366LL * 86400000}},
      {"windows.allowed_lateness_ms",
       "A partition's watermark is its highest event time minus this; a window closes when every partition's "
       "watermark passed its end.",
       IntegerOption{KASCADE_FIELD(windows.allowed_lateness_ms), 5000, 0, 86400000}},
      {"windows.late_records",
       "Records whose windows all closed: counted, then dropped or also dead-lettered (class late).",
       enum_option(KASCADE_ENUM(windows.late_records), LateRecords::drop)},
      {"windows.missing_group",
       "Records whose group-by value is missing (null) or not of its column's type: counted in the null group, or "
       "dead-lettered (class window; the row still lands). Integer, real and uuid group-by columns have no null group: "
       "such records are always dead-lettered.",
       enum_option(KASCADE_ENUM(windows.missing_group), MissingGroup::null_group)},
      {"windows.null_group",
       "The null group's value in a text group-by column (key columns cannot hold NULL in SQLite or Cassandra).",
       TextOption{KASCADE_FIELD(windows.null_group), "", {}, true}},
      {"windows.max_open_windows",
       "Bound on open windows; beyond it the oldest closes early (results no longer exact).",
       IntegerOption{KASCADE_FIELD(windows.max_open_windows), 1000, 1, 1000000}},
      {"windows.max_groups", "Bound on groups over all open windows; beyond it the oldest window closes early.",
       IntegerOption{KASCADE_FIELD(windows.max_groups), 1000000, 1, 1LL << 32}},
      {"windows.early_updates_ms",
       "Early updates: at most this often (processing time), the current results of the windows still open are "
       "upserted too, with closed = 0, for live dashboards; a window's final result replaces them when it closes. "
       "0: results only when a window closes.",
       IntegerOption{KASCADE_FIELD(windows.early_updates_ms), 0, 0, 86400000}},

      {"serve.host",
       "`kascade serve`: address to listen on (127.0.0.1: this machine only; 0.0.0.0: every interface, e.g. in a "
       "container).",
       TextOption{KASCADE_FIELD(serve.host), "127.0.0.1", {}, false}},
      {"serve.port", "`kascade serve`: HTTP port of push ingest and the dashboard (0: any free port, printed).",
       IntegerOption{KASCADE_FIELD(serve.port), 8080, 0, 65535}},
      {"serve.max_request_bytes", "`kascade serve`: a larger request body is refused with 413.",
       IntegerOption{KASCADE_FIELD(serve.max_request_bytes), 8LL << 20, 1024, 1LL << 32}},
      {"serve.max_in_flight", "`kascade serve`: requests handled at once; beyond them 429 with Retry-After.",
       IntegerOption{KASCADE_FIELD(serve.max_in_flight), 8, 1, 1024}},
      {"serve.key_pointer", "`kascade serve`: JSON pointer of each pushed record's key (missing: empty key).",
       TextOption{KASCADE_FIELD(serve.key_pointer), "/login/uuid", {}, true}},
      {"serve.max_connections",
       "`kascade serve`: connections served at once; a connection beyond them is answered 503 and closed at once "
       "(over TLS: closed).",
       IntegerOption{KASCADE_FIELD(serve.max_connections), 64, 1, 4096}},
      {"serve.header_timeout_ms",
       "`kascade serve`: a request's line and headers must arrive within this time of its first byte (a "
       "connection's first request: of the connection, TLS handshake included); else 408 and closed.",
       IntegerOption{KASCADE_FIELD(serve.header_timeout_ms), 10000, 100, 3600000}},
      {"serve.body_timeout_ms",
       "`kascade serve`: a request's body must arrive within this time of its headers, and an answer be taken by "
       "the client within this time; else the connection is closed.",
       IntegerOption{KASCADE_FIELD(serve.body_timeout_ms), 60000, 100, 3600000}},
      {"serve.idle_timeout_ms",
       "`kascade serve`: a kept-alive connection without a new request for this long is closed.",
       IntegerOption{KASCADE_FIELD(serve.idle_timeout_ms), 5000, 100, 3600000}},
      {"serve.max_header_count", "`kascade serve`: more request headers are answered 431 and the connection closed.",
       IntegerOption{KASCADE_FIELD(serve.max_header_count), 100, 1, 10000}},
      {"serve.max_header_bytes",
       "`kascade serve`: a longer request line and headers (together) are answered 431 and the connection closed.",
       IntegerOption{KASCADE_FIELD(serve.max_header_bytes), 64 << 10, 1024, 16 << 20}},
      {"serve.allowed_hosts",
       "`kascade serve`: Host names requests may carry, comma-separated, with or without the port; another is "
       "answered 421 (against DNS rebinding). Empty: localhost, 127.0.0.1, [::1] and serve.host.",
       TextOption{KASCADE_FIELD(serve.allowed_hosts), "", {}, true}},
      {"serve.auth.push_token_env",
       "`kascade serve`: name of an environment variable holding a bearer token of scope push (POST records). "
       "Tokens are required when serve.host is not a loopback address.",
       TextOption{KASCADE_FIELD(serve.auth.push_token_env), "", {}, true}},
      {"serve.auth.read_token_env",
       "`kascade serve`: name of an environment variable holding a bearer token of scope read (the JSON routes, "
       "/metrics).",
       TextOption{KASCADE_FIELD(serve.auth.read_token_env), "", {}, true}},
      {"serve.auth.tokens_file",
       "`kascade serve`: a file of bearer tokens, one a line: `push <token>` or `read <token>` (# comments).",
       TextOption{KASCADE_FIELD(serve.auth.tokens_file), "", {}, true}},
      {"serve.tls.cert_file",
       "`kascade serve`: PEM certificate (chain) of HTTPS; with serve.tls.key_file, serve speaks only HTTPS.",
       TextOption{KASCADE_FIELD(serve.tls.cert_file), "", {}, true}},
      {"serve.tls.key_file", "`kascade serve`: PEM private key of serve.tls.cert_file.",
       TextOption{KASCADE_FIELD(serve.tls.key_file), "", {}, true}},
      {"serve.max_request_records", "`kascade serve`: a request body holding more records is refused with 400.",
       IntegerOption{KASCADE_FIELD(serve.max_request_records), 100000, 1, 10000000}},
      {"serve.topics",
       "`kascade serve`: topics pushes may write to, comma-separated (empty: bus.topic only); "
       "a push to another topic is answered 404 unless serve.create_topics is true.",
       TextOption{KASCADE_FIELD(serve.topics), "", {}, true, check_topic_list}},
      {"serve.create_topics",
       "`kascade serve`: a push to a topic not in serve.topics creates it (up to serve.max_topics).",
       BoolOption{KASCADE_FIELD(serve.create_topics), false}},
      {"serve.max_topics",
       "`kascade serve`: with serve.create_topics, no topic is created once the bus holds this many "
       "(on Kafka: every topic of the cluster counts); beyond it 403.",
       IntegerOption{KASCADE_FIELD(serve.max_topics), 64, 1, 100000}},
      {"observe.http_port",
       "`run`, `ingest`, `process`, `schedule`: port of the HTTP endpoint serving /healthz, /readyz and /metrics "
       "(Prometheus text) of the pipeline (0: none; --http-port sets it).",
       IntegerOption{KASCADE_FIELD(observe.http_port), 0, 0, 65535}},
      {"observe.http_address", "Address the observe.http_port endpoint listens on.",
       TextOption{KASCADE_FIELD(observe.http_address), "127.0.0.1", {}, false}},

      {"log.level", "Least severe events on stderr: trace, debug, info, warn or error.",
       enum_option(KASCADE_ENUM(log.level), LogLevel::info)},
      {"log.format",
       "text (one line per event: time, level, component, message, key=value fields) or json (one object per line: "
       "time, level, component, message and the event's fields).",
       enum_option(KASCADE_ENUM(log.format), LogFormat::text)},
      {"log.status_interval_ms",
       "When stderr is not a terminal, a status line this often while a pipeline runs (records/s, rows, dead "
       "letters, lag); 0: none.",
       IntegerOption{KASCADE_FIELD(log.status_interval_ms), 10000, 0, 86400000}},
      {"log.repeat_interval_ms",
       "While a failure lasts (a node or broker down, a sink retrying, a source failing), at most one line per "
       "this interval; and dead letters are summed up per class once per interval.",
       IntegerOption{KASCADE_FIELD(log.repeat_interval_ms), 10000, 100, 86400000}},
  };
  return options;
}

#undef KASCADE_FIELD
#undef KASCADE_ENUM

}  // namespace

std::span<const OptionSpec> option_table() { return table(); }

bool is_secret_key(std::string_view key) {
  static constexpr std::string_view kMarkers[] = {"password", "secret", "token", "sasl.jaas"};
  const std::string lowered = to_lower(key);
  return std::any_of(std::begin(kMarkers), std::end(kMarkers),
                     [&](std::string_view marker) { return lowered.find(marker) != std::string::npos; });
}

std::string shown_option_value(const Config& config, const OptionSpec& option) {
  if (option.secret == Secret::value) return "***";
  Config copy = config;  // the fields are read through Config& accessors
  std::string text = std::visit(
      [&](const auto& kind) -> std::string {
        using Kind = std::decay_t<decltype(kind)>;
        if constexpr (std::is_same_v<Kind, EnumOption>) {
          return std::string(kind.choices[kind.read(config)]);
        } else if constexpr (std::is_same_v<Kind, BoolOption>) {
          return kind.field(copy) ? "true" : "false";
        } else if constexpr (std::is_same_v<Kind, TextOption>) {
          return kind.field(copy);
        } else {
          return fmt::format("{}", kind.field(copy));
        }
      },
      option.kind);
  if (option.secret != Secret::properties) return text;
  // "key=value;key=value": the value of a key naming a secret becomes ***.
  std::string shown;
  for (size_t start = 0; start <= text.size();) {
    const size_t end = std::min(text.find(';', start), text.size());
    const std::string_view entry = std::string_view(text).substr(start, end - start);
    start = end + 1;
    if (trim(entry).empty()) continue;
    const size_t equals = entry.find('=');
    if (!shown.empty()) shown += ';';
    if (equals == std::string_view::npos) {
      shown += "***";  // not key=value: perhaps a secret pasted alone
    } else {
      const std::string_view key = entry.substr(0, equals);
      shown += is_secret_key(key) ? std::string(key) + "=***" : std::string(entry);
    }
  }
  return shown;
}

const OptionSpec* find_option(std::string_view path) {
  for (const auto& option : table()) {
    if (option.path == path) return &option;
  }
  return nullptr;
}

}  // namespace kascade
