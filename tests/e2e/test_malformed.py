"""1% malformed records through the whole pipeline: every record is a row or a dead letter, never both."""
from conftest import kascade, query, topic_end_offsets


def test_malformed_records_become_dead_letters(data_dir):
    records = 20000
    kascade("run", "--records", records, "--set", "source.malformed_ratio=0.01", "--data-dir", data_dir)
    users = query(data_dir, "SELECT count(*) FROM users")[0][0]
    letters = query(data_dir, "SELECT count(*) FROM dead_letters")[0][0]
    assert users + letters == records
    assert 150 <= letters <= 250, letters  # about 1%
    assert sum(topic_end_offsets(data_dir).values()) == records

    classes = dict(query(data_dir, "SELECT error_class, count(*) FROM dead_letters GROUP BY error_class"))
    assert set(classes) == {"parse", "validation", "too_large"}, classes
    # Each dead letter keeps its reason, where it came from and the original bytes.
    assert query(data_dir, "SELECT count(*) FROM dead_letters WHERE error_message = '' OR topic != 'users.raw' "
                           "OR offset < 0 OR length(value) = 0 OR attempts != 1") == [(0,)]
    assert query(data_dir, "SELECT min(length(value)) FROM dead_letters WHERE error_class = 'too_large'")[0][0] > 2 << 20
    # A dead letter's key is never also a user.
    assert query(data_dir, "SELECT count(*) FROM dead_letters d JOIN users u ON u.id = CAST(d.key AS TEXT)") == [(0,)]
    # Distinct (partition, offset) per dead letter.
    assert query(data_dir, "SELECT count(DISTINCT partition || ':' || offset) FROM dead_letters") == [(letters,)]
