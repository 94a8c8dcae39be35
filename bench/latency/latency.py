#!/usr/bin/env python3
# bench/latency/latency.py: end-to-end latency, from a record's produce to its row being readable, at fractions
# of the pipeline's maximum sustained rate. See bench/latency/README.md; run through bench/latency/run.sh.
import argparse
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time

from probe import CassandraProbe, SqliteProbe
from producer import Ids, produce_kafka, push_http

# LATENCY_BROKERS / LATENCY_CASSANDRA_HOST: another broker and node (e.g. a private pair, scripts/services'
# KASCADE_SERVICES_HOST), so that no other client shares them.
BROKERS = os.environ.get("LATENCY_BROKERS", "127.0.0.1:9092")
CASSANDRA_HOST = os.environ.get("LATENCY_CASSANDRA_HOST", "127.0.0.1")
TABLE = "created_users"  # configs/seed-compat.yaml's table
KASCADE_KAFKA = ("{kascade} process -c {source_dir}/configs/seed-compat.yaml --data-dir {workdir} "
                 "--set bus.type=kafka --set bus.kafka.brokers={brokers} --set bus.topic={topic} "
                 "--set processor.group={group} --set store.type=cassandra --set store.cassandra.hosts={cassandra_host} "
                 "--set store.cassandra.keyspace={keyspace} "
                 "--set store.cassandra.username=cassandra --set store.cassandra.password_env=KASCADE_CASSANDRA_PASSWORD")
KASCADE_EMBEDDED = ("{kascade} process -c {source_dir}/configs/seed-compat.yaml --data-dir {workdir} "
                    "--set bus.topic={topic} --set processor.group={group}")
SERVE = ("{kascade} serve -c {source_dir}/configs/seed-compat.yaml --data-dir {workdir} --port {port} "
         "--set bus.topic={topic} --set serve.key_pointer=/id")


def percentile(sorted_values, q):
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Run:
    """One pipeline on fresh names: topic, group, keyspace and data dir of its own."""

    def __init__(self, args, label):
        self.args, self.label = args, label
        rid = secrets.token_hex(4)
        self.ids = Ids(rid)
        self.names = {"topic": "lat-%s" % rid, "group": "lat-%s" % rid, "keyspace": "kascade_lat_%s" % rid,
                      "table": TABLE, "brokers": BROKERS, "cassandra_host": CASSANDRA_HOST, "kascade": args.kascade, "source_dir": args.source_dir,
                      "workdir": os.path.join(args.out_dir, "run-%s-%s" % (label, rid)), "port": free_port()}
        os.makedirs(self.names["workdir"])
        self.processes = []
        self.extra = "".join(" --set %s" % s for s in args.set)
        if args.bus == "kafka":
            self.probe = CassandraProbe(CASSANDRA_HOST, self.names["keyspace"], TABLE, args.sample_every)
            from confluent_kafka.admin import AdminClient, NewTopic
            self.admin = AdminClient({"bootstrap.servers": BROKERS})
            self.admin.create_topics([NewTopic(self.names["topic"], args.partitions, 1)])[self.names["topic"]].result()
        else:
            self.probe = SqliteProbe(os.path.join(self.names["workdir"], "store.db"), TABLE)
            self.start("serve", SERVE)
            self.wait_serving()

    def start(self, name, template):
        command = template.format(**self.names) + (self.extra if template in (KASCADE_KAFKA, KASCADE_EMBEDDED) else "")
        log = open(os.path.join(self.names["workdir"], name + ".log"), "w")
        self.processes.append(subprocess.Popen(command, shell=True, stdout=log, stderr=subprocess.STDOUT,
                                               start_new_session=True))

    def start_consumer(self):
        default = KASCADE_KAFKA if self.args.bus == "kafka" else KASCADE_EMBEDDED
        self.start("consumer", self.args.consumer or default)
        self.probe.wait_ready(time.monotonic() + 180, lambda: all(p.poll() is None for p in self.processes))

    def wait_serving(self):
        deadline = time.monotonic() + 60
        while socket.socket().connect_ex(("127.0.0.1", self.names["port"])) != 0:
            if time.monotonic() > deadline or self.processes[-1].poll() is not None:
                raise RuntimeError("kascade serve did not start; see %s" % self.names["workdir"])
            time.sleep(0.1)

    def produce(self, first, count, rate):
        if self.args.bus == "kafka":
            return produce_kafka(BROKERS, self.names["topic"], self.args.partitions, self.ids, first, count, rate,
                                 self.probe.offer)
        return push_http(self.names["port"], self.names["topic"], self.ids, first, count, rate, self.probe.offer)

    def wait_landed(self, last_ids, total):
        """Every partition's last record readable, then every row; (produced_us, readable_us) of all rows."""
        deadline = time.monotonic() + self.args.timeout
        if self.args.bus == "kafka":
            while not self.probe.present(last_ids):
                self.check_alive(deadline)
                time.sleep(0.2)
        while True:
            if self.args.bus == "embedded" and self.probe.count() < total:
                self.check_alive(deadline)
                time.sleep(0.2)
                continue
            rows = self.probe.scan()
            if len(rows) >= total:
                return rows
            self.check_alive(deadline)
            time.sleep(1)

    def check_alive(self, deadline):
        for p in self.processes:
            if p.poll() is not None:
                raise RuntimeError("a process of the pipeline ended (exit %s); see %s" % (p.returncode,
                                                                                        self.names["workdir"]))
        if time.monotonic() > deadline:
            raise RuntimeError("rows did not all land within %d s; see %s" % (self.args.timeout,
                                                                              self.names["workdir"]))

    def close(self):
        for p in reversed(self.processes):
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
                try:
                    p.wait(60)
                except subprocess.TimeoutExpired:
                    os.killpg(p.pid, signal.SIGKILL)
                    p.wait()
        check = self.probe.cross_check()
        self.probe.close(drop=not self.args.keep)
        if self.args.bus == "kafka" and not self.args.keep:
            self.admin.delete_topics([self.names["topic"]])
        return check


def drain_rate(args):
    """Records/s the pipeline lands from a backlog: first row readable to last."""
    run = Run(args, "drain")
    try:
        if args.bus == "embedded":
            _, _, last = run.produce(0, args.backlog, 0)
            run.start_consumer()
        else:
            run.start_consumer()  # joined, then the backlog: the group's join is not in the span
            _, _, last = run.produce(0, args.backlog, 0)
        rows = run.wait_landed(last, args.backlog)
    finally:
        check = run.close()
    # The rows after the first write landed between it and the last: those over that span.
    readable = sorted(r for _, r in rows)
    span = (readable[-1] - readable[0]) / 1e6
    after_first = sum(1 for r in readable if r > readable[0])
    if after_first < args.backlog // 2:
        raise RuntimeError("drain: the backlog landed in too few writes to time; raise --backlog")
    rate = after_first / span
    print("drain: %d records landed in %.2f s (first row to last): %.0f records/s; %s" % (
        args.backlog, span, rate, check), flush=True)
    return rate


def steady(args, rate, label):
    """A run at `rate` records/s: warm-up (not counted), then `seconds` measured."""
    run = Run(args, label)
    warm, measured = int(rate * args.warmup), int(rate * args.seconds)
    try:
        run.start_consumer()
        seconds, behind, last = run.produce(0, warm + measured, rate)
        rows = run.wait_landed(last, warm + measured)
    finally:
        check = run.close()
    rows.sort()
    kept = rows[warm:]
    latencies = sorted((r - p) / 1000 for p, r in kept)
    quarter = max(1, len(kept) // 4)
    first = sorted((r - p) / 1000 for p, r in kept[:quarter])
    last_q = sorted((r - p) / 1000 for p, r in kept[-quarter:])
    growth = percentile(last_q, 0.5) - percentile(first, 0.5)
    result = {"label": label, "rate": rate, "achieved": (warm + measured) / seconds, "producer_behind": behind,
              "records": len(kept), "p50": percentile(latencies, 0.5), "p99": percentile(latencies, 0.99),
              "p999": percentile(latencies, 0.999), "max": latencies[-1], "growth_ms": growth,
              "flat": growth < max(50.0, 0.5 * percentile(first, 0.5)), "check": check}
    # A producer that could not hold the rate measured less than asked: not a run at this rate.
    result["producer_limited"] = result["achieved"] < 0.97 * rate
    with open(os.path.join(args.out_dir, "latency-%s.csv" % label), "w") as out:
        out.write("latency_ms\n")
        out.writelines("%.3f\n" % v for v in latencies)
    print("%-8s %9.0f/s (sent %9.0f/s) p50 %8.1f ms  p99 %8.1f ms  p99.9 %8.1f ms  max %8.1f ms  %s; %s" % (
        label, rate, result["achieved"], result["p50"], result["p99"], result["p999"], result["max"],
        "flat" if result["flat"] else "GROWING by %.0f ms" % growth, check), flush=True)
    if result["producer_limited"]:
        print("         the producer did not hold %.0f/s: the figures are those of %.0f/s" % (rate, result["achieved"]))
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bus", choices=["kafka", "embedded"], default="kafka")
    parser.add_argument("--kascade", default="build/release/kascade")
    parser.add_argument("--source-dir", default=".")
    parser.add_argument("--consumer", default="", help="consumer command template (see README)")
    parser.add_argument("--max-rate", type=float, default=0, help="skip the search: this is the maximum")
    parser.add_argument("--levels", default="0.1,0.5,0.9")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument("--backlog", type=int, default=200000)
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--sample-every", type=int, default=200)
    parser.add_argument("--timeout", type=int, default=600)
    parser.add_argument("--search-steps", type=int, default=4)
    parser.add_argument("--set", action="append", default=[], help="path=value for kascade's default consumer")
    parser.add_argument("--out-dir", default=".cache/latency")
    parser.add_argument("--keep", action="store_true", help="keep topics and keyspaces")
    args = parser.parse_args()
    os.environ.setdefault("KASCADE_CASSANDRA_PASSWORD", "cassandra")
    args.kascade, args.source_dir = os.path.abspath(args.kascade), os.path.abspath(args.source_dir)
    args.out_dir = os.path.abspath(args.out_dir)
    os.makedirs(args.out_dir, exist_ok=True)

    maximum = args.max_rate
    if maximum <= 0:
        candidate = drain_rate(args)
        for step in range(args.search_steps):
            result = steady(args, candidate, "max%d" % step)
            if result["flat"] and not result["producer_limited"]:
                break
            candidate = min(candidate * 0.85, result["achieved"] * 0.95)
        maximum = candidate
    print("maximum sustained rate: %.0f records/s" % maximum, flush=True)
    results = [steady(args, float(level) * maximum, "%d%%" % round(float(level) * 100))
               for level in args.levels.split(",")]
    with open(os.path.join(args.out_dir, "summary.json"), "w") as out:
        json.dump({"bus": args.bus, "consumer": args.consumer or "kascade", "max_rate": maximum,
                   "levels": results}, out, indent=1)
    print("\n%-6s %12s %10s %10s %10s" % ("level", "records/s", "p50 ms", "p99 ms", "p99.9 ms"))
    for r in results:
        print("%-6s %12.0f %10.1f %10.1f %10.1f" % (r["label"], r["rate"], r["p50"], r["p99"], r["p999"]))
    return 0 if all(r["flat"] and not r["producer_limited"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
