# bench/latency/producer.py: steady-rate producers of seed-compat-shaped messages, each stamped with its
# produce time (µs since the epoch, as text in `registered_date`, a field configs/seed-compat.yaml keeps).
import http.client
import json
import time

TEMPLATE = ('{"id":"%s","first_name":"Ada","last_name":"Lovelace","gender":"female",'
            '"address":"12 Analytical Engine Row, London, Greater London, United Kingdom","post_code":"EC1A 1BB",'
            '"email":"ada.lovelace@example.com","username":"bluecat412","dob":"1815-12-10T00:00:00.000Z",'
            '"registered_date":"%d","phone":"(020) 7946 0000",'
            '"picture":"https://randomuser.me/api/portraits/med/women/12.jpg"}')


def now_us():
    return time.time_ns() // 1000


class Ids:
    """uuid-shaped ids from a counter (version 4, variant 8): cheap, unique per run prefix."""

    def __init__(self, prefix):
        self.prefix = prefix

    def __call__(self, i):
        return "%s-0000-4000-8000-%012x" % (self.prefix, i)


class Pace:
    """How many records are due at a steady `rate` after `elapsed` seconds, and whether the producer keeps it."""

    def __init__(self, rate, total):
        self.rate, self.total, self.start = rate, total, time.perf_counter()
        self.worst_behind = 0

    def due(self, sent):
        target = min(self.total, int(self.rate * (time.perf_counter() - self.start)) + 1)
        self.worst_behind = max(self.worst_behind, target - sent)
        return target

    def seconds(self):
        return time.perf_counter() - self.start


def produce_kafka(brokers, topic, partitions, ids, first, count, rate, on_record, linger_ms=1):
    """Produces `count` records (ids first..first+count-1) at `rate`/s (0: as fast as possible), round robin
    over the partitions; returns (seconds, worst backlog of the producer in records, last id per partition)."""
    from confluent_kafka import Producer
    producer = Producer({"bootstrap.servers": brokers, "linger.ms": linger_ms, "acks": "all",
                         "enable.idempotence": True, "compression.type": "lz4", "queue.buffering.max.messages": 1000000})
    pace = Pace(rate if rate > 0 else 1e12, count)
    last = {}
    sent = 0
    while sent < count:
        target = pace.due(sent)
        while sent < target:
            i = first + sent
            uid, stamp = ids(i), now_us()
            partition = i % partitions
            try:
                producer.produce(topic, value=(TEMPLATE % (uid, stamp)).encode(), key=uid.encode(), partition=partition)
            except BufferError:
                producer.poll(0.001)
                continue
            on_record(uid, stamp)
            last[partition] = uid
            sent += 1
            if sent % 512 == 0:
                producer.poll(0)
        if sent < count:
            producer.poll(0)
            time.sleep(0.0005)
    if producer.flush(60) != 0:
        raise RuntimeError("kafka producer: records still unsent after 60 s")
    return pace.seconds(), pace.worst_behind, list(last.values())


def push_http(port, topic, ids, first, count, rate, on_record, max_per_request=5000):
    """Pushes `count` records to `kascade serve` on loopback at `rate`/s (0: as fast as possible), NDJSON,
    each request holding the records due; returns (seconds, worst backlog, [last id])."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    path = "/v1/topics/%s/records" % topic
    pace = Pace(rate if rate > 0 else 1e12, count)
    sent = 0
    uid = None
    while sent < count:
        target = min(pace.due(sent), sent + max_per_request)
        if target <= sent:
            time.sleep(0.0005)
            continue
        lines = []
        for i in range(first + sent, first + target):
            uid, stamp = ids(i), now_us()
            lines.append(TEMPLATE % (uid, stamp))
            on_record(uid, stamp)
        conn.request("POST", path, body=("\n".join(lines) + "\n").encode(),
                     headers={"Content-Type": "application/x-ndjson"})
        response = conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError("push: HTTP %d %s" % (response.status, body[:200]))
        accepted = json.loads(body)["accepted"]
        if accepted != target - sent:
            raise RuntimeError("push: %d accepted of %d" % (accepted, target - sent))
        sent = target
    conn.close()
    return pace.seconds(), pace.worst_behind, [uid]
