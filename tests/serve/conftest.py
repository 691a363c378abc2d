"""The browser tests' Chromium: the system's, driven by Playwright (its own browser download
cannot be reached from these machines); without it the browser tests are skipped, saying
why."""

from __future__ import annotations

import pytest

from tui_lab.cli import browser


def pytest_collection_modifyitems(items):
    for item in items:
        if "browser" in item.keywords and browser.chromium() is None:
            item.add_marker(pytest.mark.skip(reason="no chromium found: .ci/run installs it "
                                                    "(apt-get install chromium)"))


@pytest.fixture(scope="module")
def context():
    """Headless Chromium with a fresh profile; downloads accepted."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install '.[test]'")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(**browser.launch_options())
        context = chromium.new_context(**browser.CONTEXT)
        context.add_init_script(browser.SCREEN_JS)
        yield context
        chromium.close()

