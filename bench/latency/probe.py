# bench/latency/probe.py: when a record's row became readable. Cassandra: the row's WRITETIME (the
# coordinator's clock when it applied the write; kascade sends no client timestamp), checked on a sample of
# ids by a poller that reads them by key while the run goes on. SQLite: a poller on the store.
import collections
import os
import sqlite3
import threading
import time
import uuid

from producer import now_us


class CassandraProbe:
    def __init__(self, host, keyspace, table, sample_every):
        from cassandra.auth import PlainTextAuthProvider
        from cassandra.cluster import Cluster
        password = os.environ.get("KASCADE_CASSANDRA_PASSWORD", "cassandra")
        self.cluster = Cluster([host], auth_provider=PlainTextAuthProvider("cassandra", password),
                               connect_timeout=30, protocol_version=4)
        self.session = self.cluster.connect()
        self.keyspace, self.table, self.sample_every = keyspace, table, sample_every
        self.offered = 0
        self.incoming = collections.deque()
        self.pending = {}  # uid -> [produced_us, last miss sent_us]
        self.checked = []  # (produced_us, last miss sent_us, hit received_us, writetime)
        self.stopping = False
        self.thread = None
        self.lookup = None

    def wait_ready(self, deadline, alive):
        """Until the consumer has made the table (kascade makes it when it starts)."""
        while True:
            try:
                self.lookup = self.session.prepare("SELECT writetime(registered_date) FROM %s.%s WHERE id = ?" %
                                                   (self.keyspace, self.table))
                break
            except Exception:  # noqa: BLE001: no table yet
                if time.monotonic() > deadline or not alive():
                    raise RuntimeError("table %s.%s never appeared" % (self.keyspace, self.table))
                time.sleep(0.5)
        self.thread = threading.Thread(target=self._poll, daemon=True)
        self.thread.start()

    def offer(self, uid, stamp):
        if self.offered % self.sample_every == 0:
            self.incoming.append((uid, stamp))
        self.offered += 1

    def _poll(self):
        while not self.stopping or self.incoming:
            while self.incoming:
                uid, stamp = self.incoming.popleft()
                self.pending[uid] = [stamp, stamp]
            asked = []
            for uid in list(self.pending):
                asked.append((uid, now_us(), self.session.execute_async(self.lookup, (uuid.UUID(uid),))))
            for uid, sent, future in asked:
                rows = list(future.result())
                if rows:
                    produced, miss = self.pending.pop(uid)
                    self.checked.append((produced, miss, now_us(), rows[0][0]))
                else:
                    self.pending[uid][1] = sent
            time.sleep(0.001)

    def present(self, uids):
        return all(list(self.session.execute(self.lookup, (uuid.UUID(u),))) for u in uids)

    def scan(self):
        """(produced_us, readable_us) of every row."""
        rows = self.session.execute("SELECT registered_date, writetime(registered_date) FROM %s.%s" %
                                    (self.keyspace, self.table), timeout=120)
        return [(int(r[0]), r[1]) for r in rows]

    def close(self, drop=True):
        self.stopping = True
        if self.thread:
            self.thread.join(timeout=30)
        if drop:
            self.session.execute("DROP KEYSPACE IF EXISTS %s" % self.keyspace, timeout=120)
        self.cluster.shutdown()

    def cross_check(self):
        """How the sampled pollers' brackets [last miss sent, first hit received] hold the WRITETIME."""
        if not self.checked:
            return "no sampled id was polled"
        inside = sum(1 for _, miss, hit, wt in self.checked if miss - 1000 <= wt <= hit)
        after = sorted((hit - wt) / 1000 for _, _, hit, wt in self.checked)
        width = sorted((hit - miss) / 1000 for _, miss, hit, _ in self.checked)
        return ("WRITETIME inside the poller's bracket for %d of %d sampled ids; first read %.1f ms (median) after "
                "it; bracket width %.1f ms (median)" % (inside, len(self.checked), after[len(after) // 2],
                                                         width[len(width) // 2]))


class SqliteProbe:
    """Polls the store for rows past the last rowid seen; a row's readable time is the end of the poll that
    first returned it (within one poll cycle of its commit)."""

    def __init__(self, path, table):
        self.path, self.table = path, table
        self.seen = []  # (produced_us, readable_us)
        self.cycles = []
        self.stopping = False
        self.thread = None

    def wait_ready(self, deadline, alive):
        while True:
            try:
                db = sqlite3.connect("file:%s?mode=ro" % self.path, uri=True, check_same_thread=False)
                db.execute("SELECT 1 FROM %s LIMIT 1" % self.table).fetchall()
                break
            except sqlite3.Error:
                if time.monotonic() > deadline or not alive():
                    raise RuntimeError("store %s never had table %s" % (self.path, self.table))
                time.sleep(0.2)
        self.thread = threading.Thread(target=self._poll, args=(db,), daemon=True)
        self.thread.start()

    def offer(self, uid, stamp):
        pass

    def _poll(self, db):
        last = 0
        query = "SELECT rowid, registered_date FROM %s WHERE rowid > ? ORDER BY rowid" % self.table
        while not self.stopping:
            started = now_us()
            rows = db.execute(query, (last,)).fetchall()
            ended = now_us()
            self.cycles.append(ended - started)
            for rowid, produced in rows:
                self.seen.append((int(produced), ended))
                last = rowid
            time.sleep(0.001)
        db.close()

    def count(self):
        return len(self.seen)

    def scan(self):
        return list(self.seen)

    def close(self, drop=True):
        self.stopping = True
        if self.thread:
            self.thread.join(timeout=30)

    def cross_check(self):
        cycles = sorted(self.cycles) or [0]
        return "store polled every %.1f ms + the query (median query %.2f ms, p99 %.2f ms)" % (
            1.0, cycles[len(cycles) // 2] / 1000, cycles[int(len(cycles) * 0.99)] / 1000)
