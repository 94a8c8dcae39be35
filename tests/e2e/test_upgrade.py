"""tests/e2e/test_upgrade.py: a data dir written by the previous release is read and stamped; a newer one is refused.

tests/fixtures/datadir-v0.tar.gz was written by kascade 0.1.0 before files carried a format
version (tests/fixtures/README.md says how): 120 users, a topic of 2 partitions, one scheduled run.
"""
import hashlib
import time
import sqlite3
import tarfile
from pathlib import Path

import pytest

from conftest import SOURCE_DIR, kascade

FIXTURE = Path(SOURCE_DIR) / "tests" / "fixtures" / "datadir-v0.tar.gz"
FILES = {"topic": "log/users.raw.db", "store": "store.db", "jobs": "jobs.db"}
WHAT = {"topic": "embedded log topic", "store": "store", "jobs": "job history"}


@pytest.fixture
def old_dir(tmp_path):
    with tarfile.open(FIXTURE) as tar:
        tar.extractall(tmp_path, filter="data")
    return tmp_path / "datadir"


def user_version(path):
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return db.execute("PRAGMA user_version").fetchone()[0]


def rows(path, sql):
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return db.execute(sql).fetchall()


def stamp(path, version):
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version={version}")
    db.close()


def digest(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_previous_release_data_dir_is_read_and_stamped(old_dir):
    for name in FILES.values():
        assert user_version(old_dir / name) == 0, name
    users_before = rows(old_dir / "store.db", "SELECT * FROM users ORDER BY id")
    window_sql = ("SELECT country, window_start, window_end, users, female, male, avg_age FROM "
                  "users_per_country_minute WHERE closed = {} ORDER BY 1, 2")
    windows_before = rows(old_dir / "store.db", window_sql.format(0))
    assert windows_before and not rows(old_dir / "store.db", window_sql.format(1))
    assert len(users_before) == 120

    # kascade query reads the same rows as SQLite itself.
    out = kascade("query", "--data-dir", old_dir, "--format", "csv",
                  "SELECT id, email, age FROM users ORDER BY id").stdout.splitlines()
    expected = rows(old_dir / "store.db", "SELECT id, email, age FROM users ORDER BY id")
    assert out[1:] == [f"{i},{e},{a}" for i, e, a in expected]

    # The source resumes from the old topic's checkpoint: 30 more, none twice, old rows untouched.
    run = kascade("run", "--data-dir", old_dir, "--records", 150, "--set", "bus.partitions=2")
    assert "ingested 30 records" in run.stdout, run.stdout
    users_after = rows(old_dir / "store.db", "SELECT * FROM users ORDER BY id")
    assert len(users_after) == 150
    assert set(users_before) <= set(users_after)
    # The old open windows were read back from their state and closed with the counts they had.
    assert set(windows_before) <= set(rows(old_dir / "store.db", window_sql.format(1)))
    assert user_version(old_dir / FILES["topic"]) == 1
    assert user_version(old_dir / FILES["store"]) == 1

    # The scheduler appends to the old history and stamps it.
    kascade("schedule", "--data-dir", old_dir, "--records", 10, "--every", "1s", "--runs", 1,
            "--set", "bus.partitions=2")
    assert user_version(old_dir / FILES["jobs"]) == 1
    assert [r[0] for r in rows(old_dir / "jobs.db", "SELECT run FROM job_runs ORDER BY id")] == [1, 2]


@pytest.mark.parametrize("which, args", [
    ("topic", ["run", "--records", 150, "--set", "bus.partitions=2"]),
    ("store", ["process", "--duration", "30s"]),
    ("jobs", ["jobs", "ls"]),
    ("jobs", ["schedule", "--records", 10, "--every", "1s", "--runs", 1, "--set", "bus.partitions=2"]),
])
def test_data_dir_from_a_newer_release_is_refused_untouched(old_dir, which, args):
    path = old_dir / FILES[which]
    stamp(path, 999)
    before = {name: digest(old_dir / name) for name in FILES.values()}
    result = kascade(*args, "--data-dir", old_dir, check=False, timeout=120)
    assert result.returncode == 1, result.stdout + result.stderr
    message = result.stderr
    assert f"{WHAT[which]} {path} has format version 999" in message, message
    assert "supports (1)" in message and "upgrade kascade" in message, message
    assert digest(path) == before[FILES[which]]
    if which == "topic":  # the first file opened: nothing else was written either
        assert {name: digest(old_dir / name) for name in FILES.values()} == before
    assert user_version(path) == 999



def test_kafka_checkpoints_carry_a_format_and_a_newer_one_is_refused(tmp_path):
    from confluent_kafka import Consumer, Producer, TopicPartition

    from kafka_support import BROKER, KafkaPipeline, end_offsets, require_broker

    require_broker()
    pipeline = KafkaPipeline(tmp_path, partitions=1, name="upgrade")
    key = f"{pipeline.topic}/{pipeline.source}"
    producer = Producer({"bootstrap.servers": BROKER})

    def put_checkpoint(value, headers):
        producer.produce("__kascade_checkpoints", key=key, value=value, headers=headers)
        assert producer.flush(60) == 0

    def last_checkpoint_headers():
        consumer = Consumer({"bootstrap.servers": BROKER, "group.id": pipeline.group + "-check",
                             "enable.auto.commit": False})
        try:
            low, high = consumer.get_watermark_offsets(TopicPartition("__kascade_checkpoints", 0), timeout=30)
            consumer.assign([TopicPartition("__kascade_checkpoints", 0, max(low, high - 5000))])
            found, deadline = None, time.time() + 60
            while time.time() < deadline:
                message = consumer.poll(1)
                if message is None or message.error():
                    continue
                if message.key() == key.encode():
                    found = message
                if message.offset() >= high - 1:
                    return dict(found.headers() or []) if found else None
            raise AssertionError("the checkpoint topic was not read to its end in time")
        finally:
            consumer.close()

    try:
        pipeline.run("ingest", "--records", 20)
        assert last_checkpoint_headers() == {"kascade.format": b"1"}

        # A checkpoint as the previous release wrote it (no header): read as format 1.
        put_checkpoint(b"50", None)
        assert "ingested 10 records" in pipeline.run("ingest", "--records", 60).stdout
        before = end_offsets(pipeline.topic)

        # A checkpoint from a newer release: refused, nothing produced.
        put_checkpoint(b"70", [("kascade.format", b"999")])
        refused = pipeline.run("ingest", "--records", 100, check=False, timeout=300)
        assert refused.returncode == 1, refused.stdout + refused.stderr
        assert f"the checkpoint '{key}' in topic __kascade_checkpoints has format version 999" in refused.stderr
        assert "supports (1)" in refused.stderr and "upgrade kascade" in refused.stderr, refused.stderr
        assert end_offsets(pipeline.topic) == before
    finally:
        put_checkpoint(None, [("kascade.format", b"1")])  # a readable tombstone: the key is gone
