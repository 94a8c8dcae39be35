"""`kascade schedule` runs the pipeline in-process at each tick and records every run in <data-dir>/jobs.db;
`kascade jobs ls` tells each run's story: ok, failed (with the run's own error), stopped (a signal), interrupted
(the scheduler died mid-run), skipped (a tick that came while a run was still going). Embedded bus and store."""
import json
import signal
import socket
import sqlite3
import subprocess
from datetime import datetime, timedelta, timezone

from conftest import KASCADE, kascade, query
from kafka_support import wait_until


def jobs(data_dir, *flags):
    out = kascade("jobs", "ls", "--data-dir", data_dir, "--format", "ndjson", *flags).stdout
    return [json.loads(line) for line in out.splitlines()]


def moment(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def start_schedule(data_dir, *flags):
    return subprocess.Popen([KASCADE, "schedule", "--data-dir", str(data_dir), *map(str, flags)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_every_two_seconds_records_two_runs_whose_counts_add_up(data_dir):
    result = kascade("schedule", "--every", "2s", "--duration", "1s", "--runs", 2, "--job", "demo",
                     "--set", "source.malformed_ratio=0.01", "--data-dir", data_dir, timeout=180)
    assert result.stdout.count("job 'demo' run") == 2, result.stdout

    # A run that outlasts its 2 s (a loaded machine) makes the next tick a skipped one: not a run.
    runs = [r for r in jobs(data_dir) if r["outcome"] != "skipped"]
    assert [(r["job"], r["run"], r["outcome"], r["reason"]) for r in runs] == [("demo", 1, "ok", ""),
                                                                              ("demo", 2, "ok", "")], runs
    # Ticks are 2 s apart; a run's started_at is when it began, a few ms after its tick (waking up, opening the
    # pipeline), and that delay differs run to run: seen 1.999 s apart. Consecutive ticks, not one tick twice.
    assert (moment(runs[1]["started_at"]) - moment(runs[0]["started_at"])).total_seconds() >= 1.5, runs
    assert all(r["rows"] > 0 and r["dead_letters"] > 0 for r in runs), runs
    assert all(r["records"] == r["rows"] + r["dead_letters"] for r in runs), runs
    assert all(r["ended_at"] >= r["started_at"] for r in runs), runs
    assert sum(r["rows"] for r in runs) == query(data_dir, "SELECT count(*) FROM users")[0][0]
    assert sum(r["dead_letters"] for r in runs) == query(data_dir, "SELECT count(*) FROM dead_letters")[0][0]


def test_records_bound_each_run(data_dir):
    kascade("schedule", "--every", "1s", "--records", 300, "--runs", 2, "--job", "bounded", "--data-dir", data_dir,
            timeout=120)
    assert [(r["run"], r["records"], r["rows"]) for r in jobs(data_dir)] == [(1, 300, 300), (2, 300, 300)]
    assert query(data_dir, "SELECT count(*), count(DISTINCT id) FROM users") == [(600, 600)]


def test_the_start_and_each_run_print_the_next_fire_time(data_dir):
    before = datetime.now(timezone.utc)
    process = start_schedule(data_dir, "--cron", "@hourly", "--job", "hourly")
    wait_until(lambda: (data_dir / "jobs.db").exists(), 60, "the history file")
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=60)
    after = datetime.now(timezone.utc)
    assert process.returncode == 0, stderr
    expected = {(t.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
                for t in (before, after)}
    assert any(f"job 'hourly': next run at {e}" in stdout for e in expected), (stdout, expected)
    assert jobs(data_dir) == [], "no tick came"

    every = kascade("schedule", "--every", "1s", "--records", 10, "--runs", 2, "--job", "e", "--data-dir", data_dir,
                    timeout=120).stdout
    lines = every.splitlines()
    # At the start, and after run 1 (run 2 is the last): the tick run 2 then started on.
    printed = [line.split("next run at ")[1] for line in lines if "job 'e': next run at" in line]
    assert len(printed) == 2, lines
    first, second = jobs(data_dir, "--job", "e")
    assert moment(printed[1]) <= moment(second["started_at"]) < moment(printed[1]) + timedelta(seconds=1), (lines, second)


def test_a_tick_during_a_run_is_skipped_and_recorded_never_run_at_once(data_dir):
    result = kascade("schedule", "--every", "1s", "--duration", "3500ms", "--runs", 2, "--job", "slow",
                     "--data-dir", data_dir, timeout=300)
    runs = jobs(data_dir)
    ran = [r for r in runs if r["outcome"] != "skipped"]
    skipped = [r for r in runs if r["outcome"] == "skipped"]
    assert [(r["run"], r["outcome"]) for r in ran] == [(1, "ok"), (2, "ok")], runs
    assert len(skipped) >= 3, runs  # run 1 lasted 3.5 s or more: the ticks at 1 s, 2 s and 3 s came during it
    assert all(r["run"] is None and "run 1 was still running" in r["reason"] for r in skipped[:3]), skipped
    assert all(moment(ran[0]["started_at"]) < moment(r["started_at"]) <= moment(ran[0]["ended_at"])
               for r in skipped[:3]), runs
    assert moment(ran[1]["started_at"]) >= moment(ran[0]["ended_at"]), "never two runs at once"
    assert sum(" skipped: run " in line for line in result.stdout.splitlines()) == len(skipped), result.stdout


def test_a_failed_run_keeps_its_own_error_and_the_schedule_goes_on(data_dir):
    url = f"http://127.0.0.1:{closed_port()}/api/"
    result = kascade("schedule", "--every", "1s", "--runs", 2, "--duration", "2s", "--job", "api",
                     "--source", "randomuser", "--set", f"source.randomuser.url={url}", "--data-dir", data_dir,
                     check=False, timeout=180)
    assert result.returncode == 1, result
    runs = [r for r in jobs(data_dir) if r["outcome"] != "skipped"]  # a 2 s run spans a 1 s tick or two
    assert [(r["run"], r["outcome"]) for r in runs] == [(1, "failed"), (2, "failed")], runs
    for run in runs:
        assert "never fetched successfully" in run["reason"] and "Couldn't connect" in run["reason"], run
        assert "exit" not in run["reason"], run
    assert "Couldn't connect" in result.stderr, result.stderr


def test_sigterm_during_a_run_stops_it_at_a_batch_boundary_recorded_as_stopped(data_dir):
    # A long run (not endless: should the wait below fail, the log stays bounded on disk).
    process = start_schedule(data_dir, "--every", "1h", "--records", "2000000", "--job", "endless")
    try:
        def growing():
            runs = jobs(data_dir) if (data_dir / "jobs.db").exists() else []
            return runs and runs[0]["outcome"] == "running" and runs[0]["rows"] > 0
        wait_until(growing, 120, "the running row's counts growing")
        running = jobs(data_dir)[0]
        assert running["ended_at"] is None and running["run"] == 1, running
    finally:
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 128 + signal.SIGTERM, stderr  # a run cut short: not a success
    [run] = jobs(data_dir)
    assert run["outcome"] == "stopped" and run["ended_at"] is not None, run
    assert "stop signal" in run["reason"], run
    # Every acknowledged row counted, nothing half-written.
    assert run["rows"] == query(data_dir, "SELECT count(*) FROM users")[0][0] >= running["rows"], run
    assert run["records"] >= run["rows"], run
    assert "job 'endless' run 1 stopped" in stdout, stdout


def test_sigterm_between_runs_ends_the_schedule(data_dir):
    process = start_schedule(data_dir, "--every", "1h", "--records", "50")
    wait_until(lambda: (data_dir / "jobs.db").exists() and [r["outcome"] for r in jobs(data_dir)] == ["ok"], 120,
               "the first run")
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    assert [r["rows"] for r in jobs(data_dir)] == [50], stdout


def test_a_killed_scheduler_leaves_an_interrupted_run_and_the_next_start_goes_on(data_dir):
    process = start_schedule(data_dir, "--every", "1h", "--records", "2000000", "--job", "crashy")  # a long run
    try:
        wait_until(lambda: (data_dir / "jobs.db").exists() and jobs(data_dir) and jobs(data_dir)[0]["rows"] > 0, 120,
                   "the running row's counts growing")
    finally:
        process.kill()
        process.communicate()
    [shown] = jobs(data_dir)
    assert shown["outcome"] == "interrupted" and f"pid {process.pid}" in shown["reason"], shown
    assert shown["ended_at"] is not None and shown["rows"] > 0, shown
    kascade("schedule", "--every", "1s", "--runs", 1, "--records", 5, "--job", "crashy", "--data-dir", data_dir,
            timeout=120)
    runs = jobs(data_dir)
    assert [(r["run"], r["outcome"]) for r in runs] == [(1, "interrupted"), (2, "ok")], runs
    with sqlite3.connect(f"file:{data_dir}/jobs.db?mode=ro", uri=True) as db:
        assert db.execute("SELECT outcome FROM job_runs ORDER BY id").fetchall() == [("interrupted",), ("ok",)]


def test_jobs_ls_job_keeps_only_that_jobs_runs(data_dir):
    for job in ("a", "b", "a"):
        kascade("schedule", "--every", "1s", "--records", 5, "--runs", 1, "--job", job, "--data-dir", data_dir,
                timeout=120)
    assert [(r["job"], r["run"]) for r in jobs(data_dir)] == [("a", 1), ("b", 1), ("a", 2)]
    assert [(r["job"], r["run"]) for r in jobs(data_dir, "--job", "a")] == [("a", 1), ("a", 2)]
    assert jobs(data_dir, "--job", "nope") == []
    table = kascade("jobs", "ls", "--data-dir", data_dir, "--job", "b").stdout
    assert "dead_letters" in table and "(1 rows)" in table.replace("(1 row)", "(1 rows)"), table
    csv = kascade("jobs", "ls", "--data-dir", data_dir, "--format", "csv").stdout.splitlines()
    assert csv[0] == "id,job,run,started_at,ended_at,records,rows,dead_letters,outcome,reason", csv
    assert len(csv) == 4, csv


def test_usage_errors_exit_2(data_dir):
    bad_cron = kascade("schedule", "--cron", "61 * * * *", "--data-dir", data_dir, check=False)
    assert bad_cron.returncode == 2
    assert "minute field '61'" in bad_cron.stderr, bad_cron.stderr
    bad_macro = kascade("schedule", "--cron", "@fortnightly", "--data-dir", data_dir, check=False)
    assert bad_macro.returncode == 2 and "unknown macro" in bad_macro.stderr, bad_macro.stderr
    neither = kascade("schedule", "--data-dir", data_dir, check=False)
    assert neither.returncode == 2 and "exactly one of --cron or --every" in neither.stderr
    both = kascade("schedule", "--cron", "* * * * *", "--every", "1s", "--data-dir", data_dir, check=False)
    assert both.returncode == 2
    assert jobs(data_dir) == [], "no run without a valid schedule"
