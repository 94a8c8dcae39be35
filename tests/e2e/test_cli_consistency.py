"""One command line: --format json is one JSON document everywhere, --set wherever a config is read,
`process --until-caught-up`, exit codes after signals, every failing field in a validation dead letter,
`cql -c` and `-f`, paths relative to the config file, read-only stores, and scripts/services' exit codes."""
import json
import os
import subprocess

import pytest

from cassandra_support import PASSWORD, PASSWORD_ENV, USER
from conftest import SOURCE_DIR, kascade


def test_services_unknown_name_exits_2(tmp_path):
    """An unknown service name is a usage error (exit 2) for every action, and nothing is started."""
    env = dict(os.environ, KASCADE_SERVICES_DIR=str(tmp_path / "services"))
    for action in ("start", "stop", "status"):
        result = subprocess.run([os.path.join(SOURCE_DIR, "scripts", "services"), action, "bogus"], env=env,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 2, (action, result)
        assert "unknown service 'bogus'" in result.stderr


@pytest.fixture(scope="module")
def listed(tmp_path_factory):
    """A data dir with rows, dead letters, source positions and a scheduled run's history."""
    data_dir = tmp_path_factory.mktemp("listed") / "data"
    kascade("run", "--records", 200, "--set", "source.malformed_ratio=0.1", "--data-dir", data_dir)
    kascade("schedule", "--every", "1s", "--runs", 1, "--records", 10, "--data-dir", data_dir)
    return data_dir


LISTINGS = {
    "query": lambda d: ["query", "--data-dir", d, "SELECT id, age FROM users LIMIT 5"],
    "topics": lambda d: ["topics", "--data-dir", d],
    "lag": lambda d: ["lag", "--data-dir", d],
    "dlq ls": lambda d: ["dlq", "ls", "--data-dir", d],
    "jobs ls": lambda d: ["jobs", "ls", "--data-dir", d],
    "sources ls": lambda d: ["sources", "ls", "--data-dir", d],
    "log check": lambda d: ["log", "check", "--data-dir", d],
    "cql": lambda d: ["cql", "--username", USER, "--password-env", PASSWORD_ENV,
                      "SELECT keyspace_name FROM system_schema.keyspaces"],
}


def test_every_listing_command_is_covered():
    """Every command whose --help offers --format (beside `generate`, whose json is the records) is listed here."""
    with_format = set()
    for command in ["run", "ingest", "process", "query", "cql", "validate", "topics", "lag", "generate", "dlq ls",
                    "dlq replay", "log check", "log repair", "serve", "schedule", "jobs ls", "sources ls",
                    "sources reset"]:
        if "--format" in kascade(*command.split(), "--help").stdout:
            with_format.add(command)
    assert with_format - {"generate"} == set(LISTINGS)


@pytest.mark.parametrize("command", LISTINGS)
def test_format_json_is_one_document(command, listed):
    env = dict(os.environ, **{PASSWORD_ENV: PASSWORD})
    args = LISTINGS[command](listed)
    document = json.loads(kascade(*args, "--format", "json", env=env).stdout)
    assert isinstance(document, list) and all(isinstance(row, dict) for row in document), document
    if command != "log check":  # no corrupt batch: an empty array
        assert document, command
    lines = kascade(*args, "--format", "ndjson", env=env).stdout.splitlines()
    assert [json.loads(line) for line in lines] == document, (command, lines)


SET_COMMANDS = {  # each reads the data dir named by --set alone (no --data-dir, no -c)
    "query": ["query", "SELECT count(*) AS n FROM users"],
    "topics": ["topics"],
    "lag": ["lag"],
    "dlq ls": ["dlq", "ls"],
    "jobs ls": ["jobs", "ls"],
    "sources ls": ["sources", "ls"],
    "log check": ["log", "check"],
}


@pytest.mark.parametrize("command", SET_COMMANDS)
def test_every_config_reader_takes_set(command, listed):
    """--set applies to what the command reads: here data_dir, set only by --set."""
    document = json.loads(kascade(*SET_COMMANDS[command], "--set", f"data_dir={listed}", "--format", "json").stdout)
    assert document == json.loads(
        kascade(*SET_COMMANDS[command], "--data-dir", listed, "--format", "json").stdout), command
    bad = kascade(*SET_COMMANDS[command], "--set", "bus.partitons=3", check=False)
    assert bad.returncode == 2 and "--set: bus.partitons: unknown key" in bad.stderr, (command, bad.stderr)


def test_set_reaches_lag_group_dlq_replay_and_log_repair(listed, tmp_path):
    lag = json.loads(kascade("lag", "--data-dir", listed, "--set", "processor.group=nobody-yet", "--format",
                             "json").stdout)
    assert lag and {row["group"] for row in lag} == {"nobody-yet"}, lag
    for command in (["dlq", "replay"], ["log", "repair"]):
        bad = kascade(*command, "--data-dir", tmp_path / "none", "--set", "bus.partitons=3", check=False)
        assert bad.returncode == 2 and "--set: bus.partitons" in bad.stderr, (command, bad.stderr)


def test_validate_takes_set_and_checks_the_built_in_pipeline_without_c(tmp_path):
    ok = kascade("validate", "--set", "bus.topic=events")
    assert ok.stdout.startswith("the built-in pipeline: ok (bus embedded topic 'events'"), ok.stdout
    bad = kascade("validate", "--set", "bus.partitions=0", check=False)
    assert bad.returncode == 2 and "--set: bus.partitions: 0 is out of range" in bad.stderr, bad.stderr
    config = tmp_path / "p.yaml"
    config.write_text("bus:\n  partitions: 3\n")
    out = kascade("validate", "-c", config, "--set", "bus.topic=other").stdout
    assert "topic 'other'" in out, out
