"""What one role cannot do through another role's door.

Moderation (a question's `status`) belongs to moderators whichever path
tries to change it: a revert, an import, the moderation services. No admin
list can be filtered on a field that holds a secret (a password hash could
be read out a character at a time). Signing in with a foreign `next` lands
on the admin index.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from core import encodings
from core.models import AppUser
from core.roles import EDITORS, IMPORTERS, MODERATORS
from importing.readers import SourceRecord
from importing.services import import_records
from interview import services
from interview.models import Question, QuestionHistory
from tests.support.content_factories import PASSWORD, make_question

pytestmark = pytest.mark.django_db

STATUS_RULE = "only moderators may change the status of a question"


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def status_of(question_id: str) -> str | None:
    return Question.objects.values_list("status", flat=True).get(pk=question_id)


def latest_entry(question_id: str) -> QuestionHistory:
    return QuestionHistory.objects.filter(question_id=question_id).latest("id")


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def revert_url(question_id: str, entry_id: int) -> str:
    return reverse("admin:interview_question_revert", args=[question_id, entry_id])


# -- revert ---------------------------------------------------------------------------


# (the moderator's action, the status before it, the status after it)
MODERATION_STEPS = [
    ("delete", "active", "deleted"),
    ("flag", "active", "flagged"),
    ("approve", "flagged", "active"),
    ("restore", "deleted", "active"),
]


@pytest.mark.sqld
@pytest.mark.parametrize(("action", "before", "after"), MODERATION_STEPS)
def test_an_editor_cannot_revert_a_moderation_but_a_moderator_can(make_user, action, before, after):
    make_question("gh-70", status=before)
    moderator = client_for(make_user(MODERATORS))
    moderator.post(
        reverse("admin:interview_question_moderate", args=["gh-70"]),
        {"action": action, "reason": "spam"},
        follow=True,
    )
    assert status_of("gh-70") == after
    entry = latest_entry("gh-70")
    entries_before = QuestionHistory.objects.count()

    editor = client_for(make_user(EDITORS))
    refused = editor.post(revert_url("gh-70", entry.pk), follow=True)

    assert status_of("gh-70") == after
    assert QuestionHistory.objects.count() == entries_before
    assert messages_of(refused) == [
        f"History entry #{entry.pk} changed only the status, and {STATUS_RULE}; nothing was reverted."
    ]

    reverted = moderator.post(revert_url("gh-70", entry.pk), follow=True)
    assert status_of("gh-70") == before
    assert messages_of(reverted) == [f"Reverted status to before entry #{entry.pk}."]


def test_an_editor_reverting_an_entry_that_also_changed_status_restores_the_rest_and_says_so(make_user):
    # An import by a moderator changed the answer and soft-deleted the question in one entry.
    make_question("gh-72", status="deleted", answer="New answer.")
    entry = QuestionHistory.objects.create(
        question_id="gh-72",
        question_type="question",
        event_type="updated",
        event_source="import",
        source_name="moe",
        changed_fields=["answer", "status"],
        before_snapshot={"answer": "Old answer.", "status": "active"},
        after_snapshot={"answer": "New answer.", "status": "deleted"},
    )

    editor = client_for(make_user(EDITORS))
    response = editor.post(revert_url("gh-72", entry.pk), follow=True)

    question = Question.objects.get(pk="gh-72")
    assert (question.answer, question.status) == ("Old answer.", "deleted")
    assert messages_of(response) == [
        f"Reverted answer to before entry #{entry.pk}. The status stays deleted: {STATUS_RULE}."
    ]
    revert = latest_entry("gh-72")
    assert (revert.event_type, revert.changed_fields) == ("reverted", ["answer"])
    assert revert.metadata == {"reverted_entry_id": entry.pk, "status_kept": "deleted"}


def test_the_services_refuse_a_status_change_by_anyone_who_may_not_moderate(make_user):
    make_question("gh-73")
    editor = make_user(EDITORS)
    question = Question.objects.get(pk="gh-73")

    with pytest.raises(services.ModerationError) as refused:
        services.change_status(questions=[question], change="delete", source_name="edna", actor=editor)
    assert str(refused.value) == (
        "Only moderators may approve, soft-delete or restore questions; you may flag a question "
        "for review, with a reason. Nothing was changed."
    )

    question.status = "deleted"
    with pytest.raises(services.ModerationError) as refused_save:
        services.save_question_changes(question=question, source_name="edna", actor=editor)
    assert str(refused_save.value) == f"Question gh-73: {STATUS_RULE}; nothing was saved."

    assert status_of("gh-73") == "active"
    assert not QuestionHistory.objects.filter(question_id="gh-73").exists()

    moderator = make_user(MODERATORS)
    services.change_status(
        questions=[Question.objects.get(pk="gh-73")], change="delete", source_name="moe", actor=moderator
    )
    assert status_of("gh-73") == "deleted"


# -- import ---------------------------------------------------------------------------


def upload(client: Client, records: list[dict[str, Any]], **options: str) -> Any:
    data = {"file": SimpleUploadedFile("questions.json", json.dumps(records).encode()), "model": "", **options}
    response = client.post(reverse("admin:interview_question_import"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"]


@pytest.mark.sqld
def test_an_importer_changing_status_is_refused_in_the_preview_with_the_reason(make_user):
    make_question("gh-71")
    importer = client_for(make_user(IMPORTERS))

    preview_url = upload(importer, [{"id": "gh-71", "status": "deleted"}])
    page = importer.get(preview_url).content.decode()

    reason = f"would change the status from active to deleted; {STATUS_RULE}"
    assert f"<td>questions.json</td><td>1</td><td>gh-71</td><td>status</td><td>{reason}</td>" in page
    assert "Confirm import" not in page
    importer.post(preview_url)
    assert status_of("gh-71") == "active"
    assert not QuestionHistory.objects.filter(question_id="gh-71").exists()


def test_an_importer_skipping_invalid_rows_imports_the_rest_but_not_the_status_change(make_user):
    make_question("gh-71")
    make_question("gh-74", answer="Old.")
    importer = client_for(make_user(IMPORTERS))

    # A file made after the rows were last changed.
    made = encodings.format_node_timestamp(encodings.node_now())
    preview_url = upload(
        importer,
        [
            {"id": "gh-71", "status": "deleted", "answer": "Changed.", "lastUpdated": made},
            {"id": "gh-74", "answer": "New.", "lastUpdated": made},
        ],
    )
    assert "Import the 1 valid record, skip 1" in importer.get(preview_url).content.decode()
    importer.post(preview_url, {"skip_invalid": "1"})

    assert (status_of("gh-71"), Question.objects.get(pk="gh-71").answer) == ("active", "An answer.")
    assert Question.objects.get(pk="gh-74").answer == "New."


@pytest.mark.sqld
def test_status_by_import_is_for_moderators_the_cli_operator_and_nobody_else(make_user, tmp_path):
    for question_id in ("gh-75", "gh-76", "gh-77"):
        make_question(question_id)

    # An import with no one named behind it may not moderate.
    report = import_records(
        model="question",
        records=[SourceRecord(file="gh.json", number=1, data={"id": "gh-75", "status": "flagged"})],
        user_label="someone",
        dry_run=False,
    )
    assert [str(p) for p in report.problems] == [
        f"gh.json record 1 (id gh-75), status: would change the status from active to flagged; {STATUS_RULE}"
    ]
    assert status_of("gh-75") == "active"

    # Someone who may both import and moderate.
    both = make_user(IMPORTERS)
    both.groups.add(Group.objects.get(name=MODERATORS))
    client = client_for(both)
    made = encodings.format_node_timestamp(encodings.node_now())
    client.post(upload(client, [{"id": "gh-76", "status": "deleted", "lastUpdated": made}]))
    assert status_of("gh-76") == "deleted"
    assert (latest_entry("gh-76").event_type, latest_entry("gh-76").event_source) == ("updated", "import")

    # The command line: whoever runs it holds the database credentials.
    path = tmp_path / "questions.json"
    path.write_text(json.dumps([{"id": "gh-77", "status": "deleted", "lastUpdated": made}]), encoding="utf-8")
    call_command("import_content", str(path), stdout=io.StringIO())
    assert status_of("gh-77") == "deleted"


# -- secret fields in admin lists -------------------------------------------------------


def secret_lookups() -> list[tuple[Any, str]]:
    """Every (model admin, lookup path) that reaches a field holding a secret,
    on the model itself or one relation away."""
    from config.admin_site import holds_secret

    found = []
    for model, model_admin in admin.site._registry.items():
        for model_field in model._meta.get_fields():
            if holds_secret(model_field):
                found.append((model_admin, model_field.name))
            elif model_field.is_relation and model_field.related_model is not None:
                for related in model_field.related_model._meta.get_fields():
                    if holds_secret(related):
                        found.append((model_admin, f"{model_field.name}__{related.name}"))
    return found


@pytest.mark.sqld
def test_no_admin_list_can_be_filtered_on_a_secret(superuser_client, fast_hasher):
    reader = AppUser(username="reader")
    reader.set_password(PASSWORD)
    reader.save()
    lookups = secret_lookups()
    named = {(a.model._meta.label_lower, path) for a, path in lookups}
    assert {("core.appuser", "password"), ("auth.user", "password"), ("auth.group", "user__password")} <= named

    answered = []
    for model_admin, path in lookups:
        opts = model_admin.model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        for lookup, value in ((f"{path}__startswith", "md5$"), (path, "zzz"), (f"{path}__regex", "^m")):
            response = superuser_client.get(changelist, {lookup: value})
            if response.status_code != 400 or "cannot be filtered by" not in response.content.decode():
                answered.append((opts.label_lower, lookup, response.status_code))
    assert answered == []


def test_secret_fields_are_recognised_by_name():
    from config.admin_site import holds_secret

    assert holds_secret(AppUser._meta.get_field("password"))
    assert holds_secret(User._meta.get_field("password"))
    assert not holds_secret(AppUser._meta.get_field("username"))


# -- signing in -----------------------------------------------------------------------


def test_signing_in_with_a_foreign_next_lands_on_the_admin_index(make_user, fast_hasher):
    make_user(EDITORS, password=PASSWORD)
    response = Client().post(
        reverse("admin:login") + "?next=https://evil.example/",
        {"username": "editors", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
