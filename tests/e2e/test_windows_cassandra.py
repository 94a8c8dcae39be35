"""Windowed analytics on the distributed mode: generator records with out-of-order and late event
times through the real Kafka broker into the real Cassandra node. The results table, read with the
Python cassandra-driver, equals the reference recomputed here for every window and country — after
a clean run, and after kill -9 of the processor at random moments and restarts (window state and
consumer offsets are committed together in one single-partition conditional batch). A second
processor instance for the same aggregation is refused while the first one runs."""
import random
import signal
import subprocess
import time
from datetime import datetime, timedelta, timezone

from cassandra_support import cassandra, cassandra_store_flags, kascade_env, keyspace  # noqa: F401
from conftest import KASCADE
from kafka_support import KafkaPipeline, require_broker
from windows_reference import assert_stored_equal_reference, generator_keys, reference_from_users

RECORDS = 200_000
SIZE_MS = 1000
LATENESS_MS = 300
TABLE = "users_per_country_minute"
SKEW = ["--set", "source.event_time_jitter_ms=1500", "--set", "source.late_ratio=0.01",
        "--set", "source.late_by_ms=20000"]
WINDOWS = ["--set", "windows.enabled=on", "--set", f"windows.size_ms={SIZE_MS}",
           "--set", f"windows.allowed_lateness_ms={LATENESS_MS}"]
# A killed member's partitions move once its session expires: keep that short (the broker's minimum).
KAFKA = {"session_timeout_ms": 6000}


def to_ms(value):
    """A driver timestamp (naive UTC datetime) in ms since the epoch."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return (value - datetime(1970, 1, 1, tzinfo=timezone.utc)) // timedelta(milliseconds=1)


class Setup:
    def __init__(self, tmp_path, keyspace, *extra_flags):
        require_broker()
        self.pipeline = KafkaPipeline(tmp_path, partitions=4, kafka=KAFKA, name="kwc")
        self.keyspace = keyspace
        self.flags = [*cassandra_store_flags(keyspace), *SKEW, *WINDOWS, *extra_flags]

    def args(self, command, *extra):
        return [KASCADE, command, "-c", str(self.pipeline.config), *self.flags, *map(str, extra)]

    def run(self, command, *extra, timeout=900):
        result = subprocess.run(self.args(command, *extra), capture_output=True, text=True, timeout=timeout,
                                env=kascade_env())
        assert result.returncode == 0, f"kascade {command} exited {result.returncode}:\n{result.stderr[-3000:]}"
        return result

    def start_processor(self):
        return subprocess.Popen(self.args("process"), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                env=kascade_env())

    def committed(self, session):
        """Sum of the offsets stored with the window state (0 before the first commit)."""
        try:
            rows = session.execute(
                f"SELECT next_offset FROM {self.keyspace}.window_state WHERE consumer_group = %s AND topic = %s "
                f"AND aggregation = %s AND kind = 0", (self.pipeline.group, self.pipeline.topic, TABLE))
            return sum(row.next_offset for row in rows)
        except Exception:  # noqa: BLE001 (the table does not exist yet)
            return 0

    def wait_committed(self, session, process, total, timeout=900):
        deadline = time.time() + timeout
        while self.committed(session) < total:
            assert process.poll() is None, f"the processor exited {process.returncode}:\n{process.stderr.read()[-3000:]}"
            assert time.time() < deadline, f"only {self.committed(session)} of {total} records committed"
            time.sleep(0.2)

    def stop(self, process):
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=120)
        assert process.returncode == 128 + signal.SIGTERM, err[-3000:]
        return err

    def assert_exact(self, session):
        keys = generator_keys(RECORDS)
        users = {str(row.id): (row.country, row.gender, row.age, to_ms(row.fetched_at))
                 for row in session.execute(f"SELECT id, country, gender, age, fetched_at FROM {self.keyspace}.users",
                                            timeout=300)}
        assert len(users) == RECORDS, len(users)
        expected, late = reference_from_users(keys, users, SIZE_MS, LATENESS_MS)
        stored = {}
        for r in session.execute(f"SELECT country, window_start, window_end, users, female, male, avg_age, closed "
                                 f"FROM {self.keyspace}.{TABLE}", timeout=300):
            start = to_ms(r.window_start)
            stored[(r.country, start)] = (r.country, start, to_ms(r.window_end), r.users, r.female, r.male,
                                          r.avg_age, r.closed)
        stored_late = sum(row.late_records for row in session.execute(
            f"SELECT id, late_records FROM {self.keyspace}.window_state WHERE consumer_group = %s AND topic = %s "
            f"AND aggregation = %s AND kind = 1", (self.pipeline.group, self.pipeline.topic, TABLE)) if row.id >= 0)
        assert_stored_equal_reference(expected, late, stored, stored_late, SIZE_MS)
        # The input really was out of order and late, and windows closed as the watermark passed.
        assert late > RECORDS // 200, late
        assert len(expected) > 50, len(expected)
        closed = sum(1 for row in stored.values() if row[7] == 1)
        assert closed > len(stored) // 2, (closed, len(stored))
        # Closed windows leave no state behind: what remains is the windows still open at the end.
        open_states = {row.id for row in session.execute(
            f"SELECT id FROM {self.keyspace}.window_state WHERE consumer_group = %s AND topic = %s "
            f"AND aggregation = %s AND kind = 2", (self.pipeline.group, self.pipeline.topic, TABLE))}
        assert open_states == {start for (_, start), row in stored.items() if row[7] == 0}
        return expected, late


def test_window_results_on_kafka_and_cassandra_equal_the_reference(cassandra, keyspace, tmp_path):
    setup = Setup(tmp_path, keyspace)
    setup.run("ingest", "--records", RECORDS)
    processor = setup.start_processor()
    try:
        setup.wait_committed(cassandra, processor, RECORDS)
        # A second instance of the same aggregation is refused while the first one runs (it renews its lease).
        started = time.time()
        second = subprocess.run(setup.args("process"), capture_output=True, text=True, timeout=180, env=kascade_env())
        assert second.returncode == 1, (second.returncode, second.stderr[-3000:])
        assert "only one processor instance" in second.stderr, second.stderr[-3000:]
        assert time.time() - started >= 25  # it waited for the lease to lapse first
    finally:
        if processor.poll() is None:
            setup.stop(processor)
    assert processor.returncode == 128 + signal.SIGTERM  # stopped before any goal (it has none)
    setup.assert_exact(cassandra)


def test_kill_9_at_random_moments_then_window_results_are_still_exact(cassandra, keyspace, tmp_path):
    # With early updates: provisional results of open windows go out with most batches, and a killed
    # processor's replay writes them again; the final results must not be disturbed by them.
    setup = Setup(tmp_path, keyspace, "--set", "windows.early_updates_ms=50")
    setup.run("ingest", "--records", RECORDS)
    rng = random.Random(20261121)
    targets = sorted(rng.sample(range(5_000, RECORDS - 20_000), 6))
    progress = []
    for target in targets:
        process = setup.start_processor()
        while setup.committed(cassandra) < target and process.poll() is None:
            time.sleep(0.01)
        time.sleep(rng.uniform(0, 0.05))
        assert process.poll() is None, f"the processor exited {process.returncode}: {process.stderr.read()[-3000:]}"
        process.kill()  # SIGKILL: no chance to flush or commit anything
        process.wait()
        progress.append(setup.committed(cassandra))
    assert progress == sorted(progress) and progress[-1] < RECORDS, progress
    assert len(set(progress)) >= 4, progress

    processor = setup.start_processor()
    try:
        setup.wait_committed(cassandra, processor, RECORDS)
    finally:
        if processor.poll() is None:
            setup.stop(processor)
    assert processor.returncode == 128 + signal.SIGTERM  # stopped before any goal (it has none)
    setup.assert_exact(cassandra)
