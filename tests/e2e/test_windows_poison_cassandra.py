"""Records with no window group-by value on the Cassandra store (embedded bus, `kascade serve` push):
they count in the null group (country ''), exactly, or with windows.missing_group=dead_letter become
dead letters of class `window` in <keyspace>.dead_letters while their rows land in <keyspace>.users."""
import collections
import signal
import subprocess
import time

from cassandra_support import cassandra, cassandra_store_flags, kascade_env, keyspace  # noqa: F401
from conftest import KASCADE
from test_windows_poison import USERS, crafted_users, push

TABLE = "users_per_country_minute"


def process_into_cassandra(data_dir, session, keyspace, *flags):
    args = [KASCADE, "process", "--data-dir", str(data_dir), *cassandra_store_flags(keyspace),
            "--set", "windows.enabled=on", *flags]
    processor = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                 env=kascade_env())

    def users():
        try:
            return session.execute(f"SELECT count(*) FROM {keyspace}.users").one()[0]
        except Exception:  # noqa: BLE001 (the table does not exist yet)
            return 0

    deadline = time.time() + 300
    while users() < USERS and processor.poll() is None and time.time() < deadline:
        time.sleep(0.2)
    if processor.poll() is None:
        processor.send_signal(signal.SIGTERM)
    _, err = processor.communicate(timeout=120)
    assert processor.returncode == 128 + signal.SIGTERM, err[-3000:]
    assert users() == USERS


def counts_per_country(session, keyspace):
    counts = collections.Counter()
    for row in session.execute(f"SELECT country, users FROM {keyspace}.{TABLE}"):
        counts[row.country] += row.users
    return dict(counts)


def test_null_group_and_window_dead_letters_on_cassandra(tmp_path, cassandra, keyspace):  # noqa: F811
    lines, countries = crafted_users()
    null_group = tmp_path / "null_group"
    push(null_group, lines)
    process_into_cassandra(null_group, cassandra, keyspace, "--set", "processor.group=poison-null")
    assert counts_per_country(cassandra, keyspace) == dict(countries)

    # The dead-letter setting, in a keyspace of its own.
    other = f"{keyspace}_dl"
    cassandra.execute(f"CREATE KEYSPACE {other} WITH replication = {{'class': 'SimpleStrategy', "
                      f"'replication_factor': 1}}")
    try:
        dead_letter = tmp_path / "dead_letter"
        push(dead_letter, lines)
        process_into_cassandra(dead_letter, cassandra, other, "--set", "windows.missing_group=dead_letter")
        missing = countries.pop("")
        assert counts_per_country(cassandra, other) == dict(countries)
        letters = list(cassandra.execute(f"SELECT error_class, error_message FROM {other}.dead_letters"))
        assert len(letters) == missing
        assert {row.error_class for row in letters} == {"window"}
        assert all("'country'" in row.error_message for row in letters)
    finally:
        cassandra.execute(f"DROP KEYSPACE IF EXISTS {other}", timeout=120)
