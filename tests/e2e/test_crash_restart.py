"""kill -9 at 10 random moments across a 500,000-record run: in the end every record once."""
import random

from conftest import KASCADE, kascade, kill_9_at_progress, query, topic_end_offsets

RECORDS = 500_000


def test_kill_9_ten_times_then_finish(data_dir):
    rng = random.Random(20261121)
    args = [KASCADE, "run", "--source", "generator", "--records", str(RECORDS), "--data-dir", str(data_dir)]
    kill_9_at_progress(args, data_dir, rng, RECORDS)

    final = kascade("run", "--source", "generator", "--records", RECORDS, "--data-dir", data_dir)
    assert query(data_dir, "SELECT count(*), count(DISTINCT id) FROM users") == [(RECORDS, RECORDS)], final.stdout
    assert query(data_dir, "SELECT count(*) FROM dead_letters") == [(0,)]
    # Nothing was appended twice to the topic, and the store's offsets are at its end.
    ends = topic_end_offsets(data_dir)
    assert sum(ends.values()) == RECORDS
    stored = dict(query(data_dir, "SELECT partition, next_offset FROM consumer_offsets"))
    assert stored == ends
    # The ids are exactly the generator's first RECORDS users: none lost, none foreign.
    expected = kascade("generate", "--records", RECORDS, "--format", "keys").stdout.split()
    assert len(expected) == RECORDS
    ids = [row[0] for row in query(data_dir, "SELECT id FROM users")]
    assert set(ids) == set(expected)
