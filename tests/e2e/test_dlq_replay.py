"""Dead letters of a broken mapping, replayed after the fix: they land, and leave the dead letters; nothing lost or doubled."""
import json
import os

from conftest import SOURCE_DIR, kascade, query

RECORDS = 3000


def flagship_with(data_dir, old, new):
    """configs/flagship.yaml with one mapping line changed, and this test's data dir and size."""
    text = open(os.path.join(SOURCE_DIR, "configs", "flagship.yaml")).read()
    assert text.count(old) == 1, old
    text = text.replace(old, new).replace("data_dir: ./kascade-data\n", f"data_dir: {data_dir}\n")
    text = text.replace("records: 100000", f"records: {RECORDS}")
    return text + "\n"


def test_replay_after_fixing_the_mapping_moves_dead_letters_into_the_table(tmp_path):
    data_dir = tmp_path / "data"
    fixed = tmp_path / "fixed.yaml"
    broken = tmp_path / "broken.yaml"
    # Broken: post codes read as text only, so every numeric post code fails (a `mapping` dead letter).
    fixed.write_text(flagship_with(data_dir, "source:\n", "source:\n  malformed_ratio: 0.02\n"))
    broken.write_text(flagship_with(data_dir, "post_code: text(/location/postcode)", "post_code: /location/postcode")
                      .replace("source:\n", "source:\n  malformed_ratio: 0.02\n"))
    kascade("run", "-c", broken)

    landed = query(data_dir, "SELECT count(*) FROM users")[0][0]
    letters = dict(query(data_dir, "SELECT error_class, count(*) FROM dead_letters GROUP BY error_class"))
    assert letters.get("mapping", 0) > RECORDS // 2, letters          # numeric post codes
    assert 0 < letters.get("parse", 0) + letters.get("validation", 0) + letters.get("too_large", 0) < 200
    assert landed + sum(letters.values()) == RECORDS
    message = query(data_dir, "SELECT error_message FROM dead_letters WHERE error_class = 'mapping' LIMIT 1")[0][0]
    assert message == "/location/postcode: expected a string, got an integer", message
    truly_bad = sum(letters.values()) - letters["mapping"]

    listed = [json.loads(line) for line in kascade("dlq", "ls", "-c", broken, "--format", "json").stdout.splitlines()]
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
