"""The question page's previews work under the admin's Content-Security-Policy.

The page watcher already fails a test on any console error, CSP violations
included; here a listener reports every violation event explicitly, and the
test waits for both previews to be drawn.
"""

from __future__ import annotations

from browser_support import log_in, make_admin_user


def test_question_page_renders_markdown_and_mermaid_under_the_csp(page) -> None:
    from demo.content import load_demo_content
    from interview.models import Question

    load_demo_content()
    make_admin_user(username="csp-editor", role="editor")
    question = Question.objects.exclude(diagram__isnull=True).exclude(diagram="").order_by("pk").first()
    assert question is not None

    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text) if "CSP violation" in message.text else None)
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation',"
        " e => console.warn('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
    )
    log_in(page, username="csp-editor")
    response = page.goto(f"/admin/interview/question/{question.pk}/change/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector(".mermaid-output svg", timeout=15_000)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.markdown-preview')].some(p => p.innerHTML.trim())",
        timeout=15_000,
    )
    assert violations == []
