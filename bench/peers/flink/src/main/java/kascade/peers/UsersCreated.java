// bench/peers/flink/src/main/java/kascade/peers/UsersCreated.java: the tutorial's job on Flink (a second peer
// beside Spark): Kafka topic -> every field read as text, as Spark's from_json with an all-string schema does
// (a number or an object as its JSON text, a missing field as null) -> Cassandra created_users.
// Settings from the environment (PEERS_*), as bench/peers/spark/spark_stream.py.
package kascade.peers;

import com.datastax.driver.core.Cluster;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.UUID;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.serialization.SimpleStringSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.connectors.cassandra.CassandraSink;
import org.apache.flink.streaming.connectors.cassandra.ClusterBuilder;
import org.apache.flink.types.Row;

public final class UsersCreated {
  static final String[] COLUMNS = {"id", "first_name", "last_name", "gender", "address", "post_code", "email",
                                   "username", "dob", "registered_date", "phone", "picture"};

  static String env(String name, String otherwise) {
    String value = System.getenv(name);
    return value == null || value.isEmpty() ? otherwise : value;
  }

  static Row toRow(ObjectMapper mapper, String value) {
    Row row = new Row(COLUMNS.length);
    JsonNode node;
    try {
      node = mapper.readTree(value);
    } catch (Exception e) {
      node = null;  // as from_json: a message that is not JSON is a row of nulls
    }
    for (int i = 0; i < COLUMNS.length; ++i) {
      JsonNode field = node == null ? null : node.get(COLUMNS[i]);
      String text = field == null || field.isNull() ? null : field.isTextual() ? field.asText() : field.toString();
      row.setField(i, i == 0 && text != null ? UUID.fromString(text) : text);
    }
    return row;
  }

  public static void main(String[] args) throws Exception {
    String host = env("PEERS_CASSANDRA_HOST", "127.0.0.1");
    String user = env("PEERS_CASSANDRA_USER", "cassandra");
    String password = env("PEERS_CASSANDRA_PASSWORD", "cassandra");
    String keyspace = env("PEERS_FLINK_KEYSPACE", "flink_streams");
    String table = env("PEERS_TABLE", "created_users");
    String topic = env("PEERS_TOPIC", "users_created");

    StreamExecutionEnvironment environment = StreamExecutionEnvironment.getExecutionEnvironment();
    environment.setParallelism(Integer.parseInt(env("PEERS_PARALLELISM", "2")));
    // Kafka offsets are committed on a completed checkpoint, once the sink has flushed its writes.
    environment.enableCheckpointing(Long.parseLong(env("PEERS_CHECKPOINT_MS", "1000")));

    KafkaSource<String> source = KafkaSource.<String>builder()
        .setBootstrapServers(env("PEERS_BROKER", "127.0.0.1:9092"))
        .setTopics(topic)
        .setGroupId(env("PEERS_GROUP", "flink-streams"))
        .setStartingOffsets(OffsetsInitializer.earliest())
        .setValueOnlyDeserializer(new SimpleStringSchema())
        .build();
    TypeInformation<?>[] types = new TypeInformation<?>[COLUMNS.length];
    types[0] = TypeInformation.of(UUID.class);
    for (int i = 1; i < types.length; ++i) types[i] = Types.STRING;
    DataStream<Row> rows = environment.fromSource(source, WatermarkStrategy.noWatermarks(), "users_created")
        .map(new org.apache.flink.api.common.functions.RichMapFunction<String, Row>() {
          private transient ObjectMapper mapper;

          @Override
          public Row map(String value) {
            if (mapper == null) mapper = new ObjectMapper();
            return toRow(mapper, value);
          }
        })
        .returns(Types.ROW_NAMED(COLUMNS, types));

    String placeholders = String.join(", ", java.util.Collections.nCopies(COLUMNS.length, "?"));
    // At most this many inserts in flight per sink task: unbounded, the driver's queue overflows (BusyPoolException).
    CassandraSink.addSink(rows)
        .setMaxConcurrentRequests(Integer.parseInt(env("PEERS_MAX_IN_FLIGHT", "128")))
        .setQuery("INSERT INTO " + keyspace + "." + table + " (" + String.join(", ", COLUMNS) + ") VALUES ("
                  + placeholders + ")")
        .setClusterBuilder(new ClusterBuilder() {
          @Override
          protected Cluster buildCluster(Cluster.Builder builder) {
            return builder.addContactPoint(host).withCredentials(user, password).build();
          }
        })
        .build();
    environment.execute("users_created to " + keyspace + "." + table);
  }
}
