"""In Chromium, under the real Content-Security-Policy: no page of the console (nor the API docs, nor the admin)
trips a CSP violation, and Swagger UI still renders from our own static files."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


CONTROLLER_PAGES = [
    "/dashboard/",
    "/worklist/",
    "/ledger/",
    "/documents/",
    "/flows/",
    "/mappings/",
    "/connectors/",
    "/account/",
    "/account/tokens/",
    "/account/two-factor/",
    "/no-such-page/",
]


def watch_csp(page) -> list[str]:
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    return violations


def test_console_pages_run_under_the_csp_without_violations(page, login, controller, entities):
    from tests.access.samples import build_samples

    samples = build_samples(entities)
    violations = watch_csp(page)
    login(page, "controller")
    page.wait_for_url("**/dashboard/")
    item = samples["worklist"]["item"].pk
    for path in [*CONTROLLER_PAGES, f"/worklist/{item}/"]:
        page.goto(path)
        page.wait_for_load_state("networkidle")
    assert not violations, "\n".join(violations)


def test_swagger_ui_renders_under_the_csp(page, login, controller, screenshot):
    violations = watch_csp(page)
    login(page, "controller")
    page.goto("/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title", timeout=15_000)
    assert "Integration Console API" in page.locator(".swagger-ui .info .title").inner_text()
    assert page.locator(".opblock").count() > 10
    screenshot(page, "api-docs")
    assert not violations, "\n".join(violations)


def test_admin_signs_in_with_totp_and_the_admin_runs_under_the_csp(page, login, superuser, screenshot):
    violations = watch_csp(page)
    login(page, "admin")
    page.wait_for_url("**/dashboard/")
    page.goto("/admin/")
    page.wait_for_load_state("networkidle")
    assert page.locator("#site-name").count() == 1
    screenshot(page, "admin-under-csp")
    assert not violations, "\n".join(violations)
