"""`kascade schedule` runs the pipeline at each fire time and records every run; `kascade jobs ls` lists them."""
import json
import signal
import subprocess
import time
from datetime import datetime

from conftest import KASCADE, kascade, query


def jobs(data_dir):
    return [json.loads(line) for line in kascade("jobs", "ls", "--data-dir", data_dir, "--format", "json").stdout.splitlines()]


def started(run):
    return datetime.fromisoformat(run["started_at"].replace("Z", "+00:00"))


def test_every_two_seconds_records_two_runs_whose_rows_add_up(data_dir):
    result = kascade("schedule", "--every", "2s", "--duration", "1s", "--runs", 2, "--job", "demo",
                     "--data-dir", data_dir, timeout=120)
    assert result.stdout.count("job 'demo' run") == 2, result.stdout

    runs = jobs(data_dir)
    assert [(r["job"], r["outcome"]) for r in runs] == [("demo", "ok"), ("demo", "ok")], runs
    assert (started(runs[1]) - started(runs[0])).total_seconds() >= 2, runs
    assert all(r["records"] > 0 for r in runs), runs
    assert all(r["ended_at"] >= r["started_at"] for r in runs), runs
    assert sum(r["records"] for r in runs) == query(data_dir, "SELECT count(*) FROM users")[0][0]
    assert sum(r["errors"] for r in runs) == query(data_dir, "SELECT count(*) FROM dead_letters")[0][0]


def test_records_bound_each_run(data_dir):
    kascade("schedule", "--every", "1s", "--records", 300, "--runs", 2, "--job", "bounded", "--data-dir", data_dir,
            timeout=120)
    assert [r["records"] for r in jobs(data_dir)] == [300, 300]
    assert query(data_dir, "SELECT count(*), count(DISTINCT id) FROM users") == [(600, 600)]


def test_sigterm_ends_the_schedule_between_runs(data_dir):
    process = subprocess.Popen([KASCADE, "schedule", "--every", "1h", "--records", "50", "--data-dir", str(data_dir)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (data_dir / "store.db").exists():
        time.sleep(0.2)
    while time.monotonic() < deadline and not jobs(data_dir):
        time.sleep(0.2)
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    assert [r["records"] for r in jobs(data_dir)] == [50], stdout


def test_usage_errors_exit_2(data_dir):
    bad_cron = kascade("schedule", "--cron", "61 * * * *", "--data-dir", data_dir, check=False)
    assert bad_cron.returncode == 2
    assert "minute field '61'" in bad_cron.stderr, bad_cron.stderr
    neither = kascade("schedule", "--data-dir", data_dir, check=False)
    assert neither.returncode == 2 and "exactly one of --cron or --every" in neither.stderr
    both = kascade("schedule", "--cron", "* * * * *", "--every", "1s", "--data-dir", data_dir, check=False)
    assert both.returncode == 2
    assert jobs(data_dir) == [], "no run without a valid schedule"
