"""The broker stopped for 20 s mid-stream and restarted: the pipeline waits
it out and nothing acknowledged is lost."""
import subprocess
import time

from kafka_support import SERVICES, KafkaPipeline, end_offsets, require_broker, stop, wait_until

RECORDS = 300_000


def services(action):
    result = subprocess.run([SERVICES, action, "kafka"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"services {action} kafka: {result.stdout}{result.stderr}"


def test_broker_outage_of_20s_loses_nothing(tmp_path):
    require_broker()
    pipeline = KafkaPipeline(tmp_path, partitions=4, name="outage")
    run = pipeline.popen("run", "--records", RECORDS)
    try:
        wait_until(lambda: pipeline.rows()[1] >= 30_000, 180, "the first 30,000 rows")
        services("stop")
        time.sleep(20)
        assert run.poll() is None, "kascade gave up while the broker was down"
    finally:
        services("start")  # whatever happened, leave the broker running for the other tests
    try:
        out, err = run.communicate(timeout=900)
    finally:
        if run.poll() is None:
            stop(run)
    assert run.returncode == 0, err
    assert f"ingested {RECORDS:,} records" in out, out
    # Everything the ingest acknowledged landed, once per id.
    assert pipeline.rows()[1] == RECORDS
    assert sum(end_offsets(pipeline.topic).values()) >= RECORDS
    assert pipeline.stored_offsets() == end_offsets(pipeline.topic)
