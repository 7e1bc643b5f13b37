"""Browser fixtures, defined once for the whole suite (imported by tests/conftest.py).

Real headless Chromium (Debian's /usr/bin/chromium) driven by Playwright against pytest-django's live server.

Fixtures: `browser` (one per session), `page` (a fresh context per test), `login(page, username)`,
`screenshot(page, name)` (saved under test-artifacts/screenshots/). Never downloads a browser.
"""

import base64
import os
import shutil
import time
from pathlib import Path

import pytest

from tests.constants import PASSWORD
from tests.services import required_service

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

# Playwright's sync API runs an event loop in this thread; Django's guard against ORM calls from async code
# would trip on the test's own fixtures although nothing here is concurrent.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    required_service("browser", bool(shutil.which(CHROMIUM) or Path(CHROMIUM).exists()), f"no Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1360, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def totp_code(key: bytes, last_t: int = -1) -> str:
    """The code an authenticator app would show now (or for the next step when this one was already used)."""
    from django_otp.oath import TOTP

    totp = TOTP(key, step=30, t0=0, digits=6)
    totp.time = max(time.time(), (last_t + 1) * 30)  # TOTP refuses a step twice; the tolerance allows the next one
    return f"{totp.token():06d}"


def pass_second_factor(page, username: str) -> None:
    """Two-factor users (IT, superusers, opted-in users) land on the code page or, the first time, on enrolment:
    answer like the user's authenticator app would (the key from the database, or read off the enrolment page)."""
    from apps.access.models import TwoFactorDevice

    if "/login/verify/" in page.url:
        device = TwoFactorDevice.objects.get(user__username=username, confirmed=True)
        code = totp_code(device.bin_key, device.last_t)
    elif "/login/enrol/" in page.url:
        secret = page.get_by_test_id("otp-secret").inner_text().replace(" ", "")
        code = totp_code(base64.b32decode(secret + "=" * (-len(secret) % 8)))
    else:
        return
    page.fill("#id_code", code)
    with page.expect_navigation():
        page.click("button[type=submit]")


@pytest.fixture
def login():
    def do_login(page, username: str, password: str = PASSWORD):
        page.goto("/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        with page.expect_navigation():  # the form always answers with a page: the next step, or the errors
            page.click("button[type=submit]")
        pass_second_factor(page, username)
        return page

    return do_login


@pytest.fixture
def screenshot():
    def take(page, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
