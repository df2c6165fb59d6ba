"""Uploads waiting between preview and confirm live in the database: only the
uploader reaches them, confirm and cancel delete them, stale ones are swept."""

from __future__ import annotations

import json
import os
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from importing import uploads
from importing.models import ImportUpload, ImportUploadPart
from interview.models import Question, QuestionHistory
from tests.support.import_records import question_record

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls("tests.support.import_records")]

IMPORT_URL = "/admin/interview/question/import/"
CHANGELIST_URL = "/admin/interview/question/"


def _importer(username: str) -> tuple[User, Client]:
    user = User.objects.create_user(username, password="pw-long-enough-123", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_question", "import_content"]))
    client = Client()
    client.force_login(user)
    return user, client


def _upload(client: Client, records: list[dict], name: str = "questions.json") -> str:
    response = client.post(IMPORT_URL, {"file": SimpleUploadedFile(name, json.dumps(records).encode()), "model": ""})
    assert response.status_code == 302, response.content.decode()[:500]
    return response["Location"]


@pytest.mark.sqld
def test_the_upload_waits_in_the_database_and_confirm_deletes_it() -> None:
    user, client = _importer("alice")
    content = json.dumps([question_record(1), question_record(2)]).encode()
    preview_url = client.post(IMPORT_URL, {"file": SimpleUploadedFile("questions.json", content), "model": ""})[
        "Location"
    ]
    upload = ImportUpload.objects.get()
    assert preview_url.rstrip("/").endswith(str(upload.pk))
    assert (upload.user_id, upload.filename, upload.file_format, upload.size) == (user.pk, "questions.json", "json", len(content))
    # The bytes and the dry run's report come back from the database alone.
    assert uploads.upload_content(upload=upload) == content
    assert uploads.upload_report(upload=upload)["totals"]["created"] == 2
    assert Question.objects.count() == 0

    confirmed = client.post(preview_url)
    assert confirmed.status_code == 302 and confirmed["Location"] == CHANGELIST_URL
    assert sorted(Question.objects.values_list("id", flat=True)) == ["q-1", "q-2"]
    assert ImportUpload.objects.count() == 0
    assert ImportUploadPart.objects.count() == 0
    assert client.get(preview_url).status_code == 404
    assert client.post(preview_url).status_code == 404  # a second confirm imports nothing
    assert QuestionHistory.objects.count() == 2


@pytest.mark.sqld
def test_another_user_cannot_see_or_confirm_the_upload() -> None:
    _alice, alice_client = _importer("alice")
    _bob, bob_client = _importer("bob")
    preview_url = _upload(alice_client, [question_record(1)])

    assert bob_client.get(preview_url).status_code == 404
    assert bob_client.post(preview_url).status_code == 404
    assert bob_client.post(preview_url, {"cancel": "1"}).status_code == 404
    assert Question.objects.count() == 0
    assert ImportUpload.objects.count() == 1  # still there for alice
    assert alice_client.get(preview_url).status_code == 200


def test_cancel_deletes_the_upload_and_writes_nothing() -> None:
    _user, client = _importer("alice")
    preview_url = _upload(client, [question_record(1)])
    assert "Cancel import" in client.get(preview_url).content.decode()

    response = client.post(preview_url, {"cancel": "Cancel import"})
    assert response.status_code == 302 and response["Location"] == CHANGELIST_URL
    assert ImportUpload.objects.count() == 0 and ImportUploadPart.objects.count() == 0
    assert Question.objects.count() == 0
    assert client.get(preview_url).status_code == 404


def test_stale_uploads_are_swept_on_the_next_upload() -> None:
    _alice, alice_client = _importer("alice")
    _bob, bob_client = _importer("bob")
    _upload(alice_client, [question_record(1)])
    _upload(bob_client, [question_record(2)])
    stale, recent = ImportUpload.objects.order_by("filename", "user__username")
    ImportUpload.objects.filter(pk=stale.pk).update(created_at=timezone.now() - timedelta(days=1, minutes=1))
    ImportUpload.objects.filter(pk=recent.pk).update(created_at=timezone.now() - timedelta(hours=23))

    _upload(alice_client, [question_record(3)])
    remaining = set(ImportUpload.objects.values_list("pk", flat=True))
    assert stale.pk not in remaining and recent.pk in remaining and len(remaining) == 2
    assert not ImportUploadPart.objects.filter(upload_id=stale.pk).exists()
    assert ImportUploadPart.objects.filter(upload_id=recent.pk).exists()


def test_a_refused_confirm_keeps_the_upload_and_shows_why() -> None:
    _user, client = _importer("alice")
    preview_url = _upload(client, [question_record(1), question_record(2, channel="")])
    assert "Confirm import" not in client.get(preview_url).content.decode()

    # A confirm posted anyway: the import refuses, the claim on the upload
    # rolls back with it, and the preview says why.
    response = client.post(preview_url)
    assert response.status_code == 302 and response["Location"] == preview_url
    assert ImportUpload.objects.count() == 1
    assert "Import refused" in client.get(preview_url).content.decode()
    assert Question.objects.count() == 0 and QuestionHistory.objects.count() == 0


@pytest.mark.sqld
def test_large_uploads_are_stored_in_parts_the_server_accepts() -> None:
    """Incompressible 2.5 MB: three parts, each far below the ~5 MB a libSQL
    server accepts as one value; read back a few parts per query."""
    user = User.objects.create_user("alice")
    content = os.urandom(5 * uploads.PART_BYTES // 2)
    upload = uploads.store_upload(
        user=user, filename="big.json", content=content, model=None, skip_invalid=False, assign_ids=False,
        report={"problems": []},
    )
    parts = list(ImportUploadPart.objects.filter(upload=upload, kind=ImportUploadPart.FILE).values_list("number", flat=True))
    assert parts == [0, 1, 2]
    assert uploads.upload_content(upload=upload) == content
    assert uploads.claim_upload(upload=upload) is True
    assert uploads.claim_upload(upload=upload) is False  # a second confirm finds nothing
    assert ImportUploadPart.objects.count() == 0


def test_a_missing_part_is_reported_not_misread() -> None:
    user = User.objects.create_user("alice")
    content = os.urandom(3 * uploads.PART_BYTES)
    upload = uploads.store_upload(
        user=user, filename="big.csv", content=content, model=None, skip_invalid=False, assign_ids=False, report={}
    )
    ImportUploadPart.objects.filter(upload=upload, kind=ImportUploadPart.FILE, number=1).delete()
    with pytest.raises(uploads.UploadDamaged, match="part 1"):
        uploads.upload_content(upload=upload)
