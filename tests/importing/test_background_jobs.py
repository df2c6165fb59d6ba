"""Big imports and exports run as background jobs: progress, cancel, owners.

The job runner is django-tasks' database worker (`manage.py db_worker`),
run here in the test process with `--batch` (it runs what is queued, then
returns); tests/importing/test_background_jobs_kill.py kills a real worker process.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from core.databases import content_connection
from importing import jobs
from importing.models import BackgroundJob, BackgroundJobPart, ImportUpload
from interview.models import Question, QuestionHistory
from tests.support.import_records import question_record, records

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls("tests.support.import_records")]

IMPORT_URL = "/admin/interview/question/import/"
EXPORT_URL = "/admin/interview/question/export/"
CONTENT_TABLES = ("questions", "question_history", "certifications", "learning_paths", "voice_sessions")


@pytest.fixture(autouse=True)
def _job_settings(settings: Any) -> None:
    settings.IMPORT_BACKGROUND_MIN_RECORDS = 100
    settings.EXPORT_BACKGROUND_MIN_ROWS = 10
    settings.JOB_PROGRESS_SECONDS = 0  # every progress step is written


def _user(username: str, *codenames: str, superuser: bool = False) -> tuple[User, Client]:
    user = User.objects.create_user(
        username, password="pw-long-enough-123", is_staff=True, is_superuser=superuser
    )
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_question", *codenames]))
    client = Client()
    client.force_login(user)
    return user, client


def _content_fingerprint() -> str:
    """A hash of every row of the content tables an import writes."""
    digest = hashlib.sha256()
    with content_connection.cursor() as cursor:
        for table in CONTENT_TABLES:
            cursor.execute(f"SELECT * FROM {table} ORDER BY 1")
            for row in cursor.fetchall():
                digest.update(repr(row).encode())
    return digest.hexdigest()


def _seed(count: int) -> None:
    from importing.services import import_records

    import_records(
        model="questions", records=records([question_record(n) for n in range(1, count + 1)]), user_label="seed", dry_run=False
    )


def _confirm_in_background(client: Client, dicts: list[dict]) -> str:
    """Upload `dicts`, confirm the preview; the job page's URL it answers with."""
    upload = client.post(IMPORT_URL, {"file": SimpleUploadedFile("big.json", json.dumps(dicts).encode()), "model": ""})
    assert upload.status_code == 302, upload.content.decode()[:500]
    confirmed = client.post(upload["Location"])
    assert confirmed.status_code == 302
    assert "/jobs/" in confirmed["Location"], confirmed["Location"]
    return confirmed["Location"]


def _run_worker() -> None:
    call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)


def _recorded_progress(monkeypatch: pytest.MonkeyPatch, on_write: Any = None) -> list[dict]:
    """Every progress write of running jobs, as (stage, done, total) dicts."""
    seen: list[dict] = []
    write = jobs.record_progress

    def recording(*, job_id: Any, fields: dict) -> None:
        write(job_id=job_id, fields=fields)
        seen.append(dict(fields))
        if on_write:
            on_write(job_id, fields)

    monkeypatch.setattr(jobs, "record_progress", recording)
    return seen


@pytest.mark.sqld
def test_a_large_import_runs_as_a_job_with_progress_moving_to_the_end(monkeypatch: pytest.MonkeyPatch) -> None:
    user, client = _user("alice", "import_content")
    seen = _recorded_progress(monkeypatch)
    job_url = _confirm_in_background(client, [question_record(n) for n in range(1, 2501)])

    # The request only queued the job.
    job = BackgroundJob.objects.get()
    assert (job.user_id, job.kind, job.state, job.label) == (user.pk, "import", "queued", "big.json")
    assert Question.objects.count() == 0
    page = client.get(job_url)
    assert page.status_code == 200
    assert "Waiting for the job runner" in page.content.decode()

    _run_worker()

    writes = [(p["rows_done"], p["rows_total"]) for p in seen if p.get("stage") == "writing questions"]
    assert writes == [(1000, 2500), (2000, 2500), (2500, 2500)]
    checks = [p["rows_done"] for p in seen if p.get("stage") == "checking questions"]
    assert checks[0] < checks[-1] == 2500
    job.refresh_from_db()
    assert job.state == "done" and job.error == ""
    assert job.summary == "Imported big.json: 2,500 new, 0 updated, 0 unchanged, 0 left out as invalid."
    assert Question.objects.count() == 2500 and QuestionHistory.objects.count() == 2500
    assert ImportUpload.objects.count() == 0  # the upload goes with the import

    status = client.get(job_url + "status/").json()
    assert status["state"] == "done" and status["finished"] and status["percent"] == 100
    assert status["message"] == job.summary
    # A reload of the page shows the outcome, drawn by the server.
    assert job.summary in client.get(job_url).content.decode()


def test_the_status_of_a_running_job_says_rows_done_and_time_left() -> None:
    from datetime import timedelta

    from django.utils import timezone

    user, client = _user("alice", "import_content")
    now = timezone.now()
    job = BackgroundJob.objects.create(
        user=user, kind="import", label="big.json", model="questions", state="running",
        stage="writing questions", rows_done=1000, rows_total=4000,
        started_at=now - timedelta(seconds=30), stage_started_at=now - timedelta(seconds=10), heartbeat_at=now,
    )
    status = client.get(f"/admin/interview/question/jobs/{job.pk}/status/").json()
    assert status["percent"] == 25 and status["rows_done"] == 1000 and status["rows_total"] == 4000
    assert 29 <= status["seconds_left"] <= 31
    assert status["message"].startswith("Writing questions: 1,000 of 4,000 rows, about 3")
    assert status["message"].endswith(" s left in this step.")


@pytest.mark.sqld
def test_a_cancel_midway_leaves_the_content_exactly_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    _seed(300)
    before = _content_fingerprint()
    user, client = _user("alice", "import_content")

    def cancel_after_the_first_write(job_id: Any, fields: dict) -> None:
        # Another request (the owner's cancel button) while rows are being written.
        if fields.get("stage") == "writing questions" and fields["rows_done"] >= 1000:
            cancel = client.post(f"/admin/interview/question/jobs/{job_id}/cancel/")
            assert cancel.status_code == 302

    seen = _recorded_progress(monkeypatch, cancel_after_the_first_write)
    changed = [question_record(n, answer=f"Changed {n}.") for n in range(1, 301)]
    job_url = _confirm_in_background(client, changed + [question_record(n) for n in range(301, 2501)])
    _run_worker()

    assert any(p.get("stage") == "writing questions" and p["rows_done"] == 1000 for p in seen)
    job = BackgroundJob.objects.get()
    assert job.state == "cancelled"
    assert job.error.startswith("Cancelled: nothing was imported.")
    assert _content_fingerprint() == before
    assert Question.objects.count() == 300
    # The upload stays, so its preview can confirm it again.
    assert ImportUpload.objects.filter(pk=job.upload_id).exists()
    assert "Cancelled: nothing was imported." in client.get(job_url).content.decode()


def test_a_job_cancelled_before_it_starts_never_runs() -> None:
    _user("alice", "import_content")
    client = Client()
    client.force_login(User.objects.get(username="alice"))
    job_url = _confirm_in_background(client, [question_record(n) for n in range(1, 201)])
    client.post(job_url + "cancel/")
    _run_worker()
    job = BackgroundJob.objects.get()
    assert job.state == "cancelled" and job.started_at is None
    assert Question.objects.count() == 0


@pytest.mark.sqld
def test_another_user_can_neither_see_nor_cancel_a_job_but_a_superuser_can() -> None:
    _alice, alice = _user("alice", "import_content", "export_content")
    _bob, bob = _user("bob", "import_content", "export_content")
    _root, root = _user("root", superuser=True)
    job_url = _confirm_in_background(alice, [question_record(n) for n in range(1, 201)])

    for url in (job_url, job_url + "status/", job_url + "download/"):
        assert bob.get(url).status_code == 404
    assert bob.post(job_url + "cancel/").status_code == 404
    assert BackgroundJob.objects.get().state == "queued"
    assert root.get(job_url + "status/").status_code == 200

    _run_worker()
    assert BackgroundJob.objects.get().state == "done"
    assert Question.objects.count() == 200


def test_someone_without_the_permission_cannot_reach_their_old_job() -> None:
    alice, client = _user("alice", "import_content")
    job_url = _confirm_in_background(client, [question_record(n) for n in range(1, 201)])
    alice.user_permissions.remove(Permission.objects.get(codename="import_content"))
    assert client.get(job_url).status_code == 403
    assert client.post(job_url + "cancel/").status_code == 403


@pytest.mark.sqld
def test_a_large_export_runs_as_a_job_and_gives_the_file_the_request_would(settings: Any) -> None:
    _seed(40)
    _user_, client = _user("alice", "export_content")
    for file_format in ("csv", "json", "xlsx"):
        started = client.get(EXPORT_URL, {"format": file_format})
        assert started.status_code == 302 and "/jobs/" in started["Location"]
        _run_worker()
        job = BackgroundJob.objects.get(file_format=file_format)
        assert job.state == "done", job.error
        assert job.summary == "Exported 40 questions."
        download = client.get(started["Location"] + "download/")
        assert download.status_code == 200
        assert download["Content-Disposition"] == f'attachment; filename="{job.filename}"'
        content = b"".join(download.streaming_content)
        assert len(content) == job.size
        settings.EXPORT_BACKGROUND_MIN_ROWS = 1000
        expected = client.get(EXPORT_URL, {"format": file_format}).content
        settings.EXPORT_BACKGROUND_MIN_ROWS = 10
        if file_format == "xlsx":
            import io

            import openpyxl

            def cells(data: bytes) -> list[tuple]:
                return list(openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))

            assert cells(content) == cells(expected)
        else:
            assert content == expected


@pytest.mark.urls("config.urls")
def test_an_export_job_exports_only_the_filtered_rows(settings: Any) -> None:
    """On the real admin site: its search and filters choose the rows."""
    settings.EXPORT_BACKGROUND_MIN_ROWS = 3
    _seed(30)
    _root, client = _user("root", superuser=True)
    # Every seeded question says "thing"; "-7" leaves out the one whose text says 7.
    started = client.get("/admin/interview/question/export/", {"format": "json", "q": "thing -7", "difficulty": "intermediate"})
    assert started.status_code == 302 and "/jobs/" in started["Location"]
    _run_worker()
    job = BackgroundJob.objects.get()
    content = b"".join(client.get(started["Location"] + "download/").streaming_content)
    ids = sorted(row["id"] for row in json.loads(content))
    chosen = Question.objects.filter(difficulty="intermediate").exclude(pk="q-7")
    assert ids == sorted(chosen.values_list("id", flat=True))
    assert ids == ["q-1", "q-10", "q-13", "q-16", "q-19", "q-22", "q-25", "q-28", "q-4"]
    assert job.summary == f"Exported {len(ids)} questions."


def test_an_export_file_is_kept_in_parts_and_old_jobs_are_swept(monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import timedelta

    from django.utils import timezone

    monkeypatch.setattr(jobs, "PART_BYTES", 100)
    _seed(40)
    _user_, client = _user("alice", "export_content")
    started = client.get(EXPORT_URL, {"format": "json"})
    _run_worker()
    job = BackgroundJob.objects.get()
    assert BackgroundJobPart.objects.filter(job=job).count() > jobs.PARTS_PER_QUERY
    content = b"".join(client.get(started["Location"] + "download/").streaming_content)
    assert len(json.loads(content)) == 40

    BackgroundJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(days=1, minutes=1))
    assert jobs.sweep_old_jobs() == 1
    assert BackgroundJobPart.objects.count() == 0
    assert client.get(started["Location"]).status_code == 404


def test_a_job_whose_worker_went_silent_reads_as_failed(settings: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    settings.JOB_STALE_AFTER_SECONDS = 60
    user, client = _user("alice", "import_content")
    old = timezone.now() - timedelta(seconds=61)
    job = BackgroundJob.objects.create(
        user=user, kind="import", label="big.json", model="questions", state="running",
        stage="writing questions", rows_done=1000, rows_total=4000, started_at=old, heartbeat_at=old,
    )
    status = client.get(f"/admin/interview/question/jobs/{job.pk}/status/").json()
    assert status["state"] == "failed" and status["finished"]
    assert status["message"].startswith("The job runner stopped while this import ran (no sign of it for 60 s).")
    job.refresh_from_db()
    assert job.state == "failed"


def test_small_imports_and_exports_stay_in_the_request() -> None:
    _seed(5)
    _user_, client = _user("alice", "import_content", "export_content")
    export = client.get(EXPORT_URL, {"format": "csv"})
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    upload = client.post(
        IMPORT_URL,
        {"file": SimpleUploadedFile("small.json", json.dumps([question_record(n) for n in range(6, 16)]).encode())},
    )
    confirmed = client.post(upload["Location"])
    assert confirmed.status_code == 302 and "/jobs/" not in confirmed["Location"]
    assert Question.objects.count() == 15
    assert BackgroundJob.objects.count() == 0


def test_the_progress_page_polls_with_a_static_script_only() -> None:
    _user_, client = _user("alice", "import_content")
    job_url = _confirm_in_background(client, [question_record(n) for n in range(1, 201)])
    html = client.get(job_url).content.decode()
    assert 'src="/static/core/job_progress.js"' in html
    assert "<script>" not in html and "onclick" not in html
    assert f'data-status-url="{job_url}status/"' in html
    assert '<progress class="oi-job-bar" max="100" value="0"' in html


@pytest.mark.urls("config.urls")
def test_an_export_job_keeps_what_the_list_told_about_its_search(settings: Any) -> None:
    """The list's note on a search typed with an unbalanced quote is the
    job's too, instead of failing the job (it has no page to show it on)."""
    settings.EXPORT_BACKGROUND_MIN_ROWS = 3
    _seed(10)
    _root, client = _user("root", superuser=True)
    started = client.get(EXPORT_URL, {"format": "csv", "q": '"thing'})
    assert started.status_code == 302 and "/jobs/" in started["Location"]
    _run_worker()
    job = BackgroundJob.objects.get()
    assert job.state == BackgroundJob.DONE, job.error
    assert job.summary == (
        "Exported 10 questions. Searched for the words of “\"thing” "
        "(quotes and operators as typed could not be read)."
    )
