"""Voice sessions are the learning app's model: their admin is under
/admin/learning/voicesession/, old addresses redirect there, and moving the
permissions from `interview` left nobody without access."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from core.roles import EDITORS
from tests.support.content_factories import make_voice_session
from tests.support.migrations import migrate_admin_database, permission, reloaded

ACTIONS = ("add", "change", "delete", "view")
# Where the migrations stand before the model moved.
BEFORE_THE_MOVE = [("learning", "0001_initial"), ("interview", "0005_bulk_permissions_moved")]


def _voice_permissions(app_label: str) -> set[str]:
    return {f"{app_label}.{action}_voicesession" for action in ACTIONS}


@pytest.mark.sqld
@pytest.mark.django_db(transaction=True)
def test_users_and_groups_with_the_interview_voice_session_permissions_hold_the_learning_ones_after_migrating() -> None:
    try:
        migrate_admin_database(BEFORE_THE_MOVE)
        solo = User.objects.create_user("solo", is_staff=True)
        solo.user_permissions.set([permission("interview.view_voicesession"), permission("interview.delete_voicesession")])
        custom = Group.objects.create(name="Voice reviewers")
        custom.permissions.set([permission("interview.change_voicesession")])
        in_custom = User.objects.create_user("in-custom", is_staff=True)
        in_custom.groups.add(custom)
        editor = User.objects.create_user("in-role", is_staff=True)
        editor.groups.add(Group.objects.get(name=EDITORS))
        assert reloaded(editor).has_perm("interview.change_voicesession")
        old_type = ContentType.objects.get(app_label="interview", model="voicesession")
        LogEntry.objects.create(
            user=solo, content_type=old_type, object_id="vs-1", object_repr="vs-1: Arrays", action_flag=CHANGE
        )
    finally:
        migrate_admin_database()

    assert reloaded(solo).get_all_permissions() == {"learning.view_voicesession", "learning.delete_voicesession"}
    assert reloaded(in_custom).get_all_permissions() == {"learning.change_voicesession"}
    editor_held = reloaded(editor).get_all_permissions()
    assert {"learning.view_voicesession", "learning.add_voicesession", "learning.change_voicesession"} <= editor_held
    assert not _voice_permissions("interview") & editor_held
    assert not Permission.objects.filter(content_type__app_label="interview", codename__endswith="_voicesession").exists()
    assert not ContentType.objects.filter(app_label="interview", model="voicesession").exists()
    # The session's admin history still lists the change.
    history = LogEntry.objects.get(object_id="vs-1")
    assert (history.content_type.app_label, history.content_type.model) == ("learning", "voicesession")


@pytest.mark.sqld
@pytest.mark.django_db(transaction=True)
def test_migrating_back_gives_the_interview_voice_session_permissions_to_whoever_held_the_learning_ones() -> None:
    solo = User.objects.create_user("solo", is_staff=True)
    solo.user_permissions.add(permission("learning.change_voicesession"))
    try:
        migrate_admin_database(BEFORE_THE_MOVE)
        held = reloaded(solo).get_all_permissions()
        editors = {
            f"{app_label}.{codename}"
            for app_label, codename in Group.objects.get(name=EDITORS)
            .permissions.filter(codename__endswith="_voicesession")
            .values_list("content_type__app_label", "codename")
        }
        left = set(
            Permission.objects.filter(codename__endswith="_voicesession").values_list("content_type__app_label", flat=True)
        )
    finally:
        migrate_admin_database()
    assert held == {"interview.change_voicesession"}
    assert editors == {"interview.view_voicesession", "interview.add_voicesession", "interview.change_voicesession"}
    assert left == {"interview"}
    assert reloaded(solo).get_all_permissions() == {"learning.change_voicesession"}


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/admin/interview/voicesession/", "/admin/learning/voicesession/"),
        ("/admin/interview/voicesession/?channel=system-design&o=1", "/admin/learning/voicesession/?channel=system-design&o=1"),
        ("/admin/interview/voicesession/vs%201/change/", "/admin/learning/voicesession/vs%201/change/"),
        ("/admin/interview/voicesession/import/", "/admin/learning/voicesession/import/"),
    ],
)
def test_an_old_voice_session_address_redirects_permanently_to_the_learning_admin(old: str, new: str) -> None:
    response = Client().get(old)
    assert response.status_code == 301
    assert response["Location"] == new


@pytest.mark.django_db
def test_an_editor_in_role_lists_voice_sessions_at_the_learning_address(editor_in_role_client: Client) -> None:
    make_voice_session("vs-7", topic="Consistent hashing", question_ids=["q-1"], total_questions=1)
    response = editor_in_role_client.get("/admin/learning/voicesession/")
    assert response.status_code == 200
    assert "Consistent hashing" in response.content.decode()
    assert "/admin/learning/voicesession/vs-7/change/" in response.content.decode()
