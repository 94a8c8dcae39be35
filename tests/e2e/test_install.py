"""tests/e2e/test_install.py: the Debian package, unpacked into a scratch root, holds a working kascade.

The package comes from scripts/package (CPack) and is reused while it is newer than the binary
and the packaging files; `dpkg-deb -x` unpacks it without installing anything on this machine.
"""
import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from conftest import SOURCE_DIR

SOURCE = Path(SOURCE_DIR)
BUILD = SOURCE / "build" / "release"
INPUTS = [BUILD / "kascade", SOURCE / "cmake" / "kascade_install.cmake", SOURCE / "CMakeLists.txt",
          *sorted((SOURCE / "packaging").iterdir()), *sorted((SOURCE / "configs").iterdir()),
          *sorted((SOURCE / "contrib").rglob("*"))]


def package():
    """The .deb of the current build: scripts/package's, rebuilt only when an input is newer."""
    debs = sorted((BUILD / "package").glob("kascade_*.deb")) if (BUILD / "package").is_dir() else []
    newest_input = max(p.stat().st_mtime for p in INPUTS if p.is_file())
    if len(debs) == 1 and debs[0].stat().st_mtime >= newest_input:
        return debs[0]
    result = subprocess.run([str(SOURCE / "scripts" / "package")], capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stdout + result.stderr
    deb = Path(result.stdout.strip().splitlines()[-1])
    assert deb.is_file() and deb.suffix == ".deb", result.stdout
    return deb


@pytest.fixture(scope="module")
def deb():
    return package()


@pytest.fixture(scope="module")
def root(deb, tmp_path_factory):
    root = tmp_path_factory.mktemp("root")
    subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    return root


def control(deb):
    return subprocess.run(["dpkg-deb", "-f", str(deb)], capture_output=True, text=True, check=True).stdout


def test_control_names_the_package_and_its_library_dependencies(deb):
    fields = control(deb)
    assert re.search(r"^Package: kascade$", fields, re.M), fields
    version = re.search(r"^project\(kascade VERSION ([0-9.]+)", (SOURCE / "CMakeLists.txt").read_text(), re.M)[1]
    assert re.search(rf"^Version: {re.escape(version)}$", fields, re.M), fields
    assert re.search(r"^Section: \S+", fields, re.M) and re.search(r"^Maintainer: \S+", fields, re.M), fields
    depends = re.search(r"^Depends: (.*)$", fields, re.M)[1]
    for library in ("librdkafka1", "libcurl4", "libsimdjson", "libsqlite3-0", "libyaml-cpp", "adduser"):
        assert library in depends, depends


def test_layout(root):
    expected = ["usr/bin/kascade", "etc/kascade/kascade.yaml", "lib/systemd/system/kascade.service",
                "share/kascade/configs/flagship.yaml", "share/kascade/airflow/kascade_dag.py",
                "share/kascade/grafana/kascade.json", "share/doc/kascade/README.md"]
    for relative in expected:
        path = root / relative if relative.startswith(("usr/", "etc/")) else root / "usr" / relative
        assert path.is_file(), relative
    assert os.access(root / "usr/bin/kascade", os.X_OK)


def test_unit_runs_the_installed_binary_with_the_installed_config(root, tmp_path):
    unit = (root / "usr/lib/systemd/system/kascade.service").read_text()
    exec_start = re.search(r"^ExecStart=(\S+) (.*)$", unit, re.M)
    assert exec_start[2] == "process -c /etc/kascade/kascade.yaml", unit
    assert (root / exec_start[1].lstrip("/")).is_file(), exec_start[1]
    for line in ("User=kascade", "StateDirectory=kascade", "Restart=on-failure", "NoNewPrivileges=yes",
                 "ProtectSystem=strict"):
        assert re.search(rf"^{line}$", unit, re.M), line
    assert "data_dir: /var/lib/kascade" in (root / "etc/kascade/kascade.yaml").read_text()
    if shutil.which("systemd-analyze"):
        # Verified as it would load, with ExecStart pointing into the scratch root.
        local = tmp_path / "kascade.service"
        local.write_text(unit.replace(f"ExecStart={exec_start[1]}", f"ExecStart={root}{exec_start[1]}"))
        result = subprocess.run(["systemd-analyze", "verify", "--man=no", str(local)], capture_output=True,
                                text=True, timeout=120)
        assert result.returncode == 0, result.stdout + result.stderr


def test_installed_binary_runs_the_installed_config(root, tmp_path):
    kascade = str(root / "usr/bin/kascade")
    version = subprocess.run([kascade, "--version"], capture_output=True, text=True, check=True).stdout
    assert re.fullmatch(r"kascade \d+\.\d+\.\d+ \([0-9a-f]{7,}(-dirty)?\)\n", version), version

    data_dir = tmp_path / "data"
    run = subprocess.run([kascade, "run", "-c", str(root / "etc/kascade/kascade.yaml"), "--data-dir", str(data_dir),
                          "--records", "10000"], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    out = subprocess.run([kascade, "query", "--data-dir", str(data_dir), "--format", "csv",
                          "SELECT count(*) FROM users"], capture_output=True, text=True, check=True).stdout
    assert out.splitlines()[-1] == "10000", out
    with sqlite3.connect(f"file:{data_dir}/store.db?mode=ro", uri=True) as db:
        assert db.execute("SELECT count(DISTINCT id) FROM users").fetchone()[0] == 10000
