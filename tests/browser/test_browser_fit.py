"""The main screens at a laptop's 1280×800: lists without sideways scrolling,
the review queue's buttons on screen, Save in reach on a long form, Ctrl+S
saving, and no console error on the way."""

from __future__ import annotations

import pytest
from browser_support import log_in, make_admin_user, make_question

WIDTH, HEIGHT = 1280, 800
LONG_ID = "cissp-intermediate-bell-lapadula-biba-polyinstantiation-1751155200000"


@pytest.fixture
def laptop(page):
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    return page


@pytest.fixture
def long_questions() -> None:
    from interview import services
    from interview.models import Question

    make_question(id=LONG_ID, question="Which security model forbids reading up and writing down, and how does "
                  "polyinstantiation keep a lower level from inferring what a higher one holds?",
                  channel="cissp-security-architecture-and-engineering", sub_channel="security-models-and-frameworks")
    make_question(id="q-2", channel="backend", sub_channel="concurrency")
    moderator = make_admin_user(username="moe", role="moderator")
    flagged = Question.objects.get(pk=LONG_ID)
    services.change_status(questions=[flagged], change="flag", source_name="moe", actor=moderator,
                           reason="The explanation mixes up the simple security property and the star property; "
                                  "check against the official study guide before approving.")


def horizontal_overflow(page) -> int:
    """Pixels the page, or the list's own scrolling box, would scroll sideways."""
    return page.evaluate(
        """() => Math.max(
            document.documentElement.scrollWidth - document.documentElement.clientWidth,
            ...[...document.querySelectorAll('#changelist .results')].map(b => b.scrollWidth - b.clientWidth))"""
    )


def test_the_questions_list_and_review_queue_fit_a_laptop_with_their_actions_on_screen(laptop, long_questions) -> None:
    make_admin_user(username="admin", role="superuser")
    log_in(laptop, username="admin")

    laptop.goto("/admin/interview/question/")
    laptop.locator("#result_list").wait_for()
    assert horizontal_overflow(laptop) <= 0
    for column in ("question_id", "channel_display", "difficulty_display", "status_display", "last_updated_display"):
        box = laptop.locator(f"#result_list thead .column-{column}").bounding_box()
        assert box is not None and box["x"] + box["width"] <= WIDTH, column
    cut_id = laptop.locator(f'#result_list .oi-id[title="{LONG_ID}"]')
    assert cut_id.count() == 1

    laptop.goto("/admin/interview/flaggedquestion/")
    laptop.locator("#result_list").wait_for()
    assert horizontal_overflow(laptop) <= 0
    for name in ("Approve", "Delete"):
        button = laptop.locator("#result_list").get_by_role("button", name=name).first
        box = button.bounding_box()
        assert box is not None and box["x"] + box["width"] <= WIDTH, name


def test_save_stays_in_reach_on_a_long_form_and_ctrl_s_saves(laptop) -> None:
    from interview.models import Question

    make_question(id="q-50", answer="Before.")
    make_admin_user(username="edna", role="editor")
    log_in(laptop, username="edna")

    laptop.goto("/admin/interview/question/q-50/change/")
    save = laptop.locator('.submit-row [name="_save"]')
    box = save.bounding_box()
    assert box is not None and box["y"] + box["height"] <= HEIGHT  # on screen without scrolling

    laptop.locator("#id_answer").fill("After, saved with the keyboard.")
    with laptop.expect_navigation():
        laptop.keyboard.press("Control+s")
    assert Question.objects.get(pk="q-50").answer == "After, saved with the keyboard."
    assert "/admin/interview/question/q-50/change/" in laptop.url  # stays on the form


def test_the_markdown_preview_shows_headings_and_lists_as_the_reading_site_does(laptop) -> None:
    make_question(id="q-60", explanation="## Why it matters\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |")
    make_admin_user(username="edna", role="editor")
    log_in(laptop, username="edna")

    laptop.goto("/admin/interview/question/q-60/change/")
    preview = laptop.locator(".markdown-preview").first
    preview.locator("h2").wait_for()
    styles = preview.evaluate("""p => {
        const h2 = getComputedStyle(p.querySelector('h2'));
        const ul = getComputedStyle(p.querySelector('ul'));
        const li = getComputedStyle(p.querySelector('li'));
        return {h2Background: h2.backgroundColor, h2Transform: h2.textTransform,
                bullet: li.listStyleType, indent: parseFloat(ul.paddingLeft) + parseFloat(ul.marginLeft)};
    }""")
    assert styles["h2Background"] in ("rgba(0, 0, 0, 0)", "transparent")  # not the admin's blue bar
    assert styles["h2Transform"] == "none"
    assert styles["bullet"] == "disc"
    assert styles["indent"] < 40


def test_the_dashboard_draws_its_charts_on_a_laptop_and_counts_data_quality_on_request(laptop) -> None:
    from demo.content import load_demo_content

    load_demo_content()
    make_admin_user(username="admin", role="superuser")
    log_in(laptop, username="admin")

    laptop.goto("/admin/")
    charts = laptop.locator("#oi-dashboard svg.oi-chart")
    assert charts.count() == 3
    for index in range(3):
        bars = charts.nth(index).locator("rect")
        assert bars.count() >= 1
        widths = [bars.nth(i).bounding_box()["width"] for i in range(bars.count())]
        assert max(widths) > 100, widths  # the largest bar spans most of its chart
    assert horizontal_overflow(laptop) <= 0
    # Drawn on the server: the page loads only the admin's own theme script, no chart library.
    sources = laptop.eval_on_selector_all("script", "ss => ss.map(s => s.getAttribute('src') || 'inline')")
    assert all(src.startswith("/static/admin/js/") for src in sources), sources

    laptop.get_by_role("button", name="Count now").click()
    laptop.wait_for_url("**/admin/")
    assert "Data quality counted over" in laptop.locator(".messagelist").inner_text()
    assert laptop.locator(".oi-quality tr").count() == 9


def test_the_channel_picker_suggests_only_the_chosen_channels_sub_channels(laptop) -> None:
    make_question(id="q-1", channel="backend", sub_channel="concurrency")
    make_question(id="q-2", channel="backend", sub_channel="databases")
    make_question(id="q-3", channel="frontend", sub_channel="react")
    make_admin_user(username="admin", role="superuser")
    log_in(laptop, username="admin")

    laptop.goto("/admin/interview/question/")
    suggested = lambda: laptop.eval_on_selector_all("#oi-sub-channels option", "os => os.map(o => o.value)")  # noqa: E731
    assert sorted(suggested()) == ["concurrency", "databases", "react"]
    laptop.fill("#oi-channel-input", "backend")
    assert sorted(suggested()) == ["concurrency", "databases"]
    laptop.fill("#oi-sub-channel-input", "databases")
    laptop.get_by_role("button", name="Apply").first.click()
    laptop.wait_for_url("**/admin/interview/question/?channel=backend&sub_channel=databases")
    assert laptop.locator("#result_list tbody tr").count() == 1
