"""The browser test harness itself: Chromium discovery, the JavaScript error
watcher, failure artifacts, logging in through the login page."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from browser_support import (
    PageProblems,
    find_chromium,
    log_in,
    make_admin_user,
    running_in_ci,
    save_artifacts,
)

ENSURE_SCRIPT = Path(__file__).resolve().parent / "ensure_chromium.sh"


def test_find_chromium_honours_the_override_and_reports_a_missing_binary(tmp_path: Path) -> None:
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    assert find_chromium(environ={"CHROMIUM_BIN": str(fake)}) == str(fake)
    assert find_chromium(environ={"CHROMIUM_BIN": str(tmp_path / "missing")}) is None
    fake.chmod(0o644)
    assert find_chromium(environ={"CHROMIUM_BIN": str(fake)}) is None


@pytest.mark.parametrize(("value", "expected"), [("true", True), ("1", True), ("", False), ("false", False)])
def test_running_in_ci(value: str, expected: bool) -> None:
    assert running_in_ci(environ={"CI": value}) is expected


@pytest.mark.parametrize(("ci", "exit_code", "says"), [("", 0, "SKIPPED"), ("true", 1, "FAILED")])
def test_ensure_chromium_skips_locally_but_fails_in_ci_without_a_browser(
    ci: str, exit_code: int, says: str
) -> None:
    result = subprocess.run(
        ["sh", str(ENSURE_SCRIPT)],
        env={"PATH": "/usr/bin:/bin", "CI": ci, "CHROMIUM_BIN": "/nonexistent/chromium",
             "BROWSER_INSTALL": "0"},
        capture_output=True, text=True, timeout=30, check=False,
    )
    assert result.returncode == exit_code
    assert says in result.stdout + result.stderr


def test_ensure_chromium_accepts_an_installed_browser(tmp_path: Path) -> None:
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    result = subprocess.run(
        ["sh", str(ENSURE_SCRIPT)],
        env={"PATH": "/usr/bin:/bin", "CI": "true", "CHROMIUM_BIN": str(fake)},
        capture_output=True, text=True, timeout=30, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert f"using {fake}" in result.stdout


def test_the_watcher_records_console_errors_exceptions_and_dialogs(page, page_problems) -> None:
    page.goto("/admin/login/")
    assert not page_problems, page_problems.describe()
    page.evaluate("console.error('deliberate console error')")
    page.evaluate("setTimeout(() => { throw new Error('deliberate exception') }, 0)")
    page.evaluate("setTimeout(() => alert('deliberate dialog'), 0)")
    page.wait_for_timeout(200)
    assert any("deliberate console error" in entry for entry in page_problems.console_errors)
    assert any("deliberate exception" in entry for entry in page_problems.page_errors)
    assert any("deliberate dialog" in entry for entry in page_problems.dialogs)
    assert "JavaScript console errors" in page_problems.describe()
    # Provoked on purpose: clear them so this test's own watcher passes.
    page_problems.clear()


def test_failure_artifacts_hold_a_screenshot_the_html_and_the_console(page, tmp_path: Path) -> None:
    page.goto("/admin/login/")
    problems = PageProblems(console_errors=["http://x/: boom"], screens=["http://x/"])
    written = save_artifacts(page=page, problems=problems, nodeid="tests/browser/test_x.py::test_y[a/b]",
                             directory=tmp_path)
    by_suffix = {path.suffix: path for path in written}
    assert by_suffix[".png"].read_bytes().startswith(b"\x89PNG")
    assert 'id="id_username"' in by_suffix[".html"].read_text()
    assert "boom" in by_suffix[".txt"].read_text()
    assert all(path.parent == tmp_path and "/" not in path.name for path in written)


def test_a_person_logs_in_through_the_login_page(page) -> None:
    make_admin_user(username="ada", role="editor")
    page.goto("/admin/")
    assert "/admin/login/" in page.url
    log_in(page, username="ada")
    assert page.locator("#user-tools").inner_text().upper().count("ADA") >= 1


def test_a_wrong_password_is_refused(page) -> None:
    make_admin_user(username="ada", role="editor")
    page.goto("/admin/login/")
    page.fill("#id_username", "ada")
    page.fill("#id_password", "not the password")
    page.get_by_role("button", name="Log in").click()
    assert page.locator(".errornote").is_visible()
    assert "/admin/login/" in page.url


def test_a_javascript_error_fails_the_test_and_keeps_artifacts(tmp_path: Path) -> None:
    """Run a throwaway browser test that passes its own assertions but whose
    page logs an error: the harness must fail it and keep the artifacts."""
    browser_dir = Path(__file__).resolve().parent
    copy = tmp_path / "tests" / "browser"
    copy.mkdir(parents=True)
    for name in ("conftest.py", "browser_support.py"):
        (copy / name).write_text((browser_dir / name).read_text())
    (copy / "test_throwaway.py").write_text(
        "def test_page_with_an_error(page):\n"
        "    page.goto('/admin/login/')\n"
        "    page.evaluate(\"console.error('throwaway error')\")\n"
        "    assert page.locator('#id_username').count() == 1\n"
        "\n"
        "def test_clean_page(page):\n"
        "    page.goto('/admin/login/')\n"
    )
    project = browser_dir.parents[1]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--rootdir", str(project),
         "-c", str(project / "pyproject.toml"), str(copy)],
        cwd=project, env={**os.environ, "PYTHONPATH": str(project)},
        capture_output=True, text=True, timeout=120, check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "1 failed, 1 passed" in output, output
    assert "throwaway error" in output
    artifacts = sorted(path.name for path in (tmp_path / "artifacts" / "browser").iterdir())
    assert [name.rsplit(".", 1)[-1] for name in artifacts] == ["txt", "html", "png"], artifacts
    assert all("test_page_with_an_error" in name for name in artifacts)
