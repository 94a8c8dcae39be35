"""`kascade process` scaled out as a consumer group on a real broker: one
member killed with kill -9 mid-stream and another added; every record lands
once and the group's lag reaches 0."""
import signal

from kafka_support import KafkaPipeline, committed_offsets, end_offsets, require_broker, stop, wait_until

RECORDS = 300_000


def test_group_survives_a_killed_member_and_a_new_one(tmp_path):
    require_broker()
    # A short session so the killed member's partitions move within seconds.
    pipeline = KafkaPipeline(tmp_path, partitions=6, name="group", kafka={"session_timeout_ms": 6000})
    pipeline.run("ingest", "--records", 1)  # creates the topic with 6 partitions before the members join
    members = [pipeline.popen("process") for _ in range(3)]
    ingest = pipeline.popen("ingest", "--records", RECORDS)
    try:
        wait_until(lambda: pipeline.rows()[1] >= 40_000, 180, "the first 40,000 rows")
        victim = members.pop(0)
        victim.send_signal(signal.SIGKILL)
        victim.wait(10)
        members.append(pipeline.popen("process"))  # a fourth member joins
        out, err = ingest.communicate(timeout=600)
        assert ingest.returncode == 0, err
        wait_until(lambda: pipeline.rows()[1] == RECORDS, 300, f"{RECORDS} distinct rows")
        ends = end_offsets(pipeline.topic)
        assert sum(ends.values()) == RECORDS
        wait_until(lambda: committed_offsets(pipeline.topic, pipeline.group) == ends, 60, "the group's commits")
        assert sum(row["lag"] for row in pipeline.lag_json()) == 0
    finally:
        outputs = [stop(member) for member in members]
        if ingest.poll() is None:
            stop(ingest)
    for member, (_, err) in zip(members, outputs):
        assert member.returncode == 128 + signal.SIGTERM, err
    assert pipeline.rows() == (RECORDS, RECORDS)  # every record once: distinct ids = produced
    assert pipeline.stored_offsets() == end_offsets(pipeline.topic)
