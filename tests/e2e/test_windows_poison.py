"""A record whose window group-by value is missing never stops the pipeline: users with no
`location.country` (as older API versions and `inc=` selections return) pushed through `kascade serve`
count in the null group (country '' in the results table), exactly, and a restart is fine; with
windows.missing_group=dead_letter they become dead letters of class `window` and their rows still land."""
import collections
import http.client
import json
import signal
import subprocess
import time

from conftest import KASCADE, kascade, landed_users, query

USERS = 3000
TABLE = "users_per_country_minute"


def crafted_users(wrong_types=0):
    """Generator users; every 7th has no location.country, and the first `wrong_types` others one
    that is an object or an array. Returns (NDJSON lines, count per country of those that land)."""
    lines, countries = [], collections.Counter()
    for index, line in enumerate(kascade("generate", "--records", USERS, "--seed", "poison").stdout.splitlines()):
        user = json.loads(line)
        if index % 7 == 3:
            del user["location"]["country"]
        elif index % 7 == 5 and wrong_types > 0:
            wrong_types -= 1
            user["location"]["country"] = {"name": "France"} if wrong_types % 2 else ["France"]
            lines.append(json.dumps(user))
            continue
        countries[user["location"].get("country", "")] += 1
        lines.append(json.dumps(user))
    assert countries[""] == len(range(3, USERS, 7))
    return lines, countries


def push(data_dir, lines, *flags):
    """Starts `kascade serve` on the data dir, posts the lines, stops it."""
    server = subprocess.Popen([KASCADE, "serve", "--data-dir", str(data_dir), "--port", "0", *flags],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()
        assert "listening on http://127.0.0.1:" in line, (line, server.stderr.read() if server.poll() is not None else "")
        port = int(line.split("http://127.0.0.1:")[1].split()[0])
        for start in range(0, len(lines), 1000):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            connection.request("POST", "/v1/topics/users.raw/records", body="\n".join(lines[start:start + 1000]).encode(),
                               headers={"Content-Type": "application/x-ndjson"})
            response = connection.getresponse()
            assert response.status == 200, (response.status, response.read())
            connection.close()
    finally:
        server.send_signal(signal.SIGTERM)
        _, err = server.communicate(timeout=60)
    assert server.returncode == 0, err


def process_all(data_dir, *flags, rows=USERS):
    """`kascade process` until `rows` users landed, then SIGTERM: it must exit 143 (stopped by the signal)."""
    processor = subprocess.Popen([KASCADE, "process", "--data-dir", str(data_dir), *flags],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 300
    while landed_users(data_dir) < rows and processor.poll() is None and time.time() < deadline:
        time.sleep(0.1)
    if processor.poll() is None:
        processor.send_signal(signal.SIGTERM)
    _, err = processor.communicate(timeout=60)
    assert processor.returncode == 128 + signal.SIGTERM, err
    assert landed_users(data_dir) == rows


def restart(data_dir, *flags):
    """A bounded `kascade process` on what already landed: it must exit 0."""
    kascade("process", "--data-dir", data_dir, "--duration", "3s", *flags, timeout=120)


def counts_per_country(data_dir):
    return dict(query(data_dir, f"SELECT country, sum(users) FROM {TABLE} GROUP BY country"))


def test_users_without_a_country_count_in_the_null_group(data_dir):
    # A country of the wrong type (object, array) is refused by the flagship's validation: a
    # dead letter of class validation, never a row, so it cannot reach the windows either.
    lines, countries = crafted_users(wrong_types=10)
    push(data_dir, lines)
    rows = USERS - 10
    process_all(data_dir, rows=rows)
    assert query(data_dir, "SELECT count(*) FROM users") == [(rows,)]
    assert query(data_dir, "SELECT count(*) FROM users WHERE country IS NULL") == [(countries[""],)]
    assert counts_per_country(data_dir) == dict(countries)
    assert query(data_dir, f"SELECT count(*) FROM {TABLE} WHERE country IS NULL") == [(0,)]
    assert query(data_dir, "SELECT error_class, count(*) FROM dead_letters GROUP BY 1") == [("validation", 10)]
    # A restart resumes the state (the null group's included) and changes nothing.
    restart(data_dir)
    assert counts_per_country(data_dir) == dict(countries)


def test_the_null_group_takes_a_configured_label(data_dir):
    lines, countries = crafted_users()
    push(data_dir, lines)
    process_all(data_dir, "--set", "windows.null_group=(none)")
    expected = dict(countries)
    expected["(none)"] = expected.pop("")
    assert counts_per_country(data_dir) == expected


def test_users_without_a_country_become_window_dead_letters(data_dir):
    lines, countries = crafted_users()
    push(data_dir, lines)
    process_all(data_dir, "--set", "windows.missing_group=dead_letter")
    missing = countries.pop("")
    assert query(data_dir, "SELECT count(*) FROM users") == [(USERS,)]
    assert counts_per_country(data_dir) == dict(countries)
    letters = query(data_dir, "SELECT error_class, error_message FROM dead_letters")
    assert len(letters) == missing
    assert all(cls == "window" and "'country'" in message for cls, message in letters), letters[:3]
    # The dead letters hold the record's bytes: exactly the users without a country.
    values = [json.loads(v) for (v,) in query(data_dir, "SELECT value FROM dead_letters")]
    assert all("country" not in user["location"] for user in values)
    # `kascade dlq ls --class window` lists them, and only them.
    def listed(error_class):  # one JSON object a line
        out = kascade("dlq", "ls", "--data-dir", data_dir, "--class", error_class, "--format", "ndjson").stdout
        return [json.loads(line) for line in out.splitlines() if line.strip()]
    assert len(listed("window")) == missing and all(letter["error_class"] == "window" for letter in listed("window"))
    assert listed("late") == [] and listed("source") == []
