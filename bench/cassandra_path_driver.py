#!/usr/bin/env python3
"""The Python cassandra-driver writing the same rows kascade landed: reads every row of KEYSPACE.users (not
measured), then inserts them into KEYSPACE.users_driver (same schema) with one prepared INSERT and
`in_flight` execute_async requests outstanding, as bench/cql_insert_driver.py does; the node's CPU (from
/proc/PID/stat of its JVM) is read just before and after the inserts. Also kascade's steady rate: its rows
over their WRITETIMEs, first to last. Prints one line of key=value.

    python3 bench/cassandra_path_driver.py KEYSPACE NODE_PID [in_flight=128]
"""
import os
import sys
import threading
import time

from cassandra import ConsistencyLevel
from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import Cluster


def node_ticks(pid):
    with open("/proc/%s/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime, after the state field


def main():
    keyspace, pid = sys.argv[1], sys.argv[2]
    in_flight = int(sys.argv[3]) if len(sys.argv) > 3 else 128
    password = os.environ.get("KASCADE_CASSANDRA_PASSWORD", "cassandra")
    cluster = Cluster(["127.0.0.1"], auth_provider=PlainTextAuthProvider("cassandra", password), connect_timeout=30)
    session = cluster.connect()
    table = cluster.metadata.keyspaces[keyspace].tables["users"]
    columns = list(table.columns)
    read = list(session.execute("SELECT %s, writetime(first_name) FROM %s.users" % (
        ", ".join('"%s"' % c for c in columns), keyspace), timeout=300))
    rows = [tuple(r)[:-1] for r in read]
    # kascade's steady rate: its rows after the first write, over the WRITETIMEs from first to last.
    written = sorted(r[-1] for r in read)
    span_rate = sum(1 for w in written if w > written[0]) / max(1e-6, (written[-1] - written[0]) / 1e6)
    session.execute(table.as_cql_query().replace('%s.users (' % keyspace, '%s.users_driver (' % keyspace, 1),
                    timeout=60)
    insert = session.prepare('INSERT INTO %s.users_driver (%s) VALUES (%s)' % (
        keyspace, ", ".join('"%s"' % c for c in columns), ", ".join("?" * len(columns))))
    insert.consistency_level = ConsistencyLevel.LOCAL_ONE
    insert.is_idempotent = True
    slots = threading.Semaphore(in_flight)
    done = threading.Event()
    state = {"left": len(rows), "failed": 0}
    lock = threading.Lock()

    def finished(ok):
        with lock:
            state["failed"] += 0 if ok else 1
            state["left"] -= 1
            if state["left"] == 0:
                done.set()
        slots.release()

    ticks = node_ticks(pid)
    started = time.monotonic()
    for row in rows:
        slots.acquire()
        session.execute_async(insert, row).add_callbacks(lambda _: finished(True), lambda _: finished(False))
    done.wait()
    seconds = time.monotonic() - started
    ticks = node_ticks(pid) - ticks
    print("rows=%d seconds=%.3f node_ticks=%d failed=%d span_rate=%.0f" % (len(rows), seconds, ticks, state["failed"],
                                                                         span_rate))
    cluster.shutdown()
    return 0 if state["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
