"""Real-browser tests: Playwright driving Debian's headless Chromium against
the site served on 127.0.0.1 by pytest-django's live server.

- one browser for the package, a fresh context (cookies, storage) per test;
- every test using `page` fails when the page logged a JavaScript console
  error, threw an uncaught exception or opened a dialog, on any screen;
- a failed test leaves a screenshot, the page's HTML and the console log in
  artifacts/browser/;
- no Chromium: the tests skip with the reason, or fail when CI=true
  (tests/browser/ensure_chromium.sh installs it where it can).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import (
    CHROMIUM_ARGS,
    DEFAULT_TIMEOUT_MS,
    PageProblems,
    find_chromium,
    running_in_ci,
    save_artifacts,
)

BROWSER_DIR = Path(__file__).resolve().parent
problems_key = pytest.StashKey[PageProblems]()
page_key = pytest.StashKey[Any]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives a real Chromium (tests/browser)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if BROWSER_DIR in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.browser)


def browser_unavailable(reason: str) -> None:
    """Skip, or fail under CI=true where the browser tests must run."""
    if running_in_ci():
        pytest.fail(f"Browser tests cannot run with CI=true: {reason}", pytrace=False)
    pytest.skip(f"Browser tests skipped: {reason}")


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    executable = find_chromium()
    if executable is None:
        browser_unavailable(
            "no Chromium at /usr/bin/chromium (or $CHROMIUM_BIN); install Debian's "
            "`chromium` and `chromium-driver` (make test does this when run as root)"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        browser_unavailable("the `playwright` package is not installed (pip install -e '.[test]')")
    # Playwright's sync API keeps an asyncio loop running in this thread;
    # Django would then refuse the ORM calls tests make to set up data. The
    # site itself runs in the live server's threads, where no loop runs.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=executable, headless=True, args=list(CHROMIUM_ARGS)
            )
            try:
                yield chromium
            finally:
                chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """Each journey creates users and logs in; the default 1,000,000-round
    PBKDF2 would cost seconds per test for nothing these tests check."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def site_url(live_server: Any, transactional_db: None) -> str:
    """The live site's address; data the test writes is committed, so the
    server's threads see it."""
    return live_server.url


@pytest.fixture
def page(browser: Any, site_url: str, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A new page in a fresh browser context, watched for JavaScript errors
    and dialogs."""
    context = browser.new_context(base_url=site_url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    new_page = context.new_page()
    problems = PageProblems()
    problems.watch(new_page)
    request.node.stash[problems_key] = problems
    request.node.stash[page_key] = new_page
    try:
        yield new_page
    finally:
        context.close()


@pytest.fixture
def page_problems(page: Any, request: pytest.FixtureRequest) -> PageProblems:
    """What `page` reported so far (tests that provoke errors on purpose)."""
    return request.node.stash[problems_key]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """Fail the test when its page reported a JavaScript problem."""
    try:
        result = yield
    except BaseException as error:
        problems = item.stash.get(problems_key, None)
        if problems:
            error.add_note(problems.describe())
        raise
    problems = item.stash.get(problems_key, None)
    if problems is not None:
        page = item.stash.get(page_key, None)
        if page is not None and not page.is_closed():
            # Let events the page sent while the test ended be delivered.
            try:
                page.evaluate("0")
            except Exception:  # noqa: BLE001 - a navigating page; the events came anyway
                pass
        if problems:
            pytest.fail(problems.describe(), pytrace=False)
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[Any]:
    """Keep a screenshot and the HTML of the page a failed test was on."""
    report = yield
    page = item.stash.get(page_key, None)
    if report.failed and report.when in {"setup", "call"} and page is not None and not page.is_closed():
        written = save_artifacts(page=page, problems=item.stash.get(problems_key, None),
                                 nodeid=item.nodeid)
        report.sections.append(("browser artifacts", "\n".join(str(path) for path in written)))
    return report
