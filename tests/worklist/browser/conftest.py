"""Reuse the browser fixtures of tests/browser (real headless Chromium over pytest-django's live server)."""

from tests.browser.conftest import browser, login, page, screenshot  # noqa: F401
