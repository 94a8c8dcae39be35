# bench/peers/producer.py: messages shaped as the tutorial stack's producer writes them (its Airflow task
# `format_data`: a randomuser.me result flattened into text fields, json.dumps(...).encode('utf-8'), no key)
# into a fresh Kafka topic; a few carry fields the Spark job writes as null or as text and kascade's
# seed-compat preset makes dead letters.
#   python bench/peers/producer.py --topic T --partitions P --messages N --out meta.json
import argparse
import json
import random
import time
import uuid

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

FIRST = ["Emma", "Noah", "Léa", "Jürgen", "Ørjan", "Zoë", "Илья", "Aarav", "Maëlys", "Ömer", "Ελένη", "Chloé"]
LAST = ["Smith", "Müller", "Dubois", "García", "Nørgaard", "Öztürk", "Иванов", "Sharma", "O'Brien", "Núñez"]
STREETS = ["Main Street", "Rue de la Paix", "Hauptstraße", "Calle Mayor", "Østergade", "Church Road"]
PLACES = [("Leeds", "West Yorkshire", "United Kingdom"), ("Lyon", "Rhône", "France"),
          ("Köln", "Nordrhein-Westfalen", "Germany"), ("Aarhus", "Midtjylland", "Denmark")]


def user(rng):
    """One flattened user, as format_data makes it from an API result: every field text but
    post_code, a number for most nationalities and text for some."""
    first, last = rng.choice(FIRST), rng.choice(LAST)
    city, state, country = rng.choice(PLACES)
    post_code = rng.randint(1000, 99999) if rng.random() < 0.7 else f"{rng.choice('ABCDEF')}{rng.randint(1, 99)} " \
                                                                     f"{rng.randint(1, 9)}{rng.choice('XYZ')}Q"
    return {
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "first_name": first,
        "last_name": last,
        "gender": rng.choice(["female", "male"]),
        "address": f"{rng.randint(1, 9999)} {rng.choice(STREETS)}, {city}, {state}, {country}",
        "post_code": post_code,
        "email": f"{first.lower()}.{last.lower()}@example.com",
        "username": f"{rng.choice(['happy', 'silver', 'tiny'])}{rng.choice(['cat', 'bird'])}{rng.randint(100, 999)}",
        "dob": f"19{rng.randint(50, 99)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T0{rng.randint(0, 9)}:"
               f"1{rng.randint(0, 9)}:2{rng.randint(0, 9)}.{rng.randint(0, 999):03d}Z",
        "registered_date": f"20{rng.randint(10, 22)}-1{rng.randint(0, 2)}-0{rng.randint(1, 9)}T1{rng.randint(0, 9)}:"
                           f"3{rng.randint(0, 9)}:4{rng.randint(0, 9)}.{rng.randint(0, 999):03d}Z",
        "phone": f"0{rng.randint(10, 99)}-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}",
        "picture": f"https://randomuser.me/api/portraits/med/{rng.choice(['men', 'women'])}/{rng.randint(0, 99)}.jpg",
    }


def spoiled(rng, kind):
    """A user with a valid id the Spark job still writes (a null or a JSON text in a cell) and kascade's
    preset refuses: a required field missing, or a field that is not a string."""
    record = user(rng)
    if kind == 0:
        del record["last_name"]  # Spark: null last_name
    elif kind == 1:
        record["first_name"] = 42  # Spark: "42"
    else:
        record["email"] = {"work": record["email"]}  # Spark: the object's JSON text
    return record


def messages(count, bad_every, seed):
    rng = random.Random(seed)
    out, bad = [], 0
    for index in range(count):
        if bad_every and index % bad_every == bad_every // 2:
            out.append(json.dumps(spoiled(rng, bad % 3)).encode("utf-8"))
            bad += 1
        else:
            out.append(json.dumps(user(rng)).encode("utf-8"))
    return out, bad


def reset_topic(broker, name, partitions, timeout=60):
    admin = AdminClient({"bootstrap.servers": broker})
    deadline = time.time() + timeout
    if name in admin.list_topics(timeout=10).topics:
        admin.delete_topics([name])[name].result(30)
        while name in admin.list_topics(timeout=10).topics:
            if time.time() > deadline:
                raise SystemExit(f"producer: topic {name} still there {timeout}s after its deletion")
            time.sleep(0.2)
    while True:
        try:
            admin.create_topics([NewTopic(name, partitions, 1)])[name].result(30)
            return
        except Exception as error:  # noqa: BLE001 (a deletion may still be settling)
            if time.time() > deadline or "exist" not in str(error).lower():
                raise
            time.sleep(0.5)


def delete_topic(broker, name):
    admin = AdminClient({"bootstrap.servers": broker})
    if name in admin.list_topics(timeout=10).topics:
        admin.delete_topics([name])[name].result(30)


def produce(broker, topic, values):
    """Sends every value without a key; returns the end offset of each partition."""
    producer = Producer({"bootstrap.servers": broker, "enable.idempotence": True, "linger.ms": 5})
    failures = []

    def report(error, _message):
        if error is not None:
            failures.append(error)

    for value in values:
        while True:
            try:
                producer.produce(topic, value=value, on_delivery=report)
                break
            except BufferError:
                producer.poll(0.1)
        producer.poll(0)
    if producer.flush(120) != 0 or failures:
        raise SystemExit(f"producer: {len(failures)} messages not delivered, e.g. {failures[:1]}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--broker", default="127.0.0.1:9092")
    parser.add_argument("--topic", required=True)
    parser.add_argument("--partitions", type=int, default=1)
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--bad-every", type=int, default=1000, help="one spoiled message in this many (0: none)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", required=True, help="JSON file: counts of the messages produced")
    args = parser.parse_args()
    values, bad = messages(args.messages, args.bad_every, args.seed)
    reset_topic(args.broker, args.topic, args.partitions)
    started = time.time()
    produce(args.broker, args.topic, values)
    print(f"producer: {len(values)} messages ({bad} spoiled) into {args.topic} ({args.partitions} partitions) "
          f"in {time.time() - started:.1f}s")
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump({"topic": args.topic, "partitions": args.partitions, "messages": len(values), "spoiled": bad}, out)


if __name__ == "__main__":
    main()
