"""kascade in Airflow: the tutorial stack's daily DAG ("fetch users from the API and stream them for 60
seconds"), as one task that runs kascade.

Copy this file into Airflow's dags/ folder. The task runs `kascade run` (or, with KASCADE_COMMAND=ingest,
only the source -> topic half, when `kascade process` instances run as services beside Kafka), with:

  KASCADE_BIN      the kascade binary (default: kascade on the PATH)
  KASCADE_CONFIG   the pipeline config (default: /etc/kascade/pipeline.yaml)
  KASCADE_COMMAND  run | ingest (default: run)
  KASCADE_ARGS     more flags (default: --source randomuser --duration 60s)
  KASCADE_RETRIES  retries of a failed run (default: 2, a minute apart)

kascade exits 0 when the run is done, 1 for a runtime failure, 2 for a usage or config error (the task log
names the file, line and key). A failed task is retried: a run stopped part-way resumes where it stopped
(offsets and the source's position are stored with the data), so a retry neither loses nor repeats records.
Tested with `airflow dags test` against a real Airflow (tests/e2e/test_airflow_dag.py).
"""
import os
from datetime import datetime, timedelta

from airflow import DAG

try:  # Airflow 3: the standard provider
    from airflow.providers.standard.operators.bash import BashOperator
except ImportError:  # Airflow 2
    from airflow.operators.bash import BashOperator

KASCADE_BIN = os.environ.get("KASCADE_BIN", "kascade")
KASCADE_CONFIG = os.environ.get("KASCADE_CONFIG", "/etc/kascade/pipeline.yaml")
KASCADE_COMMAND = os.environ.get("KASCADE_COMMAND", "run")
KASCADE_ARGS = os.environ.get("KASCADE_ARGS", "--source randomuser --duration 60s")
KASCADE_RETRIES = int(os.environ.get("KASCADE_RETRIES", "2"))

with DAG(
    dag_id="kascade_daily",
    description="Fetch users from the API, stream them through the topic and land them (kascade)",
    start_date=datetime(2026, 1, 1),
    schedule="@daily",
    catchup=False,
    default_args={"owner": "kascade", "retries": KASCADE_RETRIES, "retry_delay": timedelta(minutes=1)},
    tags=["kascade"],
) as dag:
    BashOperator(
        task_id="stream_users",
        bash_command=f'"{KASCADE_BIN}" {KASCADE_COMMAND} -c "{KASCADE_CONFIG}" {KASCADE_ARGS}',
    )
