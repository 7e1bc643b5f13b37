"""Security headers and a Content-Security-Policy without 'unsafe-inline' on every kind of page; templates free
of inline script and style (the policy would block them); `check --deploy` clean in a production-like setup."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


@pytest.fixture
def pages(client_for, controller, outsider, superuser):
    """One response of each kind of page the console serves."""
    return {
        "login page (anonymous)": lambda: client_for(None).get("/login/"),
        "HTML page": lambda: client_for(controller).get("/dashboard/"),
        "account page": lambda: client_for(controller).get("/account/"),
        "404 page": lambda: client_for(controller).get("/no-such-page/"),
        "403 page": lambda: client_for(outsider).get("/worklist/"),
        "redirect": lambda: client_for(None).get("/worklist/"),
        "API JSON": lambda: client_for(controller).get("/api/v1/ledger/entries/"),
        "API error": lambda: client_for(None).get("/api/v1/ledger/entries/"),
        "API schema": lambda: client_for(controller).get("/api/schema/"),
        "API docs": lambda: client_for(controller).get("/api/docs/"),
        "health check": lambda: client_for(None).get("/healthz"),
        "Django admin": lambda: client_for(superuser).get("/admin/"),
    }


def csp_directives(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part for part in (p.strip() for p in header.split(";")) if part}


def test_every_page_type_sends_a_csp_without_unsafe_inline(pages):
    for kind, fetch in pages.items():
        response = fetch()
        assert "Content-Security-Policy" in response, f"{kind}: no CSP header"
        directives = csp_directives(response)
        assert "unsafe-inline" not in response["Content-Security-Policy"], kind
        assert "unsafe-eval" not in response["Content-Security-Policy"], kind
        assert directives["default-src"] == "default-src 'self'", kind
        assert directives["frame-ancestors"] == "frame-ancestors 'none'", kind


def test_every_page_type_sends_the_security_headers(pages):
    expected = {
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "DENY",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cross-Origin-Resource-Policy": "same-origin",
    }
    for kind, fetch in pages.items():
        response = fetch()
        for header, value in expected.items():
            assert response.get(header) == value, f"{kind}: {header}={response.get(header)!r}"
        assert "camera=()" in response["Permissions-Policy"], kind


INLINE = re.compile(
    r"""\sstyle\s*=|<style[\s>]|<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=\s*["']|javascript:|hx-on""", re.I
)


def template_files():
    yield from (ROOT / "templates").rglob("*.html")
    for app_templates in (ROOT / "apps").glob("*/templates"):
        yield from app_templates.rglob("*.html")


def test_no_template_has_inline_script_style_or_event_handlers():
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()[:100]}"
        for path in template_files()
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if INLINE.search(line)
    ]
    assert not offenders, "the CSP blocks inline script/style; move them to static files:\n" + "\n".join(offenders)


def test_htmx_is_told_not_to_inject_its_indicator_styles(client_for, controller):
    page = client_for(controller).get("/dashboard/").content.decode()
    assert '<meta name="htmx-config" content=\'{"includeIndicatorStyles": false' in page


@pytest.mark.slow
def test_check_deploy_is_clean_in_a_production_like_environment():
    from cryptography.fernet import Fernet

    env = {  # only what a production host would have (no test-only switches such as DJANGO_ALLOW_ASYNC_UNSAFE)
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", str(ROOT)),
        "ENVIRONMENT": "production",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "console.example.com",
        "SECRET_KEY": "ci-" + "k" * 20 + os.urandom(24).hex(),
        "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "DJANGO_SETTINGS_MODULE": "integration_console.settings",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
