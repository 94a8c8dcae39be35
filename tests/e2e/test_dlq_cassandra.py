"""Dead letters kept in the real Cassandra node: `kascade dlq ls` lists exactly what the independent Python
cassandra-driver reads in `<keyspace>.dead_letters`; `kascade serve` counts them in /v1/dead_letters and
/metrics; `kascade dlq replay` after a mapping was fixed moves them into the table (nothing lost, nothing
doubled), and those that still fail stay with one attempt more. Fails (never skips) when Cassandra is down."""
import calendar
import collections
import json
import os
import re
import signal
import subprocess
import time

from cassandra_support import PASSWORD_ENV, USER, cassandra, kascade_env, keyspace  # noqa: F401
from conftest import KASCADE, SOURCE_DIR, kascade, query
from test_serve_dashboard import get_json, request

RECORDS = 3000


def flagship_config(path, data_dir, keyspace=None, broken=False):
    """configs/flagship.yaml with 2% malformed records, this test's data dir and size, the Cassandra store in
    `keyspace` (SQLite when None), and, if `broken`, post codes read as text only: every numeric post code then
    fails to map (a `mapping` dead letter)."""
    text = open(os.path.join(SOURCE_DIR, "configs", "flagship.yaml")).read()
    replacements = [("data_dir: ./kascade-data\n", f"data_dir: {data_dir}\n"),
                    ("records: 100000", f"records: {RECORDS}"),
                    ("source:\n", "source:\n  malformed_ratio: 0.02\n")]
    if keyspace:
        replacements.append(("store:\n  type: sqlite\n",
                             f"store:\n  type: cassandra\n  cassandra:\n    keyspace: {keyspace}\n"
                             f"    username: {USER}\n    password_env: {PASSWORD_ENV}\n"))
    if broken:
        replacements.append(("post_code: text(/location/postcode)", "post_code: /location/postcode"))
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path.write_text(text + "\n")
    return path


def epoch_ms(moment):
    return calendar.timegm(moment.utctimetuple()) * 1000 + moment.microsecond // 1000


def letters_in_cassandra(session, keyspace):
    """(topic, partition, offset) -> (key, value, error_class, error_message, failed_at ms, attempts), by the driver."""
    rows = session.execute(f"SELECT topic, partition, offset, key, value, error_class, error_message, failed_at, "
                           f"attempts FROM {keyspace}.dead_letters")
    return {(r.topic, r.partition, r.offset): (r.key, bytes(r.value), r.error_class, r.error_message,
                                               epoch_ms(r.failed_at), r.attempts) for r in rows}


def users_in_cassandra(session, keyspace):
    return {str(r.id): r.post_code for r in session.execute(f"SELECT id, post_code FROM {keyspace}.users")}


def listed(config, *flags):
    out = kascade("dlq", "ls", "-c", config, "--format", "ndjson", *flags, env=kascade_env()).stdout
    return [json.loads(line) for line in out.splitlines()]


def replay(config):
    """`kascade dlq replay` -> (landed, refused, dropped, still failing), read from its summary line."""
    out = kascade("dlq", "replay", "-c", config, env=kascade_env()).stdout
    found = re.search(r"(\d+) landed in users, (\d+) refused by the store .*, (\d+) dropped by the pipeline's "
                      r"filters, (\d+) still failing", out)
    assert found, out
    return tuple(int(n) for n in found.groups())


def served_dead_letters(config):
    """/v1/dead_letters and the dead-letter gauges of /metrics from `kascade serve` on this config."""
    process = subprocess.Popen([KASCADE, "serve", "-c", str(config), "--port", "0"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=kascade_env())
    try:
        line = process.stdout.readline()
        assert "listening on http://127.0.0.1:" in line, (line, process.stderr.read() if process.poll() else "")
        port = int(line.split("http://127.0.0.1:")[1].split()[0])
        document = get_json(port, "/v1/dead_letters")
        status, _, metrics = request(port, "GET", "/metrics")
        assert status == 200, metrics
        return document, [m for m in metrics.splitlines() if m.startswith("kascade_dead_letters{")]
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=60)
        assert process.returncode == 0, err


def test_dead_letters_in_cassandra_are_listed_served_and_replayed(cassandra, keyspace, tmp_path):
    data_dir = tmp_path / "data"
    broken = flagship_config(tmp_path / "broken.yaml", data_dir, keyspace, broken=True)
    fixed = flagship_config(tmp_path / "fixed.yaml", data_dir, keyspace)
    kascade("run", "-c", broken, env=kascade_env(), timeout=900)

    before = letters_in_cassandra(cassandra, keyspace)
    users_before = users_in_cassandra(cassandra, keyspace)
    classes = collections.Counter(letter[2] for letter in before.values())
    assert classes["mapping"] > RECORDS // 2, classes               # numeric post codes
    truly_bad = {position for position, letter in before.items() if letter[2] != "mapping"}
    assert 0 < len(truly_bad) < 200, classes                         # the injected malformed records
    assert len(users_before) + len(before) == RECORDS
    assert all(position[0] == "users.raw" and letter[5] == 1 for position, letter in before.items())

    # `dlq ls`: every letter the driver reads, with its class, message, time, attempts and size; oldest first.
    rows = listed(broken)
    assert {(r["topic"], r["partition"], r["offset"]): (r["error_class"], r["error_message"], r["attempts"], r["bytes"])
            for r in rows} == {position: (letter[2], letter[3], letter[5], len(letter[1]))
                               for position, letter in before.items()}
    assert len(rows) == len(before)
    assert [r["failed_at"] for r in rows] == sorted(r["failed_at"] for r in rows)
    assert {r["failed_at"] for r in rows} == {time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(letter[4] // 1000))
                                              + f".{letter[4] % 1000:03d}Z" for letter in before.values()}

    # Some classes only, the newest only.
    newest_mapping = listed(broken, "--class", "mapping", "--last", 7)
    seventh = sorted((letter[4] for letter in before.values() if letter[2] == "mapping"), reverse=True)[6]
    assert len(newest_mapping) == 7 and {r["error_class"] for r in newest_mapping} == {"mapping"}
    assert all(before[(r["topic"], r["partition"], r["offset"])][4] >= seventh for r in newest_mapping)
    assert len(listed(broken, "--class", "parse", "--class", "validation")) == classes["parse"] + classes["validation"]

    # The dashboard's routes count the same letters per class; the 20 newest are listed.
    document, gauges = served_dead_letters(broken)
    assert {c["error_class"]: c["count"] for c in document["by_class"]} == dict(classes)
    assert [c["count"] for c in document["by_class"]] == sorted(classes.values(), reverse=True)
    assert len(document["recent"]) == 20
    newest = sorted(before.values(), key=lambda letter: letter[4], reverse=True)[19][4]
    for letter in document["recent"]:
        position = (letter["topic"], letter["partition"], letter["offset"])
        assert position in before and before[position][4] >= newest, letter
        assert (letter["error_class"], letter["attempts"]) == (before[position][2], 1)
    assert sorted(gauges) == sorted(f'kascade_dead_letters{{error_class="{c}"}} {n}' for c, n in classes.items())

    # Replaying with the broken mapping changes nothing but the attempts.
    assert replay(broken) == (0, 0, 0, len(before))
    again = letters_in_cassandra(cassandra, keyspace)
    assert set(again) == set(before)
    assert all(again[p][:3] == before[p][:3] and again[p][5] == 2 for p in before)
    assert users_in_cassandra(cassandra, keyspace) == users_before

    # After the fix: the mapping letters land and leave; the truly bad stay, one attempt more.
    assert replay(fixed) == (classes["mapping"], 0, 0, len(truly_bad))
    after = letters_in_cassandra(cassandra, keyspace)
    assert set(after) == truly_bad
    assert all(after[p][:3] == before[p][:3] and after[p][5] == 3 for p in truly_bad)
    users = users_in_cassandra(cassandra, keyspace)
    replayed_ids = {json.loads(before[p][1])["login"]["uuid"].lower() for p in before if p not in truly_bad}
    assert len(replayed_ids) == classes["mapping"]
    assert set(users) == set(users_before) | replayed_ids and not replayed_ids & set(users_before)
    assert len(users) + len(after) == RECORDS                        # nothing lost, nothing doubled
    assert listed(fixed) and len(listed(fixed)) == len(truly_bad)

    # The replayed rows are the fixed mapping's: the same post codes as a fresh run of the fixed pipeline.
    reference_dir = tmp_path / "reference"
    reference = flagship_config(tmp_path / "reference.yaml", reference_dir)
    kascade("run", "-c", reference)
    assert users == dict(query(reference_dir, "SELECT id, post_code FROM users"))

    # A second replay finds nothing new to land.
    assert replay(fixed) == (0, 0, 0, len(truly_bad))
    assert set(letters_in_cassandra(cassandra, keyspace)) == truly_bad


def count(session, table):
    return session.execute(f"SELECT count(*) FROM {table}").one()[0]


def test_a_replay_killed_midway_is_finished_by_the_next_one(cassandra, keyspace, tmp_path):
    """kill -9 of `kascade dlq replay` on Cassandra at three moments: rows may have landed whose letters are not
    removed yet (the replay writes the rows, then deletes the letters). Replayed again, everything ends once: each
    record a row or a dead letter, never both, never neither."""
    data_dir = tmp_path / "data"
    broken = flagship_config(tmp_path / "broken.yaml", data_dir, keyspace, broken=True)
    fixed = flagship_config(tmp_path / "fixed.yaml", data_dir, keyspace)
    kascade("run", "-c", broken, env=kascade_env(), timeout=900)
    before = letters_in_cassandra(cassandra, keyspace)
    users_before = set(users_in_cassandra(cassandra, keyspace))
    truly_bad = {position for position, letter in before.items() if letter[2] != "mapping"}
    fixed_ids = {json.loads(letter[1])["login"]["uuid"].lower(): position
                 for position, letter in before.items() if position not in truly_bad}
    assert len(fixed_ids) > RECORDS // 2

    both_at_a_kill = []
    for fraction in (0.2, 0.5, 0.8):
        target = len(users_before) + int(len(fixed_ids) * fraction)
        process = subprocess.Popen([KASCADE, "dlq", "replay", "-c", str(fixed)], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, env=kascade_env())
        while count(cassandra, f"{keyspace}.users") < target and process.poll() is None:
            time.sleep(0.005)
        assert process.poll() is None, "the replay ended before it could be killed: the test would prove nothing"
        process.kill()  # SIGKILL: no chance to finish the chunk
        process.wait()
        users = set(users_in_cassandra(cassandra, keyspace))
        letters = letters_in_cassandra(cassandra, keyspace)
        # Nothing lost at any moment: every record is a row, a dead letter, or both (landed, letter not yet removed).
        assert all(user in users or position in letters for user, position in fixed_ids.items())
        assert truly_bad <= set(letters) and users_before <= users
        both_at_a_kill.append(sum(1 for user, position in fixed_ids.items() if user in users and position in letters))
    # At least one kill came between a chunk's rows and the removal of its letters (else this proves less).
    assert any(both_at_a_kill), both_at_a_kill

    landed, refused, dropped, still_failing = replay(fixed)
    assert (refused, dropped, still_failing) == (0, 0, len(truly_bad))
    after = letters_in_cassandra(cassandra, keyspace)
    users = set(users_in_cassandra(cassandra, keyspace))
    assert set(after) == truly_bad
    assert all(after[p][:3] == before[p][:3] and after[p][5] >= 2 for p in truly_bad)
    assert users == users_before | set(fixed_ids)
    assert len(users) + len(after) == RECORDS
