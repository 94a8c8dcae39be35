#!/usr/bin/env python3
"""The Python cassandra-driver's side of bench/cql_insert_bench: the same rows,
the same prepared INSERT, `in_flight` execute_async requests outstanding.

    python3 bench/cql_insert_driver.py [rows=50000] [in_flight=128]
"""
import os
import sys
import threading
import time
import uuid

from cassandra import ConsistencyLevel
from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import Cluster


def main():
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    in_flight = int(sys.argv[2]) if len(sys.argv) > 2 else 128
    password = os.environ.get("KASCADE_CASSANDRA_PASSWORD", "cassandra")
    cluster = Cluster(["127.0.0.1"], auth_provider=PlainTextAuthProvider("cassandra", password))
    session = cluster.connect()
    session.execute("CREATE KEYSPACE IF NOT EXISTS kascade_bench WITH replication = "
                    "{'class': 'SimpleStrategy', 'replication_factor': 1}")
    session.execute("DROP TABLE IF EXISTS kascade_bench.driver_rows", timeout=60)
    session.execute("CREATE TABLE kascade_bench.driver_rows (id uuid PRIMARY KEY, name text, age int, "
                    "score double, seen_at timestamp)", timeout=60)
    insert = session.prepare("INSERT INTO kascade_bench.driver_rows (id, name, age, score, seen_at) "
                             "VALUES (?, ?, ?, ?, ?)")
    insert.consistency_level = ConsistencyLevel.LOCAL_ONE
    insert.is_idempotent = True

    slots = threading.Semaphore(in_flight)
    latencies = [0.0] * rows
    failures = [0]
    done = threading.Event()
    remaining = [rows]
    lock = threading.Lock()

    def finished(i, sent, ok):
        latencies[i] = time.perf_counter() - sent
        with lock:
            if not ok:
                failures[0] += 1
            remaining[0] -= 1
            if remaining[0] == 0:
                done.set()
        slots.release()

    started = time.perf_counter()
    for i in range(rows):
        slots.acquire()
        sent = time.perf_counter()
        future = session.execute_async(insert, (uuid.uuid4(), "a user name of ordinary length", i % 90, i * 7.0,
                                                1700000000000 + i))
        future.add_callbacks(lambda _, i=i, sent=sent: finished(i, sent, True),
                             lambda _, i=i, sent=sent: finished(i, sent, False))
    done.wait()
    seconds = time.perf_counter() - started
    latencies.sort()
    p50, p99 = latencies[int(0.5 * (rows - 1))] * 1000, latencies[int(0.99 * (rows - 1))] * 1000
    print(f"python cassandra-driver: {rows} rows in {seconds:.2f} s = {rows / seconds:.0f} rows/s, "
          f"{in_flight} in flight, p50 {p50:.2f} ms, p99 {p99:.2f} ms, {failures[0]} failed")
    cluster.shutdown()
    return 0 if failures[0] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
