"""contrib/airflow/kascade_dag.py on a real Apache Airflow (`airflow dags test`, scripts/setup --airflow):
the task's kascade run lands every record, a second day's run adds nothing (`--records` is a total per
data dir), and a config with a mistake fails the task with kascade's message."""
import os
import subprocess

import pytest

from conftest import KASCADE, SOURCE_DIR, query

AIRFLOW = os.path.join(SOURCE_DIR, ".cache", "airflow-venv", "bin", "airflow")
RECORDS = 5_000


@pytest.fixture
def airflow(tmp_path):
    """Runs `airflow ARGS` against a fresh Airflow home whose DAGs folder is contrib/airflow."""
    assert os.path.exists(AIRFLOW), f"Airflow is not installed at {AIRFLOW} (scripts/setup --airflow)"
    env = dict(os.environ,
               AIRFLOW_HOME=str(tmp_path / "airflow"),
               AIRFLOW__CORE__DAGS_FOLDER=os.path.join(SOURCE_DIR, "contrib", "airflow"),
               AIRFLOW__CORE__LOAD_EXAMPLES="False",
               KASCADE_BIN=os.path.abspath(KASCADE))

    def run(*args, **extra_env):
        return subprocess.run([AIRFLOW, *args], env=dict(env, **extra_env), capture_output=True, text=True,
                              timeout=300, cwd=tmp_path)

    migrated = run("db", "migrate")
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    return run


def test_the_dag_runs_kascade_and_lands_every_record(airflow, tmp_path):
    data_dir = tmp_path / "data"
    config = tmp_path / "pipeline.yaml"
    config.write_text(f"data_dir: {data_dir}\n")
    flags = {"KASCADE_CONFIG": str(config), "KASCADE_ARGS": f"--source generator --records {RECORDS}"}

    parsed = airflow("dags", "reserialize")  # the DAG file parsed into Airflow's database, as its scheduler would
    assert parsed.returncode == 0, parsed.stderr[-3000:]
    listed = airflow("dags", "list", "-o", "plain")
    assert "kascade_daily" in listed.stdout, listed.stdout + listed.stderr[-3000:]
    first = airflow("dags", "test", "kascade_daily", "2026-12-04", **flags)
    log = first.stdout + first.stderr
    assert first.returncode == 0, log[-5000:]
    assert f"landed {RECORDS:,} rows and 0 dead letters" in log, log[-5000:]
    assert query(data_dir, "SELECT count(*), count(DISTINCT id) FROM users") == [(RECORDS, RECORDS)]

    second = airflow("dags", "test", "kascade_daily", "2026-12-05", **flags)
    assert second.returncode == 0, (second.stdout + second.stderr)[-5000:]
    assert query(data_dir, "SELECT count(*) FROM users") == [(RECORDS,)], "the next day's run adds nothing"


def test_a_config_mistake_fails_the_task_with_kascades_message(airflow, tmp_path):
    config = tmp_path / "pipeline.yaml"
    config.write_text(f"data_dir: {tmp_path / 'data'}\nbus:\n  partitons: 3\n")
    result = airflow("dags", "test", "kascade_daily", "2026-12-04", KASCADE_CONFIG=str(config),
                     KASCADE_ARGS="--records 10", KASCADE_RETRIES="0")
    log = result.stdout + result.stderr
    assert result.returncode != 0, log[-5000:]
    assert f"{config}:3:3: bus.partitons: unknown key (did you mean 'bus.partitions'?)" in log, log[-5000:]
    assert not (tmp_path / "data").exists()
