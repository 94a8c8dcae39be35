"""A source's position is kept per source name and topic, on the embedded bus and on Kafka;
`kascade sources ls` lists positions and `kascade sources reset` moves them."""
import json

from confluent_kafka import Producer

from conftest import kascade
from kafka_support import BROKER, require_broker, unique


def ingested(result):
    """The record count of a run's summary line."""
    assert result.returncode == 0, result.stderr
    return int(result.stdout.split("ingested ")[1].split(" ")[0].replace(",", ""))


def positions(*args):
    out = kascade("sources", "ls", "--format", "ndjson", *args).stdout
    return [json.loads(line) for line in out.splitlines()]


class Bus:
    """`kascade` with one data dir and the --set flags of one bus."""

    def __init__(self, data_dir, *sets):
        self.data_dir = data_dir
        self.sets = [arg for s in sets for arg in ("--set", s)]

    def run(self, topic, records, *extra):
        return kascade("run", "--records", records, "--data-dir", self.data_dir, *self.sets,
                       "--set", f"bus.topic={topic}", *extra, check=False, timeout=300)

    def ls(self):
        return positions("--data-dir", self.data_dir, *self.sets)

    def reset(self, *args):
        return kascade("sources", "reset", *args, "--data-dir", self.data_dir, *self.sets)


def check_positions_per_topic(bus, first, second, name):
    source = ("--set", f"source.name={name}")
    assert ingested(bus.run(first, 300, *source)) == 300
    assert ingested(bus.run(second, 300, *source)) == 300, "the position of another topic was used"

    mine = [(p["source"], p["topic"], p["position"]) for p in bus.ls() if p["source"] == name]
    assert sorted(mine) == sorted([(name, first, "300"), (name, second, "300")]), mine
    assert all(p["updated_at"] for p in bus.ls() if p["source"] == name)

    # Done: the summary says why nothing was ingested, and names the position.
    done = bus.run(first, 300, *source)
    assert ingested(done) == 0
    assert f"source '{name}' had nothing more: its position on topic '{first}' is '300'" in done.stdout, done.stdout

    # Reset to a position, then to the start: the source refetches from there.
    reset = bus.reset(name, "--topic", first, "--to", "120")
    assert "'300' -> '120'" in reset.stdout, reset.stdout
    assert ingested(bus.run(first, 300, *source)) == 180
    bus.reset(name, "--topic", first)
    assert [p for p in bus.ls() if p["source"] == name and p["topic"] == first] == []
    assert ingested(bus.run(first, 300, *source)) == 300
    # The other topic's position never moved.
    assert [p["position"] for p in bus.ls() if p["source"] == name and p["topic"] == second] == ["300"]


def test_embedded_positions_per_topic(tmp_path):
    check_positions_per_topic(Bus(tmp_path / "data"), "first.raw", "second.raw", "gen")


def test_embedded_reset_of_the_default_topic(tmp_path):
    bus = Bus(tmp_path / "data")
    assert ingested(bus.run("users.raw", 50)) == 50
    bus.reset("generator")  # default topic: bus.topic
    assert [p for p in bus.ls() if p["source"] == "generator"] == []
    assert ingested(bus.run("users.raw", 50)) == 50


def test_kafka_positions_per_topic(tmp_path):
    require_broker()
    name = unique("pos-source")
    bus = Bus(tmp_path / "data", "bus.type=kafka", f"bus.kafka.brokers={BROKER}", "bus.partitions=2",
              f"processor.group={unique('pos-group')}")
    check_positions_per_topic(bus, unique("pos-a.raw"), unique("pos-b.raw"), name)


def test_kafka_checkpoint_keyed_by_name_alone_is_listed_not_resumed(tmp_path):
    require_broker()
    name = unique("legacy-source")
    producer = Producer({"bootstrap.servers": BROKER})
    producer.produce("__kascade_checkpoints", key=name.encode(), value=b"250")
    assert producer.flush(30) == 0
    bus = Bus(tmp_path / "data", "bus.type=kafka", f"bus.kafka.brokers={BROKER}", "bus.partitions=2",
              f"processor.group={unique('legacy-group')}")
    legacy = [p for p in bus.ls() if p["source"] == name]
    assert legacy == [{"source": name, "topic": None, "position": "250", "updated_at": legacy[0]["updated_at"]}]
    # It cannot say which topic it was written for: a new topic starts from the beginning.
    assert ingested(bus.run(unique("legacy.raw"), 300, "--set", f"source.name={name}")) == 300
