"""`kascade schedule` of a Kafka -> Cassandra pipeline (the real broker and node), records partly malformed:
each run's rows and dead letters in `jobs ls` are what the Python cassandra-driver finds of the records that
run put on the topic (read back with confluent-kafka); a scheduler killed with -9 mid-run leaves an
`interrupted` run, the next start goes on, and every record on the topic ends up once, as a row or a dead
letter, nothing lost or doubled. Fails (never skips) when a service is down."""
import json
import subprocess
import time
from datetime import datetime

from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from cassandra_support import cassandra, cassandra_store_flags, kascade_env, keyspace  # noqa: F401
from conftest import KASCADE, kascade
from kafka_support import BROKER, KafkaPipeline, end_offsets, require_broker, unique, wait_until

MALFORMED = 0.03
# The generator's malformed records include users padded past 2 MiB: the topic and the producer take them.
BIG = 8 * 1024 * 1024


def big_message_pipeline(tmp_path, name):
    """A Kafka pipeline whose topic (created here, 3 partitions) and producer take messages up to BIG bytes."""
    pipeline = KafkaPipeline(tmp_path, partitions=3, name=name,
                             kafka={"properties": f"message.max.bytes={BIG}", "batch_bytes": BIG})
    admin = AdminClient({"bootstrap.servers": BROKER})
    created = admin.create_topics([NewTopic(pipeline.topic, 3, 1, config={"max.message.bytes": str(BIG)})])
    created[pipeline.topic].result(timeout=60)
    return pipeline


def jobs(pipeline):
    """The runs `jobs ls` lists, without the ticks skipped while a run was going (a run may outlast --every)."""
    out = kascade("jobs", "ls", "-c", pipeline.config, "--format", "ndjson").stdout
    return [run for run in map(json.loads, out.splitlines()) if run["outcome"] != "skipped"]


def epoch_ms(text):
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def schedule_args(pipeline, keyspace, records, job, malformed=MALFORMED):
    return ["schedule", "-c", str(pipeline.config), "--every", "1s", "--records", str(records), "--job", job,
            "--set", f"source.malformed_ratio={malformed}", *cassandra_store_flags(keyspace),
            # Some malformed records are padded past 2 MiB: a small in-flight bound keeps the node's heap small.
            "--set", "store.cassandra.max_in_flight=16"]


def topic_messages(topic):
    """Every message of the topic as (partition, offset, key, timestamp ms), read by confluent-kafka."""
    ends = end_offsets(topic)
    client = Consumer({"bootstrap.servers": BROKER, "group.id": unique("probe"), "enable.auto.commit": False,
                       "fetch.message.max.bytes": BIG})
    messages = []
    positions = {p: 0 for p in ends}
    deadline = time.monotonic() + 300
    try:
        client.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p, end in ends.items() if end > 0])
        while any(positions[p] < end for p, end in ends.items()):
            assert time.monotonic() < deadline, (f"timed out reading {topic}", positions, ends)
            for message in client.consume(1000, timeout=1):
                assert message.error() is None, message.error()
                key = message.key().decode() if message.key() else None
                messages.append((message.partition(), message.offset(), key, message.timestamp()[1]))
                positions[message.partition()] = message.offset() + 1
    finally:
        client.close()
    return messages


def landed(session, keyspace, topic):
    """The ids of the users table and the (partition, offset) of the dead letters, by the driver."""
    ids = [str(row.id) for row in session.execute(f"SELECT id FROM {keyspace}.users")]
    letters = [(row.partition, row.offset) for row in session.execute(
        f"SELECT topic, partition, offset FROM {keyspace}.dead_letters") if row.topic == topic]
    assert len(set(letters)) == len(letters)
    return ids, set(letters)


def check_each_message_once(messages, ids, letters):
    """Every message of the topic is a dead letter or a row, never both, never neither; no row twice."""
    assert len(ids) == len(set(ids)), "no duplicate ids"
    positions = {(p, o) for p, o, _, _ in messages}
    assert letters <= positions, letters - positions
    valid_keys = {key for p, o, key, _ in messages if (p, o) not in letters}
    assert set(ids) == valid_keys, (len(ids), len(valid_keys))
    assert not {key for p, o, key, _ in messages if (p, o) in letters} & set(ids), "a dead letter landed as a row"


def test_three_scheduled_runs_count_what_landed_in_cassandra(cassandra, keyspace, tmp_path):
    require_broker()
    pipeline = big_message_pipeline(tmp_path, "sched")
    records = 3000
    result = kascade(*schedule_args(pipeline, keyspace, records, "nightly"), "--runs", 3, env=kascade_env(),
                     timeout=900)
    runs = jobs(pipeline)
    assert [(r["job"], r["run"], r["outcome"]) for r in runs] == [("nightly", n, "ok") for n in (1, 2, 3)], \
        (runs, result.stdout, result.stderr)
    assert [r["records"] for r in runs] == [records] * 3, runs
    assert len({r["id"] for r in runs}) == 3

    messages = topic_messages(pipeline.topic)
    assert len(messages) == 3 * records
    ids, letters = landed(cassandra, keyspace, pipeline.topic)
    check_each_message_once(messages, ids, letters)
    # Each message belongs to the run that was going when the source made it: its rows and dead letters are
    # what that run counted.
    for run in runs:
        start, end = epoch_ms(run["started_at"]), epoch_ms(run["ended_at"])
        mine = [m for m in messages if start <= m[3] <= end]
        assert len(mine) == records, (run, len(mine))
        dead = sum(1 for p, o, _, _ in mine if (p, o) in letters)
        assert 0 < dead < records // 10, run
        assert (run["rows"], run["dead_letters"]) == (records - dead, dead), run
    assert sum(r["rows"] for r in runs) == len(ids)
    assert sum(r["dead_letters"] for r in runs) == len(letters)
    assert cassandra.execute(f"SELECT count(*) FROM {keyspace}.users").one()[0] == len(ids)


def test_a_scheduler_killed_mid_run_leaves_an_interrupted_run_and_loses_or_doubles_nothing(cassandra, keyspace,
                                                                                            tmp_path):
    require_broker()
    pipeline = big_message_pipeline(tmp_path, "schedkill")
    records = 30000  # long enough a run to be killed in the middle
    # Few malformed records: some are padded past 2 MiB, and 90,000 records' worth would fill a 1 GB node's heap.
    malformed = 0.003
    args = schedule_args(pipeline, keyspace, records, "crashy", malformed)
    process = subprocess.Popen([KASCADE, *args, "--runs", "3"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env=kascade_env())
    try:
        def landing():
            assert process.poll() is None, process.communicate()
            runs = jobs(pipeline) if (pipeline.data_dir / "jobs.db").exists() else []
            return bool(runs) and runs[-1]["outcome"] == "running" and runs[-1]["rows"] > 0
        wait_until(landing, 300, "run 1's rows landing in Cassandra")
        mid_run = jobs(pipeline)[-1]
    finally:
        process.kill()  # SIGKILL: the run ends with the scheduler, its row still says running
        process.communicate()
    assert mid_run["run"] == 1 and mid_run["rows"] < records, mid_run
    [interrupted] = jobs(pipeline)
    assert interrupted["outcome"] == "interrupted" and f"pid {process.pid}" in interrupted["reason"], interrupted
    assert interrupted["rows"] >= mid_run["rows"] and interrupted["ended_at"], interrupted

    kascade(*args, "--runs", 2, env=kascade_env(), timeout=1200)
    runs = jobs(pipeline)
    assert [(r["run"], r["outcome"]) for r in runs] == [(1, "interrupted"), (2, "ok"), (3, "ok")], runs
    assert all(r["records"] >= records for r in runs[1:]), runs

    messages = topic_messages(pipeline.topic)
    ids, letters = landed(cassandra, keyspace, pipeline.topic)
    check_each_message_once(messages, ids, letters)
    # And the topic holds every record the generator made, once or (re-sent after the kill) more.
    sources = kascade("sources", "ls", "-c", pipeline.config, "--format", "ndjson").stdout.splitlines()
    [made] = [p for p in map(json.loads, sources) if p["topic"] == pipeline.topic]
    total = int(made["position"])
    assert total >= 3 * records - records, total
    # `generate --format keys`: one line per record, "<key>" or, for a malformed one, "<key>\t<kind>".
    generated = kascade("generate", "--records", total, "--malformed-ratio", malformed,
                        "--format", "keys").stdout.splitlines()
    assert len(generated) == total
    valid = {line for line in generated if "\t" not in line}
    assert 0 < total - len(valid) < total // 10
    assert set(ids) == valid, "every valid record the generator made is a row, once"
