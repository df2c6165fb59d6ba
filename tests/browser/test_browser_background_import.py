"""A big import in a real browser: confirmed, it runs on the job runner
while its page shows the bar moving; a reload shows the same job; it ends
with the outcome drawn by the server."""

from __future__ import annotations

import json
import re
import threading
import time

from browser_support import log_in, make_admin_user
from playwright.sync_api import expect
from test_browser_importer import export_record, upload

RECORDS = 3000


def test_a_big_import_shows_its_progress_survives_a_reload_and_finishes(page, settings, monkeypatch) -> None:
    from django.db import connections

    from importing import jobs
    from importing.models import BackgroundJob
    from interview.models import Question

    settings.IMPORT_BACKGROUND_MIN_RECORDS = 100
    settings.JOB_PROGRESS_SECONDS = 0
    # Each progress write waits a moment, so a person (and this test) sees the
    # bar between the start and the end of a 3,000-row import.
    write = jobs.record_progress

    def slow_write(*, job_id, fields) -> None:
        write(job_id=job_id, fields=fields)
        time.sleep(1.0)

    monkeypatch.setattr(jobs, "record_progress", slow_write)

    make_admin_user(username="ivan", role="importer")
    page.goto("/admin/")
    log_in(page, username="ivan")
    records = [export_record(f"q-{7000 + n}") for n in range(RECORDS)]
    upload(page, name="big-export.json", content=json.dumps(records).encode("utf-8"))
    page.get_by_role("button", name="Confirm import").click()

    expect(page).to_have_url(re.compile(r"/admin/.*/jobs/[\w-]+/$"))
    job_url = page.url
    bar = page.locator("progress.oi-job-bar")
    expect(page.locator(".oi-job-message")).to_contain_text("Waiting for the job runner")
    assert Question.objects.count() == 0

    # What the job runner does with the queued job (`db_worker` itself wants
    # the main thread for its signals; tests/importing/test_background_jobs_kill.py
    # runs a real one in its own process).
    job = BackgroundJob.objects.get()

    def run_worker() -> None:
        try:
            jobs.run_job(job_id=str(job.pk))
        finally:
            connections.close_all()

    worker = threading.Thread(target=run_worker, daemon=True)
    worker.start()

    # The bar moves while the job runs: a value strictly between 0 and 100.
    seen_between = False
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not seen_between:
        value = float(bar.get_attribute("value") or 0)
        seen_between = 0 < value < 100
        time.sleep(0.1)
    job.refresh_from_db()
    assert seen_between, (
        f"the progress bar never showed a job under way: job {job.state} {job.rows_done}/{job.rows_total} "
        f"{job.error!r}; page says {page.locator('.oi-job-message').inner_text()!r}"
    )
    expect(page.locator(".oi-job-rows")).to_contain_text(f"of {RECORDS:,} rows")

    # A reload shows the same job, still under way or finished.
    page.reload()
    expect(page).to_have_url(job_url)
    expect(bar).to_be_visible()

    # The page reloads itself when the job ends: the outcome, from the server.
    expect(page.locator(".oi-job-message")).to_contain_text(
        f"Imported big-export.json: {RECORDS:,} new", timeout=60_000
    )
    expect(bar).to_have_attribute("value", "100")
    worker.join(timeout=30)
    assert Question.objects.filter(pk__in=[record["id"] for record in records]).count() == RECORDS
