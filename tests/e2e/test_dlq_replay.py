"""Dead letters of a broken mapping, replayed after the fix: they land, and leave the dead letters; nothing lost or doubled.
A replayed row the store refuses for good (a constraint of the user's table) stays a dead letter, of class `sink`."""
import json
import os
import sqlite3

from conftest import SOURCE_DIR, kascade, query

RECORDS = 3000


def flagship_with(data_dir, old, new):
    """configs/flagship.yaml with one mapping line changed, and this test's data dir and size."""
    text = open(os.path.join(SOURCE_DIR, "configs", "flagship.yaml")).read()
    assert text.count(old) == 1, old
    text = text.replace(old, new).replace("data_dir: ./kascade-data\n", f"data_dir: {data_dir}\n")
    text = text.replace("records: 100000", f"records: {RECORDS}")
    return text + "\n"


def run_with_broken_mapping(tmp_path):
    """`kascade run` of the flagship with 2% malformed records and a broken mapping: post codes read as text
    only, so every numeric post code fails (a `mapping` dead letter). Returns the data dir and both configs."""
    data_dir = tmp_path / "data"
    fixed = tmp_path / "fixed.yaml"
    broken = tmp_path / "broken.yaml"
    fixed.write_text(flagship_with(data_dir, "source:\n", "source:\n  malformed_ratio: 0.02\n"))
    broken.write_text(flagship_with(data_dir, "post_code: text(/location/postcode)", "post_code: /location/postcode")
                      .replace("source:\n", "source:\n  malformed_ratio: 0.02\n"))
    kascade("run", "-c", broken)
    return data_dir, fixed, broken


def test_replay_after_fixing_the_mapping_moves_dead_letters_into_the_table(tmp_path):
    data_dir, fixed, broken = run_with_broken_mapping(tmp_path)

    landed = query(data_dir, "SELECT count(*) FROM users")[0][0]
    letters = dict(query(data_dir, "SELECT error_class, count(*) FROM dead_letters GROUP BY error_class"))
    assert letters.get("mapping", 0) > RECORDS // 2, letters          # numeric post codes
    assert 0 < letters.get("parse", 0) + letters.get("validation", 0) + letters.get("too_large", 0) < 200
    assert landed + sum(letters.values()) == RECORDS
    message = query(data_dir, "SELECT error_message FROM dead_letters WHERE error_class = 'mapping' LIMIT 1")[0][0]
    assert message == "/location/postcode: expected a string, got an integer", message
    truly_bad = sum(letters.values()) - letters["mapping"]

    listed = [json.loads(line) for line in kascade("dlq", "ls", "-c", broken, "--format", "ndjson").stdout.splitlines()]
    assert len(listed) == sum(letters.values())
    assert {row["error_class"] for row in listed} >= {"mapping"}
    assert all(row["attempts"] == 1 and row["topic"] == "users.raw" for row in listed)

    # Replaying with the broken mapping changes nothing but the attempts.
    kascade("dlq", "replay", "-c", broken)
    assert query(data_dir, "SELECT count(*) FROM users")[0][0] == landed
    assert query(data_dir, "SELECT min(attempts), max(attempts), count(*) FROM dead_letters")[0] == (2, 2, sum(letters.values()))

    result = kascade("dlq", "replay", "-c", fixed)
    assert f"{letters['mapping']} landed in users" in result.stdout, result.stdout
    assert f"{truly_bad} still failing" in result.stdout, result.stdout

    # Nothing lost, nothing doubled: every good record is a row exactly once, only the truly bad remain.
    users, distinct = query(data_dir, "SELECT count(*), count(DISTINCT id) FROM users")[0]
    assert users == distinct == RECORDS - truly_bad
    remaining = query(data_dir, "SELECT error_class, attempts FROM dead_letters")
    assert len(remaining) == truly_bad
    assert all(error_class != "mapping" and attempts == 3 for error_class, attempts in remaining), remaining
    # The replayed rows are the fixed mapping's rows: numeric post codes as text.
    assert query(data_dir, "SELECT count(*) FROM users WHERE post_code IS NULL")[0][0] == 0

    # A fresh run of the fixed pipeline into another data dir gives the same table.
    other = tmp_path / "other"
    reference = tmp_path / "reference.yaml"
    reference.write_text(fixed.read_text().replace(f"data_dir: {data_dir}\n", f"data_dir: {other}\n"))
    kascade("run", "-c", reference)
    columns = "id, first_name, email, dob, age, address, street_number, post_code, latitude, nationality"
    assert query(data_dir, f"SELECT {columns} FROM users ORDER BY id") == \
        query(other, f"SELECT {columns} FROM users ORDER BY id")


def test_replayed_rows_the_table_refuses_stay_sink_dead_letters_and_the_rest_lands(tmp_path):
    data_dir, fixed, _ = run_with_broken_mapping(tmp_path)

    # Then the user tightens the table: a numeric post code must not start with 1 (kascade's own table, rebuilt
    # with a CHECK constraint; every row it holds passes).
    with sqlite3.connect(data_dir / "store.db") as db:
        ddl = db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'users'").fetchone()[0]
        assert ddl.endswith(")"), ddl
        db.executescript("ALTER TABLE users RENAME TO users_before;"
                         + ddl[:-1] + ", CHECK (post_code IS NULL OR post_code GLOB '*[^0-9]*'"
                                      " OR post_code NOT GLOB '1*'));"
                         "INSERT INTO users SELECT * FROM users_before; DROP TABLE users_before;")
    db.close()

    landed_before = {row[0] for row in query(data_dir, "SELECT id FROM users")}
    before = {(p, o): (t, bytes(k), bytes(v), c, a) for t, p, o, k, v, c, a in query(
        data_dir, "SELECT topic, partition, offset, key, value, error_class, attempts FROM dead_letters")}
    assert landed_before and len(landed_before) + len(before) == RECORDS
    mapping = {position: json.loads(letter[2]) for position, letter in before.items() if letter[3] == "mapping"}
    assert len(mapping) > RECORDS // 2, len(mapping)
    assert all(isinstance(user["location"]["postcode"], int) for user in mapping.values())
    refused = {position for position, user in mapping.items() if str(user["location"]["postcode"]).startswith("1")}
    fixed_ids = {position: user["login"]["uuid"].lower() for position, user in mapping.items()
                 if position not in refused}
    truly_bad = {position for position, letter in before.items() if letter[3] != "mapping"}
    assert 50 < len(refused) < len(mapping) // 4, len(refused)   # about 1 in 9: a few in every 1000-letter chunk
    assert 0 < len(truly_bad) < 200

    result = kascade("dlq", "replay", "-c", fixed)  # exits 0: refused rows are dead letters, not a failure
    assert (f"{len(fixed_ids)} landed in users, {len(refused)} refused by the store (dead letters of class sink, "
            f"attempts + 1), 0 dropped by the pipeline's filters, {len(truly_bad)} still failing") in result.stdout, \
        result.stdout

    # The fixed rows that pass the constraint landed, exactly once; the refused ones did not.
    users, distinct = query(data_dir, "SELECT count(*), count(DISTINCT id) FROM users")[0]
    assert users == distinct == len(landed_before) + len(fixed_ids)
    assert {row[0] for row in query(data_dir, "SELECT id FROM users")} == landed_before | set(fixed_ids.values())
    refused_ids = {mapping[position]["login"]["uuid"].lower() for position in refused}
    assert not refused_ids & {row[0] for row in query(data_dir, "SELECT id FROM users")}

    # The refused ones are dead letters of class sink, with the store's reason, one more attempt, and the record's
    # original topic, partition, offset, key and bytes; the truly bad ones are as they were, one more attempt.
    def letters_now():
        return {(p, o): (t, bytes(k), bytes(v), c, m, a) for t, p, o, k, v, c, m, a in query(
            data_dir, "SELECT topic, partition, offset, key, value, error_class, error_message, attempts "
                      "FROM dead_letters")}
    after = letters_now()
    assert set(after) == refused | truly_bad
    assert query(data_dir, "SELECT count(*) FROM dead_letters")[0][0] == len(refused) + len(truly_bad)
    for position in refused:
        topic, key, value, error_class, message, attempts = after[position]
        assert (topic, key, value, error_class, attempts) == (*before[position][:3], "sink", 2)
        assert message.startswith("store refused the row: ") and "CHECK constraint failed" in message, message
    for position in truly_bad:
        topic, key, value, error_class, _, attempts = after[position]
        assert (topic, key, value, error_class, attempts) == (*before[position][:4], 2)
    # Nothing lost: every record is a row or a dead letter.
    assert users + len(after) == RECORDS

    # Replayed again: the refused ones stay sink dead letters (attempts + 1), nothing else changes.
    result = kascade("dlq", "replay", "-c", fixed)
    assert f"0 landed in users, {len(refused)} refused by the store" in result.stdout, result.stdout
    again = letters_now()
    assert set(again) == set(after)
    assert all(again[p][:4] == after[p][:4] and again[p][5] == 3 for p in again)
    assert query(data_dir, "SELECT count(*), count(DISTINCT id) FROM users")[0] == (users, users)


def test_a_listing_and_a_replay_can_take_some_classes_only(tmp_path):
    data_dir, fixed, broken = run_with_broken_mapping(tmp_path)
    letters = dict(query(data_dir, "SELECT error_class, count(*) FROM dead_letters GROUP BY error_class"))
    others = sum(letters.values()) - letters["mapping"]

    def listed(*flags):
        out = kascade("dlq", "ls", "-c", broken, "--format", "ndjson", *flags).stdout
        return [json.loads(line) for line in out.splitlines()]

    mapping = listed("--class", "mapping")
    assert len(mapping) == letters["mapping"] and {row["error_class"] for row in mapping} == {"mapping"}
    two = listed("--class", "parse", "--class", "validation")
    assert len(two) == letters.get("parse", 0) + letters.get("validation", 0) > 0
    assert {row["error_class"] for row in two} <= {"parse", "validation"}
    newest = query(data_dir, "SELECT partition, offset FROM dead_letters ORDER BY id DESC LIMIT 5")
    assert [(row["partition"], row["offset"]) for row in listed("--last", 5)] == newest[::-1]
    assert len(listed("--class", "mapping", "--last", 3)) == 3
    bad = kascade("dlq", "ls", "-c", broken, "--class", "nonsense", check=False)
    assert bad.returncode == 2 and "nonsense" in bad.stderr, bad.stderr

    # Only the mapping letters are replayed: they land; the others are not touched, not even an attempt more.
    result = kascade("dlq", "replay", "-c", fixed, "--class", "mapping")
    assert f"{letters['mapping']} landed in users" in result.stdout, result.stdout
    assert f" 0 still failing (attempts + 1); {others} of other classes left alone" in result.stdout, result.stdout
    remaining = query(data_dir, "SELECT error_class, attempts FROM dead_letters")
    assert len(remaining) == others
    assert all(error_class != "mapping" and attempts == 1 for error_class, attempts in remaining), remaining
    assert query(data_dir, "SELECT count(*) FROM users")[0][0] == RECORDS - others
