"""The reference of the windows end-to-end tests: window results recomputed from the landed users
(of the embedded store, or of any store through reference_from_users / assert_stored_equal_reference).

Each user's partition is Kafka's murmur2 of its key (as kascade's producer
partitions), its order within the partition the generator's index order (as
`kascade generate --format keys` lists them), and its event time, country,
gender and age are read back from the `users` table. The lateness rule is the
documented one: a record counts in its window unless that window ended at or
before its partition's highest earlier event time minus the allowed lateness.
"""
from datetime import datetime, timezone

from conftest import kascade, query


def murmur2(data: bytes) -> int:
    m, seed = 0x5BD1E995, 0x9747B28C
    h = (seed ^ len(data)) & 0xFFFFFFFF
    words = len(data) // 4
    for i in range(words):
        k = int.from_bytes(data[i * 4:i * 4 + 4], "little")
        k = (k * m) & 0xFFFFFFFF
        k ^= k >> 24
        k = (k * m) & 0xFFFFFFFF
        h = (h * m) & 0xFFFFFFFF
        h ^= k
    tail = data[words * 4:]
    if len(tail) == 3:
        h ^= tail[2] << 16
    if len(tail) >= 2:
        h ^= tail[1] << 8
    if len(tail) >= 1:
        h ^= tail[0]
        h = (h * m) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * m) & 0xFFFFFFFF
    h ^= h >> 15
    return h


def partition_of(key: str, partitions: int) -> int:
    return (murmur2(key.encode()) & 0x7FFFFFFF) % partitions


def iso_to_ms(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc).timestamp() * 1000 + 0.5)


def reference_from_users(keys, users, size_ms, lateness_ms, partitions=4):
    """The reference from any store: `keys` in generator order, `users` {id: (country, gender, age,
    fetched_at_ms)}. Returns {(country, window_start_ms): [users, female, male, age_sum]} and the
    number of late records."""
    assert len(users) == len(keys), (len(users), len(keys))
    max_event = [None] * partitions
    windows, late = {}, 0
    for key in keys:
        country, gender, age, at = users[key]
        p = partition_of(key, partitions)
        start = at - at % size_ms
        if max_event[p] is not None and start + size_ms <= max_event[p] - lateness_ms:
            late += 1
        else:
            w = windows.setdefault((country, start), [0, 0, 0, 0])
            w[0] += 1
            w[1] += gender == "female"
            w[2] += gender == "male"
            w[3] += age
        max_event[p] = at if max_event[p] is None else max(max_event[p], at)
    return windows, late


def generator_keys(records):
    return kascade("generate", "--records", records, "--format", "keys").stdout.split()


def reference(data_dir, records, size_ms, lateness_ms, partitions=4):
    """{(country, window_start_ms): (users, female, male, age_sum)} and the number of late records."""
    keys = generator_keys(records)
    users = {row[0]: (row[1], row[2], row[3], iso_to_ms(row[4]))
             for row in query(data_dir, "SELECT id, country, gender, age, fetched_at FROM users")}
    assert len(users) == records == len(keys), (len(users), len(keys))
    return reference_from_users(keys, users, size_ms, lateness_ms, partitions)


def stored_results(data_dir, table="users_per_country_minute"):
    """{(country, window_start_ms): (country, window_start_ms, window_end_ms, users, female, male, avg_age, closed)}."""
    rows = query(data_dir, f"SELECT country, window_start, window_end, users, female, male, avg_age, closed FROM {table}")
    return {(r[0], iso_to_ms(r[1])): (r[0], iso_to_ms(r[1]), iso_to_ms(r[2]), *r[3:]) for r in rows}


def assert_stored_equal_reference(expected, late, stored, stored_late, size_ms):
    """Compares results rows from any store (as stored_results returns them) with the reference."""
    assert set(stored) == set(expected), (len(stored), len(expected), sorted(set(stored) ^ set(expected))[:5])
    for key, (users, female, male, age_sum) in expected.items():
        row = stored[key]
        assert row[2] - row[1] == size_ms
        assert (row[3], row[4], row[5]) == (users, female, male), (key, row, (users, female, male))
        assert abs(row[6] - age_sum / users) < 1e-9, (key, row[6], age_sum / users)
    assert stored_late == late


def assert_results_equal_reference(data_dir, records, size_ms, lateness_ms):
    expected, late = reference(data_dir, records, size_ms, lateness_ms)
    stored = stored_results(data_dir)
    stored_late = query(data_dir, "SELECT coalesce(sum(late_records), 0) FROM window_clocks WHERE partition >= 0")[0][0]
    assert_stored_equal_reference(expected, late, stored, stored_late, size_ms)
    return expected, late, stored
