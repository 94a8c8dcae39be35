"""Rows a store refuses for good, for that row alone, become dead letters of
class `sink` with their record's original bytes, topic, partition and offset,
while the rest of each batch lands and the offsets advance: on the embedded
SQLite store (a table the user created with NOT NULL and CHECK constraints) and
on the real Cassandra node (a partition key over Cassandra's 64 KiB limit).
Records come from the real broker, written by an independent client
(confluent-kafka), whose delivery reports give each record's true position.
Fails (never skips) when Kafka or Cassandra is down."""
import json
import random
import sqlite3

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

from cassandra_support import PASSWORD_ENV, USER, cassandra, kascade_env, keyspace  # noqa: F401
from conftest import query
from kafka_support import BROKER, end_offsets, process_until_committed, require_broker, unique

PARTITIONS = 3


def make_topic(prefix):
    topic = unique(prefix)
    admin = AdminClient({"bootstrap.servers": BROKER})  # kept alive until the creation finished
    admin.create_topics([NewTopic(topic, PARTITIONS, 1)])[topic].result(30)
    return topic


def produce(topic, messages):
    """(key, value) pairs -> each one's (partition, offset), from the delivery reports."""
    producer = Producer({"bootstrap.servers": BROKER, "enable.idempotence": True, "linger.ms": 5,
                         "message.max.bytes": 4 << 20})
    positions = [None] * len(messages)

    def delivered(index):
        def report(error, message):
            assert error is None, error
            positions[index] = (message.partition(), message.offset())
        return report

    for index, (key, value) in enumerate(messages):
        producer.produce(topic, key=key, value=value, on_delivery=delivered(index))
        producer.poll(0)
    assert producer.flush(60) == 0
    assert None not in positions
    return positions


def write_config(path, data_dir, topic, group, table_yaml, transforms_yaml, store_yaml=""):
    path.write_text(
        f"data_dir: {data_dir}\n"
        f"bus:\n  type: kafka\n  topic: {topic}\n  partitions: {PARTITIONS}\n  kafka:\n    brokers: {json.dumps(BROKER)}\n"
        f"processor:\n  group: {group}\n  batch_records: 500\n"
        f"{store_yaml}{table_yaml}{transforms_yaml}")


ORDERS_TABLE = """table:
  name: orders
  primary_key: id
  columns:
    id: text
    customer: text
    quantity: int
    note: text
"""
ORDERS_TRANSFORMS = """transforms:
  - parse: json
  - validate:
      required: [/id]
      types:
        /id: string
        /customer: string
        /quantity: integer
  - map:
      id: /id
      customer: /customer
      quantity: /quantity
      note: /note
"""


def test_rows_the_sqlite_table_refuses_are_sink_dead_letters_with_their_position(tmp_path):
    require_broker()
    rng = random.Random(7)
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    # The user made the table before kascade, with constraints of their own.
    with sqlite3.connect(data_dir / "store.db") as db:
        db.execute("CREATE TABLE orders (id TEXT NOT NULL PRIMARY KEY, customer TEXT NOT NULL,"
                   " quantity INTEGER CHECK (quantity BETWEEN 1 AND 1000), note TEXT)")

    good = [{"id": f"order-{i:05d}", "customer": f"customer {i % 97}", "quantity": 1 + i % 1000,
             "note": "é" * (i % 5)} for i in range(6000)]
    refused = ([{"id": f"bad-quantity-{i}", "customer": "c", "quantity": q} for i, q in enumerate([0, -5, 1001, 50000])]
               + [{"id": f"no-customer-{i}", "quantity": 3, "note": "who?"} for i in range(4)])
    unparsable = [b'{"id": "cut', b"\xff\xfe"]
    messages = [(f"k-{r['id']}".encode(), json.dumps(r).encode()) for r in good]
    refused_at = sorted(rng.sample(range(len(messages) + len(refused)), len(refused)))
    for at, record in zip(refused_at, refused):
        messages.insert(at, (f"k-{record['id']}".encode(), json.dumps(record, ensure_ascii=False).encode()))
    messages += [(b"k-unparsable", value) for value in unparsable]

    topic, group = make_topic("sink-dlq-sqlite"), unique("sink-dlq-sqlite")
    positions = produce(topic, messages)
    config = tmp_path / "pipeline.yaml"
    write_config(config, data_dir, topic, group, ORDERS_TABLE, ORDERS_TRANSFORMS)
    output = process_until_committed(["-c", str(config)], topic, group)

    # The rest of every batch landed, with its values.
    assert query(data_dir, "SELECT id, customer, quantity, note FROM orders ORDER BY id") == \
        sorted((r["id"], r["customer"], r["quantity"], r["note"]) for r in good)
    # The refused rows: dead letters with the record's bytes, key, topic, partition, offset and the reason.
    letters = {(p, o): (k, v, m, a) for p, o, k, v, m, a in query(
        data_dir, f"SELECT partition, offset, key, value, error_message, attempts FROM dead_letters "
                  f"WHERE error_class = 'sink' AND topic = '{topic}'")}
    assert len(letters) == len(refused), letters
    for at in refused_at:
        key, value = messages[at]
        assert positions[at] in letters, (positions[at], value)
        got_key, got_value, message, attempts = letters[positions[at]]
        assert (bytes(got_key), bytes(got_value), attempts) == (key, value, 1)
        reason = "NOT NULL constraint failed" if b"no-customer" in key else "CHECK constraint failed"
        assert reason in message, message
    # The unparsable ones are still parse dead letters; nothing else is.
    assert query(data_dir, "SELECT error_class, count(*) FROM dead_letters GROUP BY error_class ORDER BY 1") == \
        [("parse", 2), ("sink", len(refused))]
    # Offsets advanced past everything: stored with the rows, and committed to the group.
    ends = end_offsets(topic)
    assert dict(query(data_dir, "SELECT partition, next_offset FROM consumer_offsets")) == ends
    assert sum(ends.values()) == len(messages)
    assert f"landed {len(good):,} rows and {len(refused) + len(unparsable)} dead letters" in output, output


EVENTS_TABLE = """table:
  name: events
  primary_key: name
  columns:
    name: text
    payload: text
"""
EVENTS_TRANSFORMS = """transforms:
  - parse: json
  - validate:
      required: [/name]
  - map:
      name: /name
      payload: /payload
"""


def test_rows_cassandra_refuses_are_sink_dead_letters_with_their_position(cassandra, keyspace, tmp_path):  # noqa: F811
    require_broker()
    rng = random.Random(11)
    good = [{"name": f"event-{i}", "payload": f"payload {i} ✓"} for i in range(4000)]
    # Cassandra refuses a partition key over 65,535 bytes, for that row alone.
    refused = [{"name": f"{chr(ord('a') + i)}" * 70_000, "payload": f"too long a key {i}"} for i in range(4)]
    messages = [(f"k-{i}".encode(), json.dumps(r, ensure_ascii=False).encode()) for i, r in enumerate(good)]
    refused_at = sorted(rng.sample(range(len(messages) + len(refused)), len(refused)))
    for n, (at, record) in enumerate(zip(refused_at, refused)):
        messages.insert(at, (f"big-{n}".encode(), json.dumps(record).encode()))

    topic, group = make_topic("sink-dlq-cassandra"), unique("sink-dlq-cassandra")
    positions = produce(topic, messages)
    config = tmp_path / "pipeline.yaml"
    store = (f"store:\n  type: cassandra\n  cassandra:\n    keyspace: {keyspace}\n    username: {USER}\n"
             f"    password_env: {PASSWORD_ENV}\n")
    write_config(config, tmp_path / "data", topic, group, EVENTS_TABLE, EVENTS_TRANSFORMS, store)
    output = process_until_committed(["-c", str(config)], topic, group, env=kascade_env())

    rows = {row.name: row.payload for row in cassandra.execute(f"SELECT name, payload FROM {keyspace}.events")}
    assert rows == {r["name"]: r["payload"] for r in good}
    letters = {(row.partition, row.offset): row for row in cassandra.execute(
        f"SELECT * FROM {keyspace}.dead_letters WHERE topic = %s AND partition IN (0, 1, 2)", (topic,))}
    assert len(letters) == len(refused), sorted(letters)
    for at in refused_at:
        key, value = messages[at]
        letter = letters.get(positions[at])
        assert letter is not None, positions[at]
        assert (letter.key.encode(), letter.value, letter.error_class, letter.attempts) == (key, value, "sink", 1)
        assert "Key length of 70000 is longer than maximum of 65535" in letter.error_message, letter.error_message
    assert sum(end_offsets(topic).values()) == len(messages)
    assert f"landed {len(good):,} rows and {len(refused)} dead letters" in output, output
