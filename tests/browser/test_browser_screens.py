"""Every main screen, on the demo content, loads without a JavaScript error;
each is photographed.

`make screenshots` sets SCREENSHOTS_DIR=docs/screenshots and the pictures
land there for the README; in a normal test run they go to a temporary
folder and the test is a smoke test of each screen."""

from __future__ import annotations

import os
from pathlib import Path

from browser_support import log_in, make_admin_user
from django.urls import NoReverseMatch, reverse

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def screenshots_dir(tmp_path: Path) -> Path:
    configured = os.environ.get("SCREENSHOTS_DIR")
    if not configured:
        return tmp_path
    directory = Path(configured)
    return directory if directory.is_absolute() else PROJECT_ROOT / directory


def import_screen_url() -> str:
    """The questions import, or another content import where questions have none yet."""
    for name in ("admin:interview_question_import", "admin:learning_certification_import"):
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    raise AssertionError("No import screen is registered in the admin.")


def test_each_main_screen_loads_cleanly_and_is_photographed(page, tmp_path: Path) -> None:
    from demo.content import load_demo_content
    from interview.models import QuestionHistory

    load_demo_content()
    make_admin_user(username="admin", role="superuser")
    improved = QuestionHistory.objects.filter(question_id="q-2", event_type="improved").first()
    target = screenshots_dir(tmp_path)
    target.mkdir(parents=True, exist_ok=True)

    # A laptop's screen: what the README shows is what an editor sees.
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/admin/login/")
    page.screenshot(path=str(target / "01-login.png"))
    log_in(page, username="admin")
    # The home page's data-quality panel as after its first count.
    page.get_by_role("button", name="Count now").click()
    page.wait_for_url("**/admin/")

    screens = [
        ("02-dashboard", "/admin/", "#oi-dashboard svg.oi-chart"),
        ("03-questions", "/admin/interview/question/", "#result_list"),
        ("04-question-form", "/admin/interview/question/q-1/change/", ".mermaid-preview .mermaid-output svg"),
        ("05-question-previews", "/admin/interview/question/q-1/change/", ".mermaid-preview .mermaid-output svg"),
        ("06-review-queue", "/admin/interview/flaggedquestion/", "#result_list"),
        ("07-question-history", "/admin/interview/question/q-2/history/", ".question-timeline"),
        ("08-history-diff", f"/admin/interview/question/q-2/history/{improved.pk}/", "table.comparison"),
        ("09-import", import_screen_url(), "#id_file"),
        ("10-work-queue", "/admin/bots/workitem/", "#result_list"),
        ("11-bot-runs", "/admin/bots/botrun/", "#result_list"),
        ("12-certification", "/admin/learning/certification/aws-saa/change/", "form"),
        ("13-learning-path", "/admin/learning/learningpath/skill-system-design/change/", "form"),
    ]
    failures = []
    for name, url, ready in screens:
        response = page.goto(url)
        if response is None or response.status != 200:
            failures.append(f"{name}: {url} answered {response and response.status}")
            continue
        if ready:
            page.locator(ready).first.wait_for()
        if name.endswith("-previews"):
            page.locator("fieldset", has=page.locator(".markdown-preview")).scroll_into_view_if_needed()
        page.screenshot(path=str(target / f"{name}.png"), full_page=False)
    assert failures == []
    written = sorted(path.name for path in target.glob("*.png"))
    assert len(written) == len(screens) + 1, written
