"""The small syntaxes inside options (lists, key=value pairs, headers, hosts, URL
templates): a mistake fails `kascade validate` and `kascade run` with exit code 2,
naming the file, the line and the key, before anything opens."""
import re

import pytest

from conftest import kascade

# (name, key, config text with one mistake in that key's value, a piece of the reason)
CASES = [
    ("aggregates", "windows.aggregates",
     "source:\n  records: 10\nwindows:\n  aggregates: users=count, avg_age=average(age)\n",
     "unknown function 'average'"),
    ("group_by", "windows.group_by",
     "source:\n  records: 10\nwindows:\n  group_by: country; gender\n",
     "'country; gender' is not a field"),
    ("group_by twice", "windows.group_by",
     "source:\n  records: 10\nwindows:\n  group_by: country, country\n",
     "'country' is given twice"),
    ("event_time", "windows.event_time",
     "source:\n  records: 10\nwindows:\n  event_time: header.\n",
     "'header.' is not a field"),
    ("kafka properties", "bus.kafka.properties",
     "bus:\n  type: kafka\n  topic: config-syntax.raw\n  kafka:\n    properties: security.protocol=PLAINTEXT;linger\n",
     "got an entry without '=' (entry 2)"),
    ("http headers", "source.http.headers",
     "source:\n  type: http\n  records: 10\n  http:\n    url: http://127.0.0.1:9/items\n"
     "    headers: 'Accept: application/json; X-Api-Key abc123'\n",
     "header 2 is not 'Name: value'"),
    ("http header name", "source.http.headers",
     "source:\n  records: 10\n  http:\n    headers: 'X Api: abc123'\n",
     "'X Api' is not a header name"),
    ("allowed origins", "source.http.allowed_origins",
     "source:\n  records: 10\n  http:\n    allowed_origins: http://127.0.0.1:8081, not an origin\n",
     "'not an origin' is not an origin"),
    ("url template", "source.http.url",
     "source:\n  type: http\n  records: 10\n  http:\n    pagination: page\n    url: http://127.0.0.1:9/items\n",
     "this pagination needs {page} in the URL template"),
    ("cassandra hosts", "store.cassandra.hosts",
     "store:\n  type: cassandra\n  cassandra:\n    hosts: 127.0.0.1,,127.0.0.2\n",
     "empty host in '127.0.0.1,,127.0.0.2'"),
    ("cassandra port", "store.cassandra.hosts",
     "store:\n  type: cassandra\n  cassandra:\n    hosts: 127.0.0.1:90x42\n",
     "bad port in '127.0.0.1:90x42'"),
]


def line_of(text, key):
    leaf = key.rsplit(".", 1)[1]
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip().startswith(leaf + ":"):
            return number
    raise AssertionError(f"{key} not in the config")


@pytest.mark.parametrize("name,key,text,reason", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("command", ["validate", "run"])
def test_a_mistake_inside_an_option_exits_2_naming_file_line_and_key(tmp_path, name, key, text, reason, command):
    config = tmp_path / "pipeline.yaml"
    config.write_text(text)
    data_dir = tmp_path / "d"
    args = ["validate", "-c", config] if command == "validate" else ["run", "-c", config, "--data-dir", data_dir]
    result = kascade(*args, check=False, timeout=120)
    assert result.returncode == 2, result
    where = re.escape(f"{config}:{line_of(text, key)}:") + r"\d+: " + re.escape(f"{key}: ")
    assert re.search(where + r".*" + re.escape(reason), result.stderr), result.stderr
    assert "ok" not in result.stdout, result.stdout
    if command == "run":
        assert not data_dir.exists(), "a run with a bad config opens nothing"


def test_a_secret_in_a_bad_header_is_not_printed(tmp_path):
    config = tmp_path / "pipeline.yaml"
    config.write_text("source:\n  http:\n    headers: 'Authorization Bearer s3cr3t-t0ken'\n")
    result = kascade("validate", "-c", config, check=False)
    assert result.returncode == 2, result
    assert "s3cr3t-t0ken" not in result.stderr, result.stderr


@pytest.mark.parametrize("key,value,reason", [
    ("windows.aggregates", "users=count(", "missing ')'"),
    ("bus.kafka.properties", "linger", "got an entry without '='"),
    ("store.cassandra.hosts", "h1:0", "bad port in 'h1:0'"),
], ids=["aggregates", "kafka properties", "cassandra hosts"])
def test_a_mistake_given_with_set_names_the_flag(tmp_path, key, value, reason):
    data_dir = tmp_path / "d"
    result = kascade("run", "--records", "10", "--set", f"{key}={value}", "--data-dir", data_dir, check=False)
    assert result.returncode == 2, result
    assert f"--set {key}: " in result.stderr and reason in result.stderr, result.stderr
    assert not data_dir.exists(), "a run with a bad flag opens nothing"


CORRECT = """\
bus:
  kafka:
    properties: security.protocol=PLAINTEXT; linger.ms=5;;
source:
  records: 50
  http:
    url: http://127.0.0.1:9/items?page={page}
    pagination: page
    headers: 'Accept: application/json; X-Trace: a:b'
    allowed_origins: http://127.0.0.1:8081, https://example.test
store:
  cassandra:
    hosts: 127.0.0.1, 127.0.0.2:9043
windows:
  group_by: country, header.source
  aggregates: users=count, female=count(gender=female), avg_age=avg(age), cities=count_distinct(city)
"""


def test_a_correct_config_passes_and_runs(tmp_path):
    config = tmp_path / "pipeline.yaml"
    config.write_text(CORRECT)
    result = kascade("validate", "-c", config)
    assert f"{config}: ok" in result.stdout, result.stdout
    run = kascade("run", "-c", config, "--data-dir", tmp_path / "d", check=False, timeout=300)
    assert run.returncode == 0, run.stderr
