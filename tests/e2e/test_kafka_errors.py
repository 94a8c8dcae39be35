"""Clear, bounded failures on Kafka: an unreachable broker and a refused SASL
login exit non-zero within a bounded time, without printing secrets; the
right password works."""
import time

from kafka_support import SASL_BROKER, KafkaPipeline, require_broker

WRONG_PASSWORD = "wrong-pass-5f2c9e"
SASL = "security.protocol=SASL_PLAINTEXT;sasl.mechanisms=PLAIN;sasl.username=kascade;sasl.password={}"


def timed(pipeline, *args):
    started = time.time()
    result = pipeline.run(*args, check=False, timeout=120)
    return result, time.time() - started


def test_unreachable_broker_fails_clearly_and_fast(tmp_path):
    pipeline = KafkaPipeline(tmp_path, brokers="127.0.0.1:1", kafka={"request_timeout_ms": 5000}, name="down")
    for command in (("run", "--records", 10), ("lag",), ("topics",)):
        result, took = timed(pipeline, *command)
        assert result.returncode == 1, (command, result.stderr)
        assert took < 30, (command, took)
        assert "127.0.0.1:1" in result.stderr, result.stderr


def test_refused_sasl_login_fails_clearly_without_the_password(tmp_path):
    require_broker()
    pipeline = KafkaPipeline(tmp_path, brokers=SASL_BROKER, name="sasl-bad",
                             kafka={"request_timeout_ms": 8000, "properties": SASL.format(WRONG_PASSWORD)})
    result, took = timed(pipeline, "run", "--records", 10)
    assert result.returncode == 1, result.stderr
    assert took < 40, took
    assert "Authentication failed" in result.stderr or "SASL" in result.stderr, result.stderr
    assert WRONG_PASSWORD not in result.stderr + result.stdout


def test_right_sasl_login_runs_the_pipeline(tmp_path):
    require_broker()
    pipeline = KafkaPipeline(tmp_path, brokers=SASL_BROKER, name="sasl-ok",
                             kafka={"properties": SASL.format("kascade-test-password")})
    result = pipeline.run("run", "--records", 2000)
    assert "landed 2,000 rows" in result.stdout, result.stdout
    assert pipeline.rows() == (2000, 2000)
