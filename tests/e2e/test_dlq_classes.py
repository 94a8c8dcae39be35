"""`kascade dlq ls --class late` and `--class source` list exactly those dead letters, on the SQLite store and
on the real Cassandra node. Late letters: generator records stamped behind their partition's watermark with
windows.late_records=dead_letter; which records those are (partition, offset, event time) is recomputed here
from the documented lateness rule. Source letters: bodies of `kascade mock-api` (malformed and truncated
faults) the randomuser source could not split into records. The class, reason, topic, partition, offset,
attempts and size `dlq ls` shows are checked against that reference and against the letters' values read
from the store with independent tools (Python's sqlite3, the cassandra-driver)."""
import json
import subprocess
import urllib.request

import pytest

from datetime import datetime, timedelta, timezone

from cassandra_support import PASSWORD_ENV, USER, cassandra, kascade_env, keyspace  # noqa: F401
from conftest import KASCADE, kascade, query, topic_end_offsets
from windows_reference import generator_keys, iso_to_ms, partition_of

RECORDS = 20_000  # generator records, on the late topic
API_USERS = 3_000  # randomuser records, on the source topic
PARTITIONS = 4  # bus.partitions' default
SIZE_MS = 1000
LATENESS_MS = 300
LATE_TOPIC = "dlqc.late"
SOURCE_TOPIC = "dlqc.source"
API_SEED = "dlq-classes"  # not the generator's seed: the two runs' users never share an id
RESULTS = "users_per_country_minute"
LATE_RUN = ["--records", RECORDS, "--set", f"bus.topic={LATE_TOPIC}",
            "--set", "source.event_time_jitter_ms=1500", "--set", "source.late_ratio=0.02",
            "--set", "source.late_by_ms=20000",
            "--set", "windows.enabled=on", "--set", f"windows.size_ms={SIZE_MS}",
            "--set", f"windows.allowed_lateness_ms={LATENESS_MS}", "--set", "windows.late_records=dead_letter"]


@pytest.fixture
def mock_api():
    """A mock API answering 30% of its requests with a malformed or truncated body; yields its base URL."""
    server = subprocess.Popen([KASCADE, "mock-api", "--port", "0", "--fail-rate", "0.3", "--faults",
                               "malformed,truncated", "--fault-seed", "23"], stdout=subprocess.PIPE, text=True)
    line = server.stdout.readline()
    assert "listening on http://127.0.0.1:" in line, line
    yield line.split("listening on ")[1].split()[0]
    server.terminate()
    server.wait(timeout=30)


def bad_bodies(base):
    """How many malformed and truncated bodies the mock served."""
    with urllib.request.urlopen(base + "/_stats", timeout=30) as response:
        faults = json.load(response)["by_fault"]
    return faults.get("malformed", 0) + faults.get("truncated", 0)


def to_ms(value):
    """A driver timestamp (naive UTC datetime) in ms since the epoch."""
    return (value.replace(tzinfo=timezone.utc) - datetime(1970, 1, 1, tzinfo=timezone.utc)) // timedelta(milliseconds=1)


def cassandra_config(tmp_path, data_dir, keyspace):  # noqa: F811
    """A config whose store is `keyspace` on the node (dlq ls takes a config, not --set)."""
    path = tmp_path / "cassandra.yaml"
    path.write_text(f"data_dir: {data_dir}\nstore:\n  type: cassandra\n  cassandra:\n    keyspace: {keyspace}\n"
                    f"    username: {USER}\n    password_env: {PASSWORD_ENV}\n")
    return ["-c", path]


def produce_letters(data_dir, mock, store_flags):
    """The source letters' run (windows off), then the late letters' run, each on a topic of its own."""
    kascade("run", "--source", "randomuser", "--records", API_USERS, "--data-dir", data_dir,
            "--set", f"bus.topic={SOURCE_TOPIC}", "--set", "windows.enabled=off", "--set", f"source.seed={API_SEED}",
            "--set", f"source.randomuser.url={mock}/api/", "--set", "source.randomuser.results_per_page=250",
            "--set", "source.http.backoff_initial_ms=20", "--set", "source.http.breaker_failures=1000",
            *store_flags, env=kascade_env(), timeout=600)
    kascade("run", "--data-dir", data_dir, *LATE_RUN, *store_flags, env=kascade_env(), timeout=600)


def listed(data_dir, store_flags, *classes):
    """`kascade dlq ls [--class C]... --format ndjson` (`store_flags`: a config naming the store, or none for the
    SQLite store of the data dir): one dict per letter."""
    flags = [arg for error_class in classes for arg in ("--class", error_class)]
    out = kascade("dlq", "ls", "--data-dir", data_dir, *store_flags, *flags, "--format", "ndjson",
                  env=kascade_env()).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def expected_late(event_ms):
    """{(partition, offset): (key, event time ms)} of the generator records that are late: the records in
    generator order, partitioned as kascade's producer does, one offset after the other per partition; late
    when their window ended at or before the partition's highest earlier event time minus the lateness."""
    highest, next_offset, late = [None] * PARTITIONS, [0] * PARTITIONS, {}
    for key in generator_keys(RECORDS):
        at, p = event_ms[key], partition_of(key, PARTITIONS)
        start = at - at % SIZE_MS
        if highest[p] is not None and start + SIZE_MS <= highest[p] - LATENESS_MS:
            late[(p, next_offset[p])] = (key, at)
        highest[p] = at if highest[p] is None else max(highest[p], at)
        next_offset[p] += 1
    return late


def check_listings(data_dir, store_flags, event_ms, stored, served_bad_bodies):
    """The listings against the reference; `event_ms` {user id: fetched_at ms} and `stored` {(topic, partition,
    offset): (key, value bytes, error_class, error_message)}, both as the store holds them."""
    position = lambda letter: (letter["topic"], letter["partition"], letter["offset"])  # noqa: E731

    # --class late: exactly the late records, with their event time in the reason.
    late = expected_late(event_ms)
    assert len(late) > RECORDS // 200, len(late)
    late_listed = listed(data_dir, store_flags, "late")
    assert sorted((letter["partition"], letter["offset"]) for letter in late_listed) == sorted(late)
    for letter in late_listed:
        key, at = late[(letter["partition"], letter["offset"])]
        assert letter["topic"] == LATE_TOPIC and letter["error_class"] == "late" and letter["attempts"] == 1, letter
        assert letter["error_message"] == (f"event time {at} ms: every window of '{RESULTS}' covering it had "
                                           f"closed (partition watermark passed)"), letter
        stored_key, value, error_class, _ = stored[position(letter)]
        assert (stored_key, error_class) == (key, "late")
        assert letter["bytes"] == len(value) and json.loads(value)["login"]["uuid"] == key, letter

    # --class source: one letter per bad body served, each the body of one page at its place on the topic.
    source_listed = listed(data_dir, store_flags, "source")
    assert 0 < len(source_listed) == served_bad_bodies, (len(source_listed), served_bad_bodies)
    ends = topic_end_offsets(data_dir, SOURCE_TOPIC)
    assert sum(ends.values()) == API_USERS + served_bad_bodies, ends
    assert len({position(letter) for letter in source_listed}) == len(source_listed)
    for letter in source_listed:
        assert letter["topic"] == SOURCE_TOPIC and letter["error_class"] == "source" and letter["attempts"] == 1
        assert letter["error_message"].startswith("malformed body of page "), letter
        page = letter["error_message"].split("malformed body of page ")[1].split(":")[0]
        key, value, error_class, message = stored[position(letter)]
        assert (key, error_class, message) == (f"{API_SEED}/page/{page}", "source", letter["error_message"])
        assert letter["partition"] == partition_of(key, PARTITIONS) and 0 <= letter["offset"] < ends[letter["partition"]]
        assert letter["bytes"] == len(value) > 0, letter
        try:  # not a page of users
            assert not isinstance(json.loads(value).get("results"), list), value[:200]
        except (ValueError, UnicodeDecodeError, AttributeError):
            pass

    # Neither listing holds the other's letters; all of them are in the store and in the full listing.
    everything = listed(data_dir, store_flags)
    assert {letter["error_class"] for letter in everything} == {"late", "source"}
    assert sorted(map(position, everything)) == sorted(stored)
    assert sorted(map(position, listed(data_dir, store_flags, "late", "source"))) == sorted(stored)
    assert len(everything) == len(late_listed) + len(source_listed)
    assert listed(data_dir, store_flags, "window") == [] and listed(data_dir, store_flags, "parse") == []


def test_late_and_source_letters_on_sqlite(mock_api, data_dir):
    produce_letters(data_dir, mock_api, [])
    event_ms = {user_id: iso_to_ms(at) for user_id, at in query(data_dir, "SELECT id, fetched_at FROM users")}
    assert len(event_ms) == RECORDS + API_USERS
    stored = {(topic, partition, offset): (key.decode() if isinstance(key, bytes) else key, value, error_class,
                                           message)
              for topic, partition, offset, key, value, error_class, message in query(
                  data_dir, "SELECT topic, partition, offset, key, value, error_class, error_message FROM dead_letters")}
    check_listings(data_dir, [], event_ms, stored, bad_bodies(mock_api))


def test_late_and_source_letters_on_cassandra(mock_api, data_dir, tmp_path, cassandra, keyspace):  # noqa: F811
    flags = cassandra_config(tmp_path, data_dir, keyspace)
    produce_letters(data_dir, mock_api, flags)
    event_ms = {str(row.id): to_ms(row.fetched_at)
                for row in cassandra.execute(f"SELECT id, fetched_at FROM {keyspace}.users", timeout=300)}
    assert len(event_ms) == RECORDS + API_USERS
    stored = {(r.topic, r.partition, r.offset): (r.key, bytes(r.value), r.error_class, r.error_message)
              for r in cassandra.execute(f"SELECT topic, partition, offset, key, value, error_class, error_message "
                                         f"FROM {keyspace}.dead_letters", timeout=300)}
    check_listings(data_dir, flags, event_ms, stored, bad_bodies(mock_api))
