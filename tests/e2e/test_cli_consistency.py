"""One command line: --format json is one JSON document everywhere, --set wherever a config is read,
`process --until-caught-up`, exit codes after signals, every failing field in a validation dead letter,
`cql -c` and `-f`, paths relative to the config file, read-only stores, and scripts/services' exit codes."""
import json
import os
import shutil
import signal
import stat
import subprocess
import tempfile
import time

import pytest

from cassandra_support import PASSWORD, PASSWORD_ENV, USER, cassandra, kascade_env, keyspace  # noqa: F401 (fixtures)
from conftest import KASCADE, SOURCE_DIR, kascade, landed_users, query
from kafka_support import KafkaPipeline, committed_offsets, end_offsets, require_broker


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
    # One value per --set: the SQL after it stays the statement.
    assert kascade("query", "--set", f"data_dir={listed}", "--format", "csv", "SELECT count(*) AS n FROM topics_none",
                   check=False).stderr.count("no such table: topics_none") == 1
    reset = kascade("sources", "reset", "--data-dir", listed, "--set", "bus.topic=users.raw", "generator")
    assert "source 'generator' on topic 'users.raw'" in reset.stdout, reset.stdout
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


def wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize("command", ["run", "process"])
def test_a_signal_before_the_goal_exits_128_plus_its_number(command, stop, tmp_path):
    data_dir = tmp_path / "data"
    if command == "process":
        kascade("ingest", "--records", 200_000, "--data-dir", data_dir)
        args = ["process", "--data-dir", data_dir]  # no goal: until a signal
    else:
        args = ["run", "--records", 5_000_000, "--data-dir", data_dir]
    process = subprocess.Popen([KASCADE, *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: landed_users(data_dir) > 0 or process.poll() is not None, 120, "the first rows")
    finally:
        process.send_signal(stop)
        out, err = process.communicate(timeout=120)
    assert process.returncode == 128 + stop, (process.returncode, err)
    assert "(interrupted)" in out, out


def test_reaching_duration_or_records_exits_0(tmp_path):
    out = kascade("run", "--records", 500, "--data-dir", tmp_path / "a").stdout
    assert "interrupted" not in out, out
    out = kascade("run", "--duration", "1s", "--set", "source.records=0", "--data-dir", tmp_path / "b").stdout
    assert "interrupted" not in out, out
    out = kascade("process", "--duration", "1s", "--data-dir", tmp_path / "a").stdout
    assert "interrupted" not in out, out


def lag_rows(*args):
    return json.loads(kascade("lag", *args, "--format", "json").stdout)


def test_process_until_caught_up_on_the_embedded_bus(tmp_path):
    data_dir = tmp_path / "data"
    kascade("ingest", "--records", 3000, "--set", "source.malformed_ratio=0.05", "--data-dir", data_dir)
    out = kascade("process", "--until-caught-up", "--data-dir", data_dir, timeout=300).stdout
    assert "interrupted" not in out and "caught up" in out, out
    rows = query(data_dir, "SELECT count(*) FROM users")[0][0] + query(data_dir, "SELECT count(*) FROM dead_letters")[0][0]
    assert rows == 3000
    assert [row["lag"] for row in lag_rows("--data-dir", data_dir)] == [0] * 4
    # More records: the next batch run takes exactly them; none: it stops at once.
    kascade("ingest", "--records", 4000, "--data-dir", data_dir)
    kascade("process", "--until-caught-up", "--data-dir", data_dir, timeout=300)
    assert sum(row["committed_offset"] for row in lag_rows("--data-dir", data_dir)) == 4000
    kascade("process", "--until-caught-up", "--data-dir", data_dir, timeout=60)


def test_process_until_caught_up_on_kafka(tmp_path):
    require_broker()
    pipeline = KafkaPipeline(tmp_path, partitions=3, name="caught-up")
    pipeline.run("ingest", "--records", 2000)
    out = pipeline.run("process", "--until-caught-up", timeout=300).stdout
    assert "interrupted" not in out and "caught up" in out, out
    assert pipeline.rows() == (2000, 2000)
    assert committed_offsets(pipeline.topic, pipeline.group) == end_offsets(pipeline.topic)
    assert sum(row["lag"] for row in pipeline.lag_json()) == 0


def test_process_refuses_source_options(tmp_path):
    for flag in (["--records", 10], ["--source", "generator"]):
        result = kascade("process", *flag, "--data-dir", tmp_path, check=False, timeout=60)  # refused at once
        assert result.returncode == 2 and f"{flag[0]}: `process` runs no source" in result.stderr, result.stderr


def test_query_reads_a_store_the_user_can_only_read():
    """The store and its folder read-only for the user running `query` (root: run it as nobody)."""
    root = tempfile.mkdtemp(prefix="kascade-ro-")
    try:
        os.chmod(root, 0o755)
        data_dir = os.path.join(root, "data")
        kascade("run", "--records", 50, "--data-dir", data_dir)
        for name in os.listdir(data_dir):
            path = os.path.join(data_dir, name)
            if os.path.isfile(path):
                os.chmod(path, 0o444)
        os.chmod(data_dir, 0o555)
        as_reader = {"preexec_fn": lambda: (os.setgid(65534), os.setuid(65534))} if os.geteuid() == 0 else {}
        binary = os.path.join(root, "kascade")  # a copy the reader may run wherever the build is
        shutil.copy(KASCADE, binary)
        os.chmod(binary, 0o755)
        result = subprocess.run([binary, "query", "--data-dir", data_dir, "--format", "csv",
                                 "SELECT count(*) AS n FROM users"], capture_output=True, text=True, timeout=120,
                                **as_reader)
        assert result.returncode == 0 and result.stdout == "n\n50\n", result
        refused = subprocess.run([binary, "query", "--data-dir", data_dir, "DELETE FROM users"],
                                 capture_output=True, text=True, timeout=120, **as_reader)
        assert refused.returncode == 2 and "readonly" in refused.stderr, refused
    finally:
        for folder, _, _ in os.walk(root):
            os.chmod(folder, stat.S_IRWXU)
        shutil.rmtree(root)


def test_lag_of_an_unknown_group_exits_1(tmp_path):
    kascade("run", "--records", 100, "--data-dir", tmp_path)
    unknown = kascade("lag", "--data-dir", tmp_path, "--group", "no-such-group", check=False)
    assert unknown.returncode == 1 and "--group no-such-group: no such group" in unknown.stderr, unknown
    known = json.loads(kascade("lag", "--data-dir", tmp_path, "--group", "kascade-processor", "--format",
                               "json").stdout)
    assert sum(row["committed_offset"] for row in known) == 100


def test_lag_of_an_unknown_kafka_group_exits_1(tmp_path):
    require_broker()
    pipeline = KafkaPipeline(tmp_path, partitions=2, name="lag-group")
    pipeline.run("ingest", "--records", 10)
    unknown = pipeline.run("lag", "--group", pipeline.group + "-typo", check=False)
    assert unknown.returncode == 1 and "no such group" in unknown.stderr, unknown


def test_query_on_a_cassandra_config_points_at_cql(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text(f"data_dir: {tmp_path / 'data'}\nstore:\n  type: cassandra\n")
    kascade("run", "--records", 10, "--data-dir", tmp_path / "data")  # a stale SQLite store where the data dir is
    result = kascade("query", "-c", config, "SELECT count(*) FROM users", check=False)
    assert result.returncode == 2, result
    assert f"{config}:3:9: store.type is cassandra" in result.stderr and f"kascade cql -c {config}" in result.stderr


def test_cql_takes_its_connection_from_a_config_and_statements_from_a_file_or_stdin(keyspace, tmp_path):
    config = tmp_path / "cassandra.yaml"
    config.write_text(f"store:\n  type: cassandra\n  cassandra:\n    hosts: 127.0.0.1\n    port: 9042\n"
                      f"    username: {USER}\n    password_env: {PASSWORD_ENV}\n")
    script = tmp_path / "script.cql"
    script.write_text(f"-- a table; with a comment\nCREATE TABLE {keyspace}.notes (id int PRIMARY KEY, body text);\n"
                      f"INSERT INTO {keyspace}.notes (id, body) VALUES (1, 'semi;colon and ''quote''');\n"
                      f"/* a block; comment */ INSERT INTO {keyspace}.notes (id, body) VALUES (2, $$dollar;text$$);\n"
                      f"SELECT id, body FROM {keyspace}.notes WHERE id = 1;\n")
    out = kascade("cql", "-c", config, "-f", script, "--format", "json", env=kascade_env()).stdout
    assert json.loads(out) == [{"id": 1, "body": "semi;colon and 'quote'"}], out
    piped = kascade("cql", "-c", config, "--format", "csv", env=kascade_env(),
                    input=f"SELECT body FROM {keyspace}.notes WHERE id = 2;  SELECT id FROM {keyspace}.notes WHERE id = 1")
    assert piped.stdout == "body\ndollar;text\nid\n1\n", piped.stdout
    # --set on top of the file: a wrong port is where it connects.
    moved = kascade("cql", "-c", config, "--set", "store.cassandra.port=1", "SELECT now() FROM system.local",
                    env=kascade_env(), check=False)
    assert moved.returncode == 1 and "127.0.0.1:1" in moved.stderr, moved.stderr
    # The login comes from the config: without its password variable, a config error.
    unset = kascade("cql", "-c", config, "SELECT now() FROM system.local", check=False,
                    env={k: v for k, v in os.environ.items() if k != PASSWORD_ENV})
    assert unset.returncode == 2 and "store.cassandra.password_env" in unset.stderr, unset.stderr
    failing = tmp_path / "failing.cql"
    failing.write_text(f"SELECT id FROM {keyspace}.notes; SELEKT nothing;")
    bad = kascade("cql", "-c", config, "-f", failing, env=kascade_env(), check=False)
    assert bad.returncode == 2 and "statement 2:" in bad.stderr, bad.stderr
    both = kascade("cql", "-c", config, "--hosts", "127.0.0.1", "SELECT now() FROM system.local", check=False)
    assert both.returncode == 2 and "excludes" in both.stderr, both.stderr


def test_relative_paths_in_a_config_are_relative_to_its_folder(tmp_path):
    folder = tmp_path / "conf"
    folder.mkdir()
    (folder / "p.yaml").write_text("data_dir: ./data\nstore:\n  path: rows.db\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    kascade("run", "--records", 30, "-c", "../conf/p.yaml", cwd=elsewhere)
    assert (folder / "data" / "log").is_dir() and (folder / "rows.db").is_file(), list(folder.iterdir())
    assert not any(elsewhere.iterdir()), list(elsewhere.iterdir())
    out = kascade("query", "-c", folder / "p.yaml", "--format", "csv", "SELECT count(*) AS n FROM users").stdout
    assert out == "n\n30\n"
    # A path given by a flag or --set is the working directory's.
    kascade("ingest", "--records", 5, "-c", "../conf/p.yaml", "--set", "data_dir=mine", cwd=elsewhere)
    assert (elsewhere / "mine" / "log").is_dir()
