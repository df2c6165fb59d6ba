"""A real job runner process (`manage.py db_worker`), killed or stopped in
the middle of an import: the content database is exactly as before, and the
job says what happened.

Each case runs in its own data folder (both databases as SQLite files).
The worker is held inside the import's transaction, after its first 1,000
rows were written, by a progress step that waits (the same worker command,
started through a small wrapper that slows that step down), so the signal
always lands midway.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.import_records import question_record

PROJECT_DIR = Path(__file__).resolve().parents[2]
CONTENT_TABLES = ("questions", "question_history")

# The worker, with every progress step after the first 1,000 written rows
# held for HOLD seconds (inside the content transaction).
SLOW_WORKER = """
import os, sys, time
import django
django.setup()
from importing import jobs
write = jobs.record_progress
def slow(*, job_id, fields):
    write(job_id=job_id, fields=fields)
    if fields.get("stage") == "writing questions" and fields["rows_done"] >= 1000:
        time.sleep(float(os.environ["HOLD"]))
jobs.record_progress = slow
from django.core.management import call_command
call_command("db_worker", reload=False, startup_delay=False, interval=0.2, verbosity=0)
"""

START_JOB = """
import json, sys
import django
django.setup()
from django.contrib.auth.models import User
from importing.sources import read_bytes
from importing.services import import_files
from importing.uploads import store_upload
from importing.jobs import start_import_job
user = User.objects.create_superuser("alice", password="pw-long-enough-123")
content = open(sys.argv[1], "rb").read()
report = import_files(files=[read_bytes(name="big.json", content=content)], user_label="alice", actor=user, dry_run=True)
upload = store_upload(user=user, filename="big.json", content=content, model=None, skip_invalid=False,
                      assign_ids=False, report=report.to_dict())
print(start_import_job(upload=upload, user=user, admin_site="admin").pk)
"""

JOB_STATUS = """
import json, sys
import django
django.setup()
from importing.jobs import job_status
from importing.models import BackgroundJob, ImportUpload
job = BackgroundJob.objects.get(pk=sys.argv[1])
status = job_status(job=job)
print(json.dumps({"state": status["state"], "message": status["message"],
                  "upload_kept": ImportUpload.objects.filter(pk=job.upload_id).exists()}))
"""


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "OI_", "TURSO_", "ADMIN_", "GUNICORN_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        OI_DATA_DIR=str(data_dir),
        OI_ALLOW_INSECURE_SECRET_KEY="1",
        OI_HTTPS="0",
        TURSO_DATABASE_URL="",
        TURSO_AUTH_TOKEN="",
        ADMIN_DATABASE_URL="",
        OI_JOB_PROGRESS_SECONDS="0",
        PYTHONPATH=str(PROJECT_DIR),
        **extra,
    )
    return env


def _run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, *args], cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _fingerprint(path: Path) -> str:
    digest = hashlib.sha256()
    with sqlite3.connect(path) as db:
        for table in CONTENT_TABLES:
            for row in db.execute(f"SELECT * FROM {table} ORDER BY 1"):
                digest.update(repr(row).encode())
    return digest.hexdigest()


def _job_row(path: Path, job_id: str) -> tuple[str, str, int]:
    with sqlite3.connect(path, timeout=5) as db:
        return db.execute(
            "SELECT state, stage, rows_done FROM core_backgroundjob WHERE id = ?", [job_id.replace("-", "")]
        ).fetchone()


def _prepared(tmp_path: Path) -> tuple[dict[str, str], str, str]:
    """Both databases set up, 300 questions stored, an import of 3,000 queued:
    (environment, job id, content fingerprint)."""
    env = _env(tmp_path)
    _run(["manage.py", "migrate", "--no-input", "-v", "0"], env)
    _run(["manage.py", "db_push", "--yes"], env)
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps([question_record(n) for n in range(1, 301)]))
    _run(["manage.py", "import_content", str(seed)], env)
    big = tmp_path / "big.json"
    big.write_text(
        json.dumps(
            [question_record(n, answer=f"Changed {n}.") for n in range(1, 301)]
            + [question_record(n) for n in range(301, 3001)]
        )
    )
    job_id = _run(["-c", START_JOB, str(big)], env).strip().splitlines()[-1]
    return env, job_id, _fingerprint(tmp_path / "open-interview.sqlite3")


def _start_worker_and_wait_midway(tmp_path: Path, env: dict[str, str], job_id: str, hold: float) -> subprocess.Popen:
    worker = subprocess.Popen(
        [sys.executable, "-c", SLOW_WORKER], cwd=PROJECT_DIR, env={**env, "HOLD": str(hold)},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        row = _job_row(tmp_path / "admin.sqlite3", job_id)
        if row and row[1] == "writing questions" and row[2] >= 1000:
            return worker
        assert worker.poll() is None, worker.stderr.read().decode()[-2000:]
        time.sleep(0.05)
    worker.kill()
    pytest.fail("the job did not reach its writes in 90 s")


def test_a_worker_killed_midway_leaves_the_content_as_before(tmp_path: Path) -> None:
    env, job_id, before = _prepared(tmp_path)
    worker = _start_worker_and_wait_midway(tmp_path, env, job_id, hold=60)
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=30)

    assert _fingerprint(tmp_path / "open-interview.sqlite3") == before
    assert _job_row(tmp_path / "admin.sqlite3", job_id)[0] == "running"  # nobody was left to say otherwise
    status = json.loads(_run(["-c", JOB_STATUS, job_id], {**env, "OI_JOB_STALE_AFTER_SECONDS": "0"}))
    assert status["state"] == "failed"
    assert status["message"].startswith("The job runner stopped while this import ran")
    assert status["upload_kept"]


def test_a_worker_stopped_midway_stops_the_import_and_writes_nothing(tmp_path: Path) -> None:
    env, job_id, before = _prepared(tmp_path)
    worker = _start_worker_and_wait_midway(tmp_path, env, job_id, hold=2)
    worker.send_signal(signal.SIGTERM)  # what `make run` sends it on Ctrl-C
    assert worker.wait(timeout=60) == 0

    assert _fingerprint(tmp_path / "open-interview.sqlite3") == before
    status = json.loads(_run(["-c", JOB_STATUS, job_id], env))
    assert status["state"] == "failed"
    assert status["message"] == (
        "The job runner was stopped while this import ran; nothing was imported. Open its preview to confirm it again."
    )
    assert status["upload_kept"]
