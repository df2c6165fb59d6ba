"""Questions are the bottom of the content apps: learning, bots and search read them, never the reverse."""

from __future__ import annotations

import ast
from pathlib import Path

import interview

ABOVE_INTERVIEW = ("learning", "bots", "search")


def imported_modules(source: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def test_no_interview_module_imports_learning_bots_or_search() -> None:
    package = Path(interview.__file__).parent
    upward = {
        f"{path.relative_to(package.parent)}: {module}"
        for path in package.rglob("*.py")
        for module in imported_modules(path)
        if module.split(".")[0] in ABOVE_INTERVIEW
    }
    assert upward == set()


def test_search_installs_its_ranked_list_and_suggestions_into_the_question_admin() -> None:
    from interview.admin.questions import QuestionAdmin
    from search.question_admin import IndexedQuestionSearch

    assert isinstance(QuestionAdmin.question_search, IndexedQuestionSearch)
