"""Exit codes of every command: 2 for a usage error and for a config error, 1 for a runtime failure
(a corrupt store, an unwritable data dir, a port in use, an unreachable service, output that cannot be
written), each with a message on stderr. Every subcommand `kascade --help` lists must have its cases."""
import re
import shutil
import socket
import sqlite3
import subprocess

import pytest

from conftest import KASCADE, kascade

NO_CONFIG = "takes no config"


def listed_subcommands(*path):
    """The subcommands a --help lists."""
    text = kascade(*path, "--help").stdout
    section = text.split("Subcommands:", 1)[1] if "Subcommands:" in text else ""
    return [m.group(1) for m in re.finditer(r"^  (\S+)\s", section, re.MULTILINE)]


def every_command():
    commands = []
    for name in listed_subcommands():
        nested = listed_subcommands(name)
        commands += [f"{name} {sub}" for sub in nested] if nested else [name]
    return commands


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A good data dir, one whose store is corrupt, a file where a data dir should be, a bad config,
    a listening port and a closed one."""
    root = tmp_path_factory.mktemp("exit_codes")
    good = root / "good"
    kascade("run", "--records", 20, "--data-dir", good)
    corrupt = root / "corrupt"
    shutil.copytree(good, corrupt)
    for suffix in ("-wal", "-shm"):
        (corrupt / f"store.db{suffix}").unlink(missing_ok=True)
    (corrupt / "store.db").write_bytes(b"not a SQLite database at all " * 300)
    (corrupt / "jobs.db").write_bytes(b"not a SQLite database at all " * 300)  # the schedule's history
    corrupt_log = root / "corrupt-log"
    shutil.copytree(good, corrupt_log)
    with sqlite3.connect(corrupt_log / "log" / "users.raw.db") as log:  # one flipped bit in a batch's payload
        rowid, payload = log.execute("SELECT rowid, payload FROM batches ORDER BY rowid LIMIT 1").fetchone()
        log.execute("UPDATE batches SET payload = ? WHERE rowid = ?", (bytes([payload[0] ^ 1]) + payload[1:], rowid))
    blocker = root / "a-file"
    blocker.write_text("a data dir cannot live under a file\n")
    bad_config = root / "bad.yaml"
    bad_config.write_text("bus:\n  partitons: 3\n")
    good_config = root / "good.yaml"
    good_config.write_text(f"data_dir: {good}\n")
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()  # nothing listens there any more
    yield {"good": good, "corrupt": corrupt, "corrupt_log": corrupt_log, "unwritable": blocker / "data", "bad": bad_config,
           "config": good_config, "busy": busy.getsockname()[1], "closed": closed_port}
    busy.close()


# Per command: (usage error, config error or NO_CONFIG, runtime failure); each an argument list
# built from the world, or for a runtime failure (arguments, where stdout goes).
CASES = {
    "run": (lambda w: ["run", "--duration", "soon"],
            lambda w: ["run", "-c", w["bad"]],
            lambda w: ["run", "--records", 5, "--data-dir", w["unwritable"]]),
    "ingest": (lambda w: ["ingest", "--records", "-1"],
               lambda w: ["ingest", "-c", w["bad"]],
               lambda w: ["ingest", "--records", 5, "--data-dir", w["unwritable"]]),
    "process": (lambda w: ["process", "--duration", "5x"],
                lambda w: ["process", "-c", w["bad"]],
                lambda w: ["process", "--data-dir", w["corrupt"], "--duration", "30s"]),
    "serve": (lambda w: ["serve", "--port", 70000],
              lambda w: ["serve", "-c", w["bad"]],
              lambda w: ["serve", "--data-dir", w["good"], "--port", w["busy"]]),
    "query": (lambda w: ["query", "--data-dir", w["good"], "--format", "xml", "SELECT 1"],
              lambda w: ["query", "-c", w["bad"], "SELECT 1"],
              lambda w: ["query", "--data-dir", w["corrupt"], "SELECT count(*) FROM users"]),
    "cql": (lambda w: ["cql", "--connect-timeout-ms", 0, "SELECT now() FROM system.local"],
            lambda w: ["cql", "--hosts", f"127.0.0.1:{w['closed']}", "--username", "u", "--password-env",
                       "KASCADE_EXIT_CODES_UNSET_VARIABLE", "SELECT now() FROM system.local"],
            lambda w: ["cql", "--hosts", f"127.0.0.1:{w['closed']}", "--connect-timeout-ms", 5000,
                       "SELECT now() FROM system.local"]),
    "validate": (lambda w: ["validate", "--format", "json"],
                 lambda w: ["validate", "-c", w["bad"]],
                 lambda w: (["validate", "-c", w["config"]], "/dev/full")),
    "topics": (lambda w: ["topics", "--format", "xml"],
               lambda w: ["topics", "-c", w["bad"]],
               lambda w: ["topics", "--data-dir", w["unwritable"]]),
    "lag": (lambda w: ["lag", "--no-such-flag"],
            lambda w: ["lag", "-c", w["bad"]],
            lambda w: ["lag", "--data-dir", w["unwritable"]]),
    "generate": (lambda w: ["generate", "--format", "xml"],
                 NO_CONFIG,
                 lambda w: (["generate", "--records", 1000], "/dev/full")),
    "dlq ls": (lambda w: ["dlq", "ls", "--class", "nonsense"],
               lambda w: ["dlq", "ls", "-c", w["bad"]],
               lambda w: ["dlq", "ls", "--data-dir", w["corrupt"]]),
    "dlq replay": (lambda w: ["dlq", "replay", "--class", "nonsense"],
                   lambda w: ["dlq", "replay", "-c", w["bad"]],
                   lambda w: ["dlq", "replay", "--data-dir", w["corrupt"]]),
    "log check": (lambda w: ["log", "check", "--format", "xml"],
                  lambda w: ["log", "check", "-c", w["bad"]],
                  lambda w: ["log", "check", "--data-dir", w["corrupt_log"]]),
    "log repair": (lambda w: ["log", "repair", "--no-such-flag"],
                   lambda w: ["log", "repair", "-c", w["bad"]],
                   lambda w: ["log", "repair", "--data-dir", w["unwritable"]]),
    "sources ls": (lambda w: ["sources", "ls", "--format", "xml"],
                   lambda w: ["sources", "ls", "-c", w["bad"]],
                   lambda w: ["sources", "ls", "--data-dir", w["unwritable"]]),
    "sources reset": (lambda w: ["sources", "reset", "generator", "--topic", "../up"],
                      lambda w: ["sources", "reset", "generator", "-c", w["bad"]],
                      lambda w: ["sources", "reset", "generator", "--data-dir", w["unwritable"]]),
    "config-reference": (lambda w: ["config-reference", "--no-such-flag"],
                         NO_CONFIG,
                         lambda w: (["config-reference"], "/dev/full")),
    "mock-api": (lambda w: ["mock-api", "--faults", "nonsense"],
                 NO_CONFIG,
                 lambda w: ["mock-api", "--port", w["busy"]]),
    "schedule": (lambda w: ["schedule", "--runs", 1],
                 lambda w: ["schedule", "--every", "1s", "--runs", 1, "-c", w["bad"]],
                 lambda w: ["schedule", "--every", "1s", "--runs", 1, "--records", 5, "--data-dir", w["unwritable"]]),
    "jobs ls": (lambda w: ["jobs", "ls", "--format", "xml"],
                lambda w: ["jobs", "ls", "-c", w["bad"]],
                lambda w: ["jobs", "ls", "--data-dir", w["corrupt"]]),
}


def test_every_subcommand_has_its_cases():
    listed = every_command()
    assert len(listed) >= 16, listed
    missing = [command for command in listed if command not in CASES]
    assert not missing, f"subcommands without exit-code cases: {missing}"
    assert not [command for command in CASES if command not in listed], "cases of commands --help does not list"


def run(args, stdout=None):
    if stdout is None:
        return kascade(*args, check=False, timeout=120)
    with open(stdout, "w") as sink:
        completed = subprocess.run([KASCADE, *map(str, args)], stdout=sink, stderr=subprocess.PIPE, text=True,
                                   timeout=120)
    return completed


@pytest.mark.parametrize("command", sorted(CASES))
def test_exit_codes(world, command):
    usage, config, runtime = CASES[command]
    for kind, case, expected in (("usage", usage, 2), ("config", config, 2), ("runtime", runtime, 1)):
        if case == NO_CONFIG:
            continue
        built = case(world)
        args, stdout = built if isinstance(built, tuple) else (built, None)
        result = run(args, stdout)
        assert result.returncode == expected, (kind, args, result.returncode, result.stderr)
        assert result.stderr.strip(), (kind, args, "no message on stderr")
