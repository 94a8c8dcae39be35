"""configs/seed-compat.yaml in place of the tutorial stack's Spark job, on the
real broker and the real Cassandra node: messages produced by an independent
client (confluent-kafka) exactly as the tutorial's producer writes them land in
spark_streams.created_users cell for cell (read back with the Python
cassandra-driver), and the malformed ones are dead letters with their reasons,
bytes and positions. Fails (never skips) when Kafka or Cassandra is down."""
import json
import os
import random
import uuid

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

from cassandra_support import PASSWORD_ENV, USER, cassandra, count_rows, kascade_env  # noqa: F401
from conftest import SOURCE_DIR
from kafka_support import BROKER, process_until_committed, require_broker, unique, wait_until

KEYSPACE = "spark_streams"  # the preset's, as the tutorial's Spark job names it
TABLE = "created_users"
TOPIC = "users_created"
USERS = 20_000
PRESET = os.path.join(SOURCE_DIR, "configs", "seed-compat.yaml")

FIRST = ["Emma", "Noah", "Léa", "Jürgen", "Ørjan", "Zoë", "Илья", "Aarav", "Maëlys", "Ömer", "Ελένη", "Chloé"]
LAST = ["Smith", "Müller", "Dubois", "García", "Nørgaard", "Öztürk", "Иванов", "Sharma", "O'Brien", "Núñez"]
STREETS = ["Main Street", "Rue de la Paix", "Hauptstraße", "Calle Mayor", "Østergade", "Church Road"]
CITIES = [("Leeds", "West Yorkshire", "United Kingdom"), ("Lyon", "Rhône", "France"),
          ("Köln", "Nordrhein-Westfalen", "Germany"), ("Sevilla", "Andalucía", "Spain"),
          ("Aarhus", "Midtjylland", "Denmark"), ("Auckland", "Auckland", "New Zealand")]


def api_result(rng):
    """One `results[0]` of the randomuser.me API (the fields the tutorial reads)."""
    first, last = rng.choice(FIRST), rng.choice(LAST)
    city, state, country = rng.choice(CITIES)
    # Postcodes are numbers in most nationalities and strings in some ("IZ67 5RD").
    postcode = rng.choice([rng.randint(1000, 99999), f"{rng.choice('ABCDEFGH')}{rng.randint(1, 99)} "
                                                     f"{rng.randint(1, 9)}{rng.choice('XYZ')}{rng.choice('QRS')}"])
    millis = f".{rng.randint(0, 999):03d}" if rng.random() < 0.9 else ""
    return {
        "gender": rng.choice(["female", "male"]),
        "name": {"title": "Mx", "first": first, "last": last},
        "location": {"street": {"number": rng.randint(1, 9999), "name": rng.choice(STREETS)},
                     "city": city, "state": state, "country": country, "postcode": postcode,
                     "coordinates": {"latitude": "-69.8246", "longitude": "134.8719"},
                     "timezone": {"offset": "+9:30", "description": "Adelaide, Darwin"}},
        "email": f"{first.lower()}.{last.lower()}@example.com",
        "login": {"uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                  "username": f"{rng.choice(['happy', 'silver', 'tiny'])}{rng.choice(['cat', 'bird', 'fish'])}"
                              f"{rng.randint(100, 999)}",
                  "password": "secret", "salt": "x", "md5": "y", "sha1": "z", "sha256": "w"},
        "dob": {"date": f"19{rng.randint(50, 99)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T0{rng.randint(0, 9)}:"
                        f"1{rng.randint(0, 9)}:2{rng.randint(0, 9)}{millis}Z", "age": rng.randint(20, 75)},
        "registered": {"date": f"20{rng.randint(10, 22)}-1{rng.randint(0, 2)}-0{rng.randint(1, 9)}T1{rng.randint(0, 9)}:"
                               f"3{rng.randint(0, 9)}:4{rng.randint(0, 9)}.{rng.randint(0, 999):03d}Z",
                       "age": rng.randint(1, 15)},
        "phone": f"0{rng.randint(10, 99)}-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}",
        "cell": "081-555-0101",
        "id": {"name": "", "value": None},
        "picture": {"large": "https://randomuser.me/api/portraits/women/1.jpg",
                    "medium": f"https://randomuser.me/api/portraits/med/{rng.choice(['men', 'women'])}/"
                              f"{rng.randint(0, 99)}.jpg",
                    "thumbnail": "https://randomuser.me/api/portraits/thumb/women/1.jpg"},
        "nat": "GB",
    }


def format_data(res):
    """The tutorial producer's own format_data (kafka_stream.py), with the uuid as a
    string so json.dumps takes it."""
    data = {}
    location = res['location']
    data['id'] = str(uuid.uuid4())
    data['first_name'] = res['name']['first']
    data['last_name'] = res['name']['last']
    data['gender'] = res['gender']
    data['address'] = f"{str(location['street']['number'])} {location['street']['name']}, " \
                      f"{location['city']}, {location['state']}, {location['country']}"
    data['post_code'] = location['postcode']
    data['email'] = res['email']
    data['username'] = res['login']['username']
    data['dob'] = res['dob']['date']
    data['registered_date'] = res['registered']['date']
    data['phone'] = res['phone']
    data['picture'] = res['picture']['medium']
    return data


# Malformed messages and the dead-letter class each must get.
MALFORMED = [
    (b"not json at all", "parse"),
    (b'{"id": "6f1c2a5e-0d7b-4d6e-9a53-1f4f0f1f2c3d", "first_name": "Cut', "parse"),
    (b"", "parse"),
    (b'{"id": "6f1c2a5e-0d7b-4d6e-9a53-\xff\xfe", "first_name": "A", "last_name": "B"}', "parse"),
    (json.dumps({"first_name": "No", "last_name": "Id"}).encode(), "validation"),
    (json.dumps({"id": "not-a-uuid", "first_name": "Bad", "last_name": "Id"}).encode(), "validation"),
    (json.dumps({"id": str(uuid.uuid4()), "first_name": 42, "last_name": "Number"}).encode(), "validation"),
    (json.dumps({"id": str(uuid.uuid4()), "first_name": "No"}).encode(), "validation"),
    (json.dumps(["an", "array"]).encode(), "validation"),
]


def reset_topic(name, partitions):
    """The preset's topic, fresh: deleted if an earlier run left it, then created."""
    admin = AdminClient({"bootstrap.servers": BROKER})
    if name in admin.list_topics(timeout=10).topics:
        admin.delete_topics([name])[name].result(30)
        wait_until(lambda: name not in admin.list_topics(timeout=10).topics, 60, f"topic {name} deleted")

    def create():
        try:
            admin.create_topics([NewTopic(name, partitions, 1)])[name].result(30)
            return True
        except Exception as error:  # noqa: BLE001 (the deletion may still be settling)
            if "already exists" in str(error) or "marked for deletion" in str(error).lower():
                return False
            raise
    wait_until(create, 60, f"topic {name} created")


def produce(messages):
    """Sends every message (no key, as the tutorial's KafkaProducer) and returns
    each one's (partition, offset) from its delivery report."""
    producer = Producer({"bootstrap.servers": BROKER, "enable.idempotence": True, "linger.ms": 5})
    positions = [None] * len(messages)

    def delivered(index):
        def report(error, message):
            assert error is None, error
            positions[index] = (message.partition(), message.offset())
        return report

    for index, value in enumerate(messages):
        producer.produce(TOPIC, value=value, on_delivery=delivered(index))
        producer.poll(0)
    assert producer.flush(60) == 0
    assert None not in positions
    return positions


def run_preset(tmp_path):
    """`kascade process -c configs/seed-compat.yaml` on Kafka + Cassandra until every
    message of the topic is landed and committed."""
    group = unique("seed-compat")
    return process_until_committed(
        ["-c", PRESET, "--data-dir", str(tmp_path / "data"),
         "--set", "bus.type=kafka", "--set", f"bus.kafka.brokers={BROKER}", "--set", f"processor.group={group}",
         "--set", "store.type=cassandra", "--set", f"store.cassandra.username={USER}",
         "--set", f"store.cassandra.password_env={PASSWORD_ENV}"],
        TOPIC, group, env=kascade_env())


def stored_users(session):
    return {str(row.id): row for row in session.execute(f"SELECT * FROM {KEYSPACE}.{TABLE}", timeout=300)}


def row_matches(row, user):
    expected = {**user, "post_code": str(user["post_code"])}  # Spark's StringType reads a number as its text
    return row is not None and {name: (str(row.id) if name == "id" else getattr(row, name)) for name in user} == expected


def test_tutorial_messages_land_in_spark_streams_created_users(cassandra, tmp_path):  # noqa: F811
    require_broker()
    rng = random.Random(20_000)
    cassandra.execute(f"DROP KEYSPACE IF EXISTS {KEYSPACE}", timeout=120)  # kascade creates keyspace and table
    reset_topic(TOPIC, 3)

    users = [format_data(api_result(rng)) for _ in range(USERS)]
    messages = [json.dumps(user).encode("utf-8") for user in users]  # as the tutorial: json.dumps(res).encode('utf-8')
    bad_at = sorted(rng.sample(range(len(messages) + len(MALFORMED)), len(MALFORMED)))
    for at, (value, _) in zip(bad_at, MALFORMED):
        messages.insert(at, value)
    positions = produce(messages)
    assert any(isinstance(u["post_code"], int) for u in users) and any(isinstance(u["post_code"], str) for u in users)

    run_preset(tmp_path)
    # The table the preset describes, with the tutorial's column names and types.
    columns = {row.column_name: row.type for row in cassandra.execute(
        "SELECT column_name, type FROM system_schema.columns WHERE keyspace_name = %s AND table_name = %s",
        (KEYSPACE, TABLE))}
    assert columns == {"id": "uuid", **{name: "text" for name in [
        "first_name", "last_name", "gender", "address", "post_code", "email", "username", "dob",
        "registered_date", "phone", "picture"]}}, columns

    # Every row, cell for cell.
    assert count_rows(cassandra, f"{KEYSPACE}.{TABLE}") == USERS
    stored = stored_users(cassandra)
    assert len(stored) == USERS
    mismatches = [(user, stored.get(user["id"])) for user in users if not row_matches(stored.get(user["id"]), user)]
    assert not mismatches, f"{len(mismatches)} rows differ, e.g. {mismatches[:2]}"

    # The malformed ones: dead letters with their reason, bytes and position.
    letters = {(row.partition, row.offset): row for row in cassandra.execute(
        f"SELECT * FROM {KEYSPACE}.dead_letters WHERE topic = %s AND partition IN (0, 1, 2)", (TOPIC,))}
    assert len(letters) == len(MALFORMED), sorted(letters)
    for at, (value, error_class) in zip(bad_at, MALFORMED):
        letter = letters.get(positions[at])
        assert letter is not None, (positions[at], value)
        assert (letter.value or b"") == value
        assert letter.error_class == error_class, (value, letter.error_class, letter.error_message)
        assert letter.error_message, value
        assert letter.attempts == 1 and letter.failed_at is not None


def test_the_table_the_tutorials_spark_job_created_is_used_as_it_is(cassandra, tmp_path):  # noqa: F811
    """An existing deployment: keyspace and table made by the tutorial's Spark job
    (spark_stream.py's create_keyspace / create_table: no `dob` column) and rows it
    already wrote. kascade adds the missing column, keeps the rows, and lands the new ones."""
    require_broker()
    rng = random.Random(2)
    cassandra.execute(f"DROP KEYSPACE IF EXISTS {KEYSPACE}", timeout=120)
    cassandra.execute("""
        CREATE KEYSPACE IF NOT EXISTS spark_streams
        WITH replication = {'class': 'SimpleStrategy', 'replication_factor': '1'};
    """)
    cassandra.execute("""
    CREATE TABLE IF NOT EXISTS spark_streams.created_users (
        id UUID PRIMARY KEY,
        first_name TEXT,
        last_name TEXT,
        gender TEXT,
        address TEXT,
        post_code TEXT,
        email TEXT,
        username TEXT,
        registered_date TEXT,
        phone TEXT,
        picture TEXT);
    """)
    earlier = format_data(api_result(rng))  # a row the Spark job wrote before the switch
    cassandra.execute("INSERT INTO spark_streams.created_users (id, first_name, last_name) VALUES (%s, %s, %s)",
                      (uuid.UUID(earlier["id"]), earlier["first_name"], earlier["last_name"]))
    reset_topic(TOPIC, 1)
    users = [format_data(api_result(rng)) for _ in range(2000)]
    produce([json.dumps(user).encode("utf-8") for user in users])

    run_preset(tmp_path)

    stored = stored_users(cassandra)
    assert len(stored) == len(users) + 1
    assert (stored[earlier["id"]].first_name, stored[earlier["id"]].dob) == (earlier["first_name"], None)
    mismatches = [user for user in users if not row_matches(stored.get(user["id"]), user)]
    assert not mismatches, f"{len(mismatches)} rows differ, e.g. {mismatches[:2]}"
