"""An importer's job, in a real browser: upload a JSON export with one bad
record, read the preview naming it, upload the fixed file, confirm, and find
the imported question with its import history row."""

from __future__ import annotations

import json
import re

from browser_support import log_in, make_admin_user, make_question
from playwright.sync_api import expect

from core import encodings

UPDATED_ANSWER = "A primary key identifies a row; it is unique and never NULL."


def export_record(question_id: str, **values: object) -> dict[str, object]:
    """A question as the app's JSON export writes it (camelCase keys)."""
    record: dict[str, object] = {
        "id": question_id,
        "question": f"Imported question {question_id}?",
        "answer": f"The answer to {question_id}.",
        "explanation": "## Imported\n\nWith **markdown**.",
        "difficulty": "beginner",
        "tags": ["imported", "sql"],
        "channel": "databases",
        "subChannel": "sql",
        "companies": ["Acme"],
        "lastUpdated": "2026-01-13T03:29:00.972Z",
        "createdAt": "2026-01-12 10:00:00",
        "status": "active",
    }
    record.update(values)
    return record


def export_file(records: list[dict[str, object]]) -> bytes:
    return json.dumps(records, indent=2).encode("utf-8")


def upload(page, *, name: str, content: bytes) -> None:
    """From the questions list: Import, choose the file, check it."""
    page.goto("/admin/interview/question/")
    import_link = page.locator(".object-tools").get_by_role("link", name="Import")
    assert import_link.count() == 1, (
        "The questions list offers an importer no Import button: QuestionAdmin needs "
        "importing.admin.ImportExportAdminMixin, which gives the list its Import button."
    )
    import_link.click()
    page.set_input_files("#id_file", files=[{"name": name, "mimeType": "application/json", "buffer": content}])
    page.get_by_role("button", name="Check the file").click()
    expect(page).to_have_url(re.compile(r"/admin/interview/question/import/[\w-]+/$"))


def test_importer_fixes_a_bad_record_then_imports_with_history(page) -> None:
    from interview.models import Question, QuestionHistory

    make_question(id="q-301", question="What is a primary key?", answer="It identifies a row.",
                  channel="databases", sub_channel="sql")
    make_admin_user(username="ines", role="importer")
    # Exported after q-301 was last changed: the file is not older than the row.
    good_update = export_record(
        "q-301", question="What is a primary key?", answer=UPDATED_ANSWER,
        lastUpdated=encodings.format_node_timestamp(encodings.node_now()),
    )
    good_new = export_record("q-9001")
    bad = export_record("q-9002")
    del bad["answer"]

    page.goto("/admin/")
    log_in(page, username="ines")

    # The bad file: the preview names the record and the field, and offers no confirm.
    upload(page, name="questions-batch.json", content=export_file([good_update, good_new, bad]))
    problem = page.locator("table.oi-import-problems tbody tr")
    expect(problem).to_have_count(1)
    expect(problem).to_contain_text("questions-batch.json")
    expect(problem).to_contain_text("q-9002")
    expect(problem).to_contain_text("answer")
    expect(problem.locator("td").nth(1)).to_have_text("3")
    expect(page.get_by_role("button", name="Confirm import")).to_have_count(0)
    assert not Question.objects.filter(pk__in=["q-9001", "q-9002"]).exists()
    assert Question.objects.get(pk="q-301").answer == "It identifies a row."

    # The fixed file: counts, the field-level change of the existing question, confirm.
    bad["answer"] = "The answer to q-9002."
    upload(page, name="questions-fixed.json", content=export_file([good_update, good_new, bad]))
    expect(page.locator("table.oi-import-problems")).to_have_count(0)
    counts = page.locator("#content-main table").first.locator("tbody tr").first.locator("td")
    expect(counts.nth(1)).to_have_text("3")  # records
    expect(counts.nth(2)).to_have_text("2")  # new
    expect(counts.nth(3)).to_have_text("1")  # updated
    update = page.locator("table.oi-import-updates")
    expect(update).to_contain_text("q-301")
    expect(update).to_contain_text("It identifies a row.")
    expect(update).to_contain_text(UPDATED_ANSWER)
    page.get_by_role("button", name="Confirm import").click()
    expect(page.locator(".messagelist .success")).to_contain_text("2 new, 1 updated")

    # The imported question, and its history row saying it came from an import.
    page.fill("#searchbar", "q-9002")
    page.press("#searchbar", "Enter")
    page.locator("#result_list").get_by_role("link", name="q-9002", exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/interview/question/q-9002/change/"))
    expect(page.locator("#content-main")).to_contain_text("The answer to q-9002.")
    entry = page.locator(".question-timeline > li").first
    expect(entry).to_contain_text("ines")
    expect(entry.locator(".timeline-source")).to_have_text("(import)")

    assert Question.objects.get(pk="q-301").answer == UPDATED_ANSWER
    rows = QuestionHistory.objects.filter(question_id__in=["q-301", "q-9001", "q-9002"], event_source="import")
    assert sorted(rows.values_list("question_id", "source_name")) == [
        ("q-301", "ines"), ("q-9001", "ines"), ("q-9002", "ines"),
    ]
