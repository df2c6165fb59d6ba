"""Bulk import and export are gated by the importer's own permissions
(`importing.import_content`, `importing.export_content`) for every table,
and moving them off the questions' model left nobody without access."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from core.roles import IMPORTERS
from importing.specs import EXPORT_PERMISSION, IMPORT_PERMISSION, SPECS
from learning.models import Certification
from tests.support.content_factories import make_work_item
from tests.support.migrations import migrate_admin_database, permission, reloaded

pytestmark = pytest.mark.django_db(transaction=True)

BULK_CODENAMES = ("import_content", "export_content")
# Where the migrations stand before the permissions moved.
BEFORE_THE_MOVE = [("importing", "0001_initial"), ("interview", "0004_dataqualitycount")]


def test_every_registered_table_is_gated_by_the_importing_permissions() -> None:
    assert {(spec.import_permission, spec.export_permission) for spec in SPECS.values()} == {
        ("importing.import_content", "importing.export_content")
    }
    assert (IMPORT_PERMISSION, EXPORT_PERMISSION) == ("importing.import_content", "importing.export_content")


def test_the_interview_bulk_permissions_no_longer_exist() -> None:
    assert not Permission.objects.filter(content_type__app_label="interview", codename__in=BULK_CODENAMES).exists()
    assert set(
        Permission.objects.filter(codename__in=BULK_CODENAMES).values_list("content_type__app_label", "codename")
    ) == {("importing", "import_content"), ("importing", "export_content")}


@pytest.mark.sqld
def test_an_importer_imports_certifications_and_exports_the_work_queue() -> None:
    user = User.objects.create_user("ingrid", is_staff=True)
    user.user_permissions.set(
        [
            permission(name)
            for name in ("importing.import_content", "importing.export_content", "learning.view_certification",
                         "bots.view_workitem")
        ]
    )
    client = Client()
    client.force_login(user)
    record = {
        "id": "cka",
        "name": "CKA",
        "provider": "CNCF",
        "description": "Admin",
        "difficulty": "advanced",
        "category": "cloud",
        "domains": [{"id": "d1", "name": "D1"}],
    }
    upload = SimpleUploadedFile("certifications.json", json.dumps([record]).encode())
    uploaded = client.post("/admin/learning/certification/import/", {"file": upload, "model": ""})
    assert uploaded.status_code == 302, uploaded.content.decode()[:500]
    confirmed = client.post(uploaded["Location"])
    assert confirmed.status_code == 302
    assert list(Certification.objects.values_list("id", "provider")) == [("cka", "CNCF")]

    make_work_item(item_id="q-7")
    exported = client.get("/admin/bots/workitem/export/?format=csv")
    assert exported.status_code == 200
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [row["itemId"] for row in rows] == ["q-7"]


@pytest.mark.sqld
def test_a_user_and_a_group_with_the_old_permissions_hold_the_new_ones_after_migrating() -> None:
    try:
        migrate_admin_database(BEFORE_THE_MOVE)
        old = [permission(f"interview.{codename}") for codename in BULK_CODENAMES]
        solo = User.objects.create_user("solo", is_staff=True)
        solo.user_permissions.set(old)
        custom = Group.objects.create(name="Custom importers")
        custom.permissions.set(old[:1])
        in_custom = User.objects.create_user("in-custom", is_staff=True)
        in_custom.groups.add(custom)
        importer = User.objects.create_user("in-role", is_staff=True)
        importer.groups.add(Group.objects.get(name=IMPORTERS))
        assert reloaded(importer).has_perm("interview.import_content")
    finally:
        migrate_admin_database()

    for user in (solo, importer):
        held = reloaded(user).get_all_permissions()
        assert {"importing.import_content", "importing.export_content"} <= held, user.username
        assert not {"interview.import_content", "interview.export_content"} & held, user.username
    assert {"importing.import_content"} == {
        f"{app_label}.{codename}"
        for app_label, codename in Group.objects.get(name="Custom importers").permissions.values_list(
            "content_type__app_label", "codename"
        )
    }
    assert reloaded(in_custom).has_perm("importing.import_content")
    assert not reloaded(in_custom).has_perm("importing.export_content")
    assert not Permission.objects.filter(content_type__app_label="interview", codename__in=BULK_CODENAMES).exists()


@pytest.mark.sqld
def test_migrating_back_gives_the_interview_permissions_to_whoever_held_the_importing_ones() -> None:
    solo = User.objects.create_user("solo", is_staff=True)
    solo.user_permissions.add(permission("importing.export_content"))
    try:
        migrate_admin_database(BEFORE_THE_MOVE)
        held = reloaded(solo).get_all_permissions()
        importers = set(
            Group.objects.get(name=IMPORTERS).permissions.filter(codename__in=BULK_CODENAMES).values_list(
                "content_type__app_label", "codename"
            )
        )
        left = set(Permission.objects.filter(codename__in=BULK_CODENAMES).values_list("content_type__app_label", flat=True))
    finally:
        migrate_admin_database()
    assert held == {"interview.export_content"}
    assert importers == {("interview", "import_content"), ("interview", "export_content")}
    assert left == {"interview"}
    assert reloaded(solo).get_all_permissions() == {"importing.export_content"}
