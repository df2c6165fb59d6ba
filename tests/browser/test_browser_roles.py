"""What each deployment and role is offered, in a real browser: an editor
sees no import or moderation controls (and is refused when forcing them);
a read-only deployment shows its banner and no button that saves.

The selectors for the controls are the ones the moderator and importer
journeys click, so an absence here is not a wrong selector."""

from __future__ import annotations

import re

from browser_support import log_in, make_admin_user, make_question
from django.urls import NoReverseMatch, reverse
from playwright.sync_api import expect

SAVE_BUTTONS = "input[type=submit][name^='_'], button[name^='_save'], button[name='_continue']"


def csrf_headers(page) -> dict[str, str]:
    """What Django's CSRF check wants from a script-made POST in this browser session."""
    token = next(cookie["value"] for cookie in page.context.cookies() if cookie["name"] == "csrftoken")
    return {"X-CSRFToken": token, "Referer": page.url}


def test_an_editor_sees_no_import_or_moderation_controls(page) -> None:
    from interview.models import Question

    make_question(id="q-401", question="What is eventual consistency?")
    make_admin_user(username="eddie", role="editor")
    page.goto("/admin/")
    log_in(page, username="eddie")

    # The index: content to edit, but no review queue.
    expect(page.get_by_role("link", name="Questions", exact=True).first).to_be_visible()
    expect(page.get_by_role("link", name="Review queue")).to_have_count(0)

    # The list: add, but no import, no export, no moderation actions.
    page.goto("/admin/interview/question/")
    tools = page.locator(".object-tools")
    expect(tools.get_by_role("link", name=re.compile("Add question", re.IGNORECASE))).to_have_count(1)
    expect(tools.get_by_role("link", name="Import")).to_have_count(0)
    expect(tools.get_by_role("link", name=re.compile("^Export"))).to_have_count(0)
    action_labels = " ".join(page.locator("select[name=action] option").all_inner_texts())
    # Flagging asks for a review; deciding is a moderator's.
    assert not re.search(r"approve|soft-delete|restore", action_labels, re.IGNORECASE), action_labels

    # The question: editable, flaggable for review, nothing a moderator decides, no delete for good.
    page.locator("#result_list").get_by_role("link", name="q-401", exact=True).click()
    expect(page.locator("#id_question")).to_be_editable()
    expect(page.get_by_role("button", name="Save and continue editing")).to_be_visible()
    expect(page.get_by_role("button", name="Flag for review")).to_have_count(1)
    for decision in ("Approve (unflag)", "Soft-delete", "Restore"):
        expect(page.get_by_role("button", name=decision)).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("Delete for good"))).to_have_count(0)

    # Forcing them is refused, not merely hidden, and changes nothing.
    assert page.request.get("/admin/interview/flaggedquestion/").status == 403
    try:
        import_url = reverse("admin:interview_question_import")
    except NoReverseMatch:
        pass  # no question import at all (test_browser_importer says so)
    else:
        assert page.request.get(import_url).status == 403
    refused = page.request.post(
        "/admin/interview/question/q-401/moderate/",
        form={"action": "delete", "reason": "forced by an editor"},
        headers=csrf_headers(page),
        max_redirects=0,
    )
    assert refused.status == 403
    assert Question.objects.get(pk="q-401").status == "active"


def test_a_read_only_deployment_shows_its_banner_and_no_save_buttons(page, settings) -> None:
    from interview.models import Question

    # What config/settings.py sets when only the read-only credentials are configured.
    settings.READ_ONLY = True
    make_question(id="q-402", question="What is a read replica?")
    make_admin_user(username="root", role="superuser")
    page.goto("/admin/")
    log_in(page, username="root")

    banner = page.locator(".oi-read-only-banner")
    expect(banner).to_contain_text("Read-only")
    # No content can be added; the admin's own users and groups still can.
    content_adds = page.locator(
        "a.addlink[href*='/interview/'], a.addlink[href*='/learning/'], a.addlink[href*='/bots/']"
    )
    expect(content_adds).to_have_count(0)
    expect(page.locator("a.addlink[href*='/auth/user/']")).to_have_count(1)

    page.goto("/admin/interview/question/")
    expect(banner).to_be_visible()
    tools = page.locator(".object-tools")
    expect(tools.get_by_role("link", name=re.compile("^Add", re.IGNORECASE))).to_have_count(0)
    expect(tools.get_by_role("link", name="Import")).to_have_count(0)
    action_labels = " ".join(page.locator("select[name=action] option").all_inner_texts())
    assert not re.search(r"flag|approve|delete|restore", action_labels, re.IGNORECASE), action_labels

    # Even a superuser's question page is a view: no save, no moderation, previews still shown.
    page.locator("#result_list").get_by_role("link", name="q-402", exact=True).click()
    expect(banner).to_be_visible()
    expect(page.locator(SAVE_BUTTONS)).to_have_count(0)
    expect(page.locator("#id_question")).to_have_count(0)
    expect(page.locator(".moderation-panel")).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("Delete for good"))).to_have_count(0)
    expect(page.locator(".markdown-preview h2")).to_have_text("Why it matters")
    expect(page.locator(".mermaid-preview .mermaid-output svg")).to_have_count(1)

    # Every list can still be read.
    for url in ("/admin/interview/flaggedquestion/", "/admin/learning/certification/", "/admin/bots/workitem/"):
        status = page.goto(url).status
        assert status == 200, f"{url} answers {status} in a read-only deployment; reading must stay possible"
        expect(banner).to_be_visible()
        expect(page.locator(SAVE_BUTTONS)).to_have_count(0)
        expect(page.locator(".object-tools a.addlink")).to_have_count(0)

    # A forced save is refused with a message and writes nothing.
    page.goto("/admin/interview/question/q-402/change/")
    refused = page.request.post(
        "/admin/interview/question/q-402/change/",
        form={"question": "Rewritten while read-only", "_save": "Save"},
        headers=csrf_headers(page),
        max_redirects=0,
    )
    assert refused.status == 403
    assert "Nothing was changed" in refused.text()
    assert Question.objects.get(pk="q-402").question == "What is a read replica?"
