"""Headless Chromium through Playwright against Django's live server.

Playwright's sync API runs an event loop in this thread, which trips Django's async-unsafe check for
the ORM calls the tests make to set up data; the check guards real async code, not this.
"""
import os
import shutil
from pathlib import Path

import pytest
from django.core.cache import cache

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _executable():
    if Path(CHROMIUM).exists():
        return CHROMIUM
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    return found


@pytest.fixture(scope="session")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    executable = _executable()
    if executable is None:
        pytest.skip("no Chromium: install Debian's `chromium` (.ci/run does) to run the browser tests")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True,
                                             args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield browser
        browser.close()


@pytest.fixture
def page_factory(browser, live_server):
    cache.clear()  # sign-in throttling counts per client address, and every test signs in from 127.0.0.1
    contexts = []

    def make(*, width=1280, height=900, locale="ru-RU"):
        context = browser.new_context(viewport={"width": width, "height": height}, base_url=live_server.url,
                                      locale=locale)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
