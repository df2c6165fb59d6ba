"""Admin import (upload -> preview -> confirm) and export, and who may reach them."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from interview.models import Question, QuestionHistory
from tests.support.import_records import question_record, table_counts

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls("tests.support.import_records")]

IMPORT_URL = "/admin/interview/question/import/"
EXPORT_URL = "/admin/interview/question/export/"
CHANGELIST_URL = "/admin/interview/question/"


def _staff(username: str, *codenames: str) -> Client:
    user = User.objects.create_user(username, password="pw-long-enough-123", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_question", *codenames]))
    client = Client()
    client.force_login(user)
    return client


def _upload(client: Client, content: bytes, name: str = "questions.json", **options: str):
    data = {"file": SimpleUploadedFile(name, content), "model": "", **options}
    return client.post(IMPORT_URL, data)


@pytest.mark.sqld
def test_without_import_permission_there_is_no_button_and_403() -> None:
    client = _staff("viewer")
    page = client.get(CHANGELIST_URL)
    assert page.status_code == 200
    assert IMPORT_URL not in page.content.decode()
    assert EXPORT_URL not in page.content.decode()
    assert client.get(IMPORT_URL).status_code == 403
    assert _upload(client, json.dumps([question_record(1)]).encode()).status_code == 403
    assert client.get(IMPORT_URL + "sometoken/").status_code == 403
    assert client.post(IMPORT_URL + "sometoken/").status_code == 403
    assert client.get(EXPORT_URL + "?format=csv").status_code == 403
    assert Question.objects.count() == 0


@pytest.mark.sqld
def test_upload_preview_confirm() -> None:
    client = _staff("importer", "import_content", "export_content")
    page = client.get(CHANGELIST_URL).content.decode()
    assert IMPORT_URL in page and EXPORT_URL in page

    content = json.dumps([question_record(1), question_record(2), question_record(3, difficulty="nope")]).encode()
    response = _upload(client, content)
    assert response.status_code == 302
    preview_url = response["Location"]
    preview = client.get(preview_url)
    text = preview.content.decode()
    assert "<td>questions.json</td><td>3</td><td>q-3</td><td>difficulty</td>" in text
    assert "&#x27;nope&#x27; is not one of" in text
    # Leaving the invalid record out is chosen here, on the preview.
    assert "Import the 2 valid records, skip 1" in text
    assert table_counts()["questions"] == 0  # the preview is a dry run

    confirmed = client.post(preview_url, {"skip_invalid": "1"})
    assert confirmed.status_code == 302 and confirmed["Location"] == CHANGELIST_URL
    assert sorted(Question.objects.values_list("id", flat=True)) == ["q-1", "q-2"]
    assert set(QuestionHistory.objects.values_list("source_name", flat=True)) == {"importer"}
    assert client.get(preview_url).status_code == 404  # used up

    # Re-upload with a change: the preview shows the field-level change.
    changed = json.dumps([question_record(1, answer="New answer")]).encode()
    preview = client.get(_upload(client, changed)["Location"]).content.decode()
    # Changed words are marked: removed in <del>, added in <ins>.
    assert "<del>Thing</del>" in preview and "<ins>New</ins>" in preview and "<ins>answer</ins>" in preview


def test_invalid_upload_without_skip_cannot_be_confirmed() -> None:
    client = _staff("importer", "import_content")
    response = _upload(client, json.dumps([question_record(1), question_record(2, channel="")]).encode())
    preview = client.get(response["Location"]).content.decode()
    assert "Import refused" in preview and "Confirm import" not in preview
    client.post(response["Location"])
    assert Question.objects.count() == 0


@override_settings(IMPORT_MAX_UPLOAD_BYTES=100)
def test_oversized_wrong_type_and_undecodable_uploads_get_a_message() -> None:
    client = _staff("importer", "import_content")
    too_big = _upload(client, b"[" + b" " * 200 + b"]")
    assert "the largest accepted is" in too_big.content.decode()
    wrong_type = _upload(client, b"id", name="questions.pdf")
    assert "cannot be imported; use .json, .csv or .xlsx" in wrong_type.content.decode()
    latin1 = _upload(client, "id,question\nq-1,caf\xe9\n".encode("latin-1"), name="q.csv")
    assert "is not UTF-8 text" in latin1.content.decode()
    assert Question.objects.count() == 0


def test_export_of_a_filtered_list_in_three_formats() -> None:
    client = _staff("exporter", "import_content", "export_content")
    client.post(
        _upload(
            client,
            json.dumps([question_record(1), question_record(2, difficulty="advanced", channel="devops")]).encode(),
        )["Location"]
    )
    response = client.get(EXPORT_URL + "?format=json&channel__exact=devops")
    assert response.status_code == 200
    assert [row["id"] for row in json.loads(response.content)] == ["q-2"]
    csv_response = client.get(EXPORT_URL + "?format=csv")
    assert csv_response["Content-Type"].startswith("text/csv")
    assert csv_response.content.decode("utf-8-sig").count("\r\n") == 3
    xlsx = client.get(EXPORT_URL + "?format=xlsx")
    assert xlsx.content[:2] == b"PK"
    assert reverse("import_test:interview_question_export") == EXPORT_URL
