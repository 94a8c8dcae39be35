"""The command line: --help everywhere, exit codes, query errors, the generated reference."""
import os
import re
import subprocess

import pytest

from conftest import SOURCE_DIR, kascade

COMMANDS = ["run", "ingest", "process", "query", "validate", "topics", "lag", "config-reference", "log", "sources",
            "dlq", "serve", "schedule", "jobs", "generate", "mock-api", "cql"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    result = kascade(command, "--help")
    assert result.returncode == 0
    assert "Usage" in result.stdout or "usage" in result.stdout.lower(), result.stdout


def test_top_level_help_lists_commands():
    out = kascade("--help").stdout
    for command in COMMANDS:
        assert command in out


def test_version_comes_from_the_build():
    """The project's version and, built from a git checkout, the commit it was configured from."""
    out = kascade("--version").stdout.strip()
    match = re.fullmatch(r"kascade (\d+\.\d+\.\d+)(?: \(([0-9a-f]{12})(?:-dirty)?\))?", out)
    assert match, out
    with open(os.path.join(SOURCE_DIR, "CMakeLists.txt")) as cmake:
        assert f"project(kascade VERSION {match.group(1)} " in cmake.read()
    if os.path.isdir(os.path.join(SOURCE_DIR, ".git")):
        assert match.group(2), out
        # The commit exists in this repository.
        assert subprocess.run(["git", "-C", SOURCE_DIR, "cat-file", "-e", match.group(2) + "^{commit}"]).returncode == 0


def test_query_errors(tmp_path):
    missing = kascade("query", "--data-dir", tmp_path / "nothing", "SELECT 1", check=False)
    assert missing.returncode == 1 and "no store at" in missing.stderr
    kascade("run", "--records", 10, "--data-dir", tmp_path / "d")
    bad_sql = kascade("query", "--data-dir", tmp_path / "d", "SELEKT 1", check=False)
    assert bad_sql.returncode == 2 and "SQL error" in bad_sql.stderr
    write = kascade("query", "--data-dir", tmp_path / "d", "DELETE FROM users", check=False)
    assert write.returncode == 2 and "readonly" in write.stderr, write.stderr
    assert kascade("query", "--data-dir", tmp_path / "d", "--format", "csv", "SELECT count(*) FROM users").stdout == "count(*)\n10\n"


def test_topics_and_lag(tmp_path):
    kascade("run", "--records", 1000, "--data-dir", tmp_path)
    topics = kascade("topics", "--data-dir", tmp_path, "--format", "csv").stdout.splitlines()
    assert topics[0] == "topic,partition,start_offset,end_offset,records,stored_bytes,corrupt_batches"
    assert len(topics) == 1 + 4
    assert sum(int(line.split(",")[3]) for line in topics[1:]) == 1000
    lag = kascade("lag", "--data-dir", tmp_path, "--format", "csv").stdout.splitlines()
    assert lag[0] == "group,topic,partition,committed_offset,end_offset,lag"
    assert all(line.endswith(",0") for line in lag[1:]), lag


def test_config_reference_doc_is_generated():
    generated = kascade("config-reference").stdout
    with open(os.path.join(SOURCE_DIR, "docs", "config-reference.md"), encoding="utf-8") as f:
        assert f.read() == generated, "docs/config-reference.md is stale: regenerate with `kascade config-reference`"
