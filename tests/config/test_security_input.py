"""Bad input: oversized requests, JSON that is not JSON or nested too deep,
HTML/script in content, and SQL-looking search and filter parameters."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.test import Client, RequestFactory

from core.fields import NodeJSONField
from core.forms import parse_json_input, text_nesting_depth, validate_json_depth
from interview.models import Question, QuestionHistory
from tests.support.admin_sweep import (
    SCRIPT_TAG,
    admin_urls,
    database_fingerprint,
    load_sweep_content,
)

PASSWORD = "input-test-password-5"
XSS_SCRIPT = "<script>alert('xss-probe')</script>"
XSS_IMG = '<img src=x onerror="alert(1)">'


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def superuser_client(db: Any) -> Client:
    User.objects.create_superuser("input-admin", "i@example.com", PASSWORD)
    client = Client()
    client.force_login(User.objects.get(username="input-admin"))
    return client


class ExplodingInput:
    """A request body that fails the test if anything reads it."""

    def read(self, *args: Any) -> bytes:
        raise AssertionError("the body was read")

    readline = read


# --- Oversized requests -----------------------------------------------------


def test_oversized_form_post_is_refused_before_the_body_is_read(client: Client, settings: Any) -> None:
    declared = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1
    response = client.post(
        "/admin/login/", data=b"x", content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH=str(declared), **{"wsgi.input": ExplodingInput()},
    )
    assert response.status_code == 413
    text = response.content.decode()
    assert "Request too large" in text and "the limit is 10.0\xa0MB" in text and "Nothing was saved" in text


def test_oversized_upload_is_refused_with_its_own_limit(client: Client, settings: Any) -> None:
    declared = settings.OI_MAX_UPLOAD_REQUEST_BYTES + 1
    response = client.post(
        "/admin/login/", data=b"x", content_type="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH=str(declared), **{"wsgi.input": ExplodingInput()},
    )
    assert response.status_code == 413
    assert "This upload is" in response.content.decode()


def test_non_numeric_length_is_a_clear_400(client: Client) -> None:
    response = client.post("/admin/login/", data=b"x", content_type="text/plain", CONTENT_LENGTH="lots")
    assert response.status_code == 400 and "Content-Length" in response.content.decode()


@pytest.mark.django_db
def test_oversized_edit_changes_nothing(superuser_client: Client, settings: Any) -> None:
    load_sweep_content()
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    question = Question.objects.order_by("pk").first()
    before = database_fingerprint()
    response = superuser_client.post(
        f"/admin/interview/question/{question.pk}/change/", {"question": "y" * 5000, "answer": "z"}
    )
    assert response.status_code == 413
    assert database_fingerprint() == before


def test_requests_under_the_limit_pass(client: Client) -> None:
    assert client.get("/admin/login/").status_code == 200


# --- JSON typed by a person ----------------------------------------------------


def test_nesting_depth_is_measured_without_recursion() -> None:
    assert text_nesting_depth('{"a": [1, {"b": "[[[[ not nesting ]]]]"}]}') == 3
    assert text_nesting_depth("[" * 100_000 + "]" * 100_000) == 100_000
    with pytest.raises(ValidationError, match="nested more than 20 levels"):
        parse_json_input("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ValidationError, match="nested more than 3 levels"):
        validate_json_depth({"a": [[{"b": 1}]]}, max_depth=3)
    validate_json_depth({"a": [[1]]}, max_depth=3)


def test_non_json_gets_a_message_with_the_position() -> None:
    with pytest.raises(ValidationError) as error:
        parse_json_input('{"a": 1,,}')
    assert "not valid JSON" in error.value.messages[0] and "line 1, column 9" in error.value.messages[0]


def _json_form_fields() -> list[Any]:
    """(admin, field name) for each admin form field that takes JSON text."""
    request = RequestFactory().get("/")
    request.user = User(is_superuser=True, is_staff=True, is_active=True)
    found = []
    for model, model_admin in admin.site._registry.items():
        if model._meta.proxy:
            continue
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, NodeJSONField)]
        if not names:
            continue
        form = model_admin.get_form(request, None)()
        for name in names:
            if name in form.fields:
                found.append(pytest.param(model_admin, name, id=f"{model._meta.label}.{name}"))
    return found


@pytest.mark.parametrize(("model_admin", "name"), _json_form_fields())
def test_admin_json_fields_refuse_absurd_nesting_with_a_message(model_admin: Any, name: str) -> None:
    admin_request = RequestFactory().get("/")
    admin_request.user = User(is_superuser=True, is_staff=True, is_active=True)
    field = model_admin.get_form(admin_request, None)().fields[name]
    deep = "[" * 5000 + "]" * 5000
    # Every JSON field reads text starting with [ or { as JSON, line editors
    # included, so each refuses the depth rather than storing it as an item.
    with pytest.raises(ValidationError) as refusal:
        field.clean(deep)
    assert refusal.value.messages == [
        "This JSON is nested more than 20 levels deep; no field here holds values that deep."
    ], [message[:120] for message in refusal.value.messages]


# --- HTML and script in content ----------------------------------------------------


@pytest.mark.django_db
def test_html_in_content_is_escaped_on_every_admin_page_of_the_object(superuser_client: Client) -> None:
    load_sweep_content()
    question = Question.objects.order_by("pk").first()
    Question.objects.filter(pk=question.pk).update(
        question=f"Why {XSS_SCRIPT}?", answer=f"Because {XSS_IMG}", explanation=f"# Title\n\n{XSS_SCRIPT}\n\n{XSS_IMG}",
        tags=f'["{XSS_IMG}"]', channel=XSS_IMG, sub_channel=XSS_SCRIPT,
    )
    QuestionHistory.objects.filter(question_id=question.pk).update(reason=XSS_SCRIPT)
    cases, _ = admin_urls()
    pages = [c for c in cases if c.model_admin is not None and c.obj is not None and c.view not in ("add",)]
    pages = [c for c in pages if c.model_admin.model._meta.label in ("interview.Question", "interview.QuestionHistory")]
    checked = []
    for case in pages:
        url = case.url.replace(f"/{case.obj.pk}/", f"/{question.pk}/") if case.model_admin.model is Question else case.url
        response = superuser_client.get(url)
        if response.status_code != 200:
            continue
        checked.append(case.name)
        _assert_escaped(response, url)
    for url in ("/admin/interview/question/?q=xss", "/admin/interview/question/?q=%3Cscript%3E"):
        _assert_escaped(superuser_client.get(url), url)
    # The live preview renders markdown: script stripped, not executed.
    preview = superuser_client.post("/admin/interview/question/preview/", {"text": f"hi {XSS_SCRIPT} {XSS_IMG}"})
    assert preview.status_code == 200
    html = preview.json()["html"]
    assert "<script" not in html.lower() and "onerror" not in html.lower()
    assert {"interview_question_change", "interview_question_history"} <= set(checked)


def _assert_escaped(response: Any, url: str) -> None:
    assert response.status_code == 200, url
    content_type = response["Content-Type"]
    if not content_type.startswith("text/html"):
        # Exports carry the content as it is (JSON/CSV/XLSX), as a download a
        # browser will not render as a page; the form's JSON endpoints (similar
        # questions) answer JSON, which a browser does not render either.
        assert response["X-Content-Type-Options"] == "nosniff", url
        if content_type == "application/json":
            return
        assert "html" not in content_type and "attachment" in response.get("Content-Disposition", ""), url
        return
    text = response.content.decode()
    assert XSS_SCRIPT not in text, url
    assert XSS_IMG not in text, url
    for attrs, body in SCRIPT_TAG.findall(text):
        # Every script is a file (the CSP allows no inline script) or inert JSON data.
        assert "src=" in attrs or 'type="application/json"' in attrs or not body.strip(), (url, attrs, body[:80])
    handlers = EventHandlerAttributes()
    handlers.feed(text)
    assert handlers.found == [], (url, handlers.found)


class EventHandlerAttributes(HTMLParser):
    """Collects on*= attributes (inline script the CSP would block, or injected)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found += [(tag, name) for name, _ in attrs if name.lower().startswith("on")]


# --- Search and filter parameters are never SQL ----------------------------------------------


@pytest.mark.django_db
def test_sql_looking_search_and_filters_are_plain_values(superuser_client: Client) -> None:
    load_sweep_content()
    before = database_fingerprint()
    injections = ["' OR 1=1 --", '"; DROP TABLE questions; --', "%' UNION SELECT password FROM auth_user --"]
    changelists = [c for c in admin_urls()[0] if c.view == "changelist"]
    for case in changelists:
        for value in injections:
            response = superuser_client.get(case.url, {"q": value, "o": value, "p": value})
            assert response.status_code in (200, 302), (case.url, value)
            if response.status_code == 200 and "interview/question/" in case.url:
                assert "0 questions" in response.content.decode() or "0 results" in response.content.decode()
    assert Question.objects.exists()
    assert database_fingerprint() == before
