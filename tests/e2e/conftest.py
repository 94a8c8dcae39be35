"""Shared fixtures of the end-to-end tests: the kascade binary and a fresh data dir."""
import json
import os
import sqlite3
import subprocess

import pytest

KASCADE = os.environ.get("KASCADE_BIN", "build/release/kascade")
SOURCE_DIR = os.environ.get("KASCADE_SOURCE_DIR", os.getcwd())


def kascade(*args, check=True, timeout=600, **kwargs):
    """Runs the binary, returns the CompletedProcess (text mode)."""
    result = subprocess.run([KASCADE, *map(str, args)], capture_output=True, text=True, timeout=timeout, **kwargs)
    if check and result.returncode != 0:
        raise AssertionError(f"kascade {' '.join(map(str, args))} exited {result.returncode}:\n"
                             f"stdout: {result.stdout}\nstderr: {result.stderr}")
    return result


def query(data_dir, sql):
    """Reads the store with Python's own SQLite (not through kascade)."""
    with sqlite3.connect(f"file:{data_dir}/store.db?mode=ro", uri=True) as db:
        return db.execute(sql).fetchall()


def topic_end_offsets(data_dir, topic="users.raw"):
    rows = [json.loads(line) for line in kascade("topics", "--data-dir", data_dir, "--format", "json").stdout.splitlines()]
    return {row["partition"]: row["end_offset"] for row in rows if row["topic"] == topic}


@pytest.fixture
def data_dir(tmp_path):
    return tmp_path / "data"
