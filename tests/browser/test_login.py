"""Each role logs in through the real login page and sees its role and only what it may open."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    ("fixture", "username", "role_label"),
    [
        ("controller", "controller", "Finance controller"),
        ("it_admin", "itadmin", "Integration admin (IT)"),
        ("auditor", "auditor", "Auditor (read-only)"),
    ],
)
def test_each_role_logs_in_and_sees_its_role(request, page, login, screenshot, fixture, username, role_label):
    request.getfixturevalue(fixture)
    login(page, username)
    page.wait_for_url("**/dashboard/")
    assert page.get_by_test_id("user-role").inner_text() == role_label
    assert page.locator(".env-banner").inner_text().startswith("SANDBOX")
    assert page.locator("nav.mainnav >> text=Admin").count() == 0
    screenshot(page, f"login-{username}")


def test_wrong_password_is_refused_with_a_clear_message(page, login, controller):
    login(page, "controller", "wrong-password")
    assert "not right" in page.locator("[role=alert]").inner_text()
    assert page.url.endswith("/login/")


def test_outsider_is_refused_every_section(page, login, outsider):
    login(page, "outsider")
    response = page.goto("/worklist/")
    assert response.status == 403
    assert "Not allowed" in page.content()


def test_logout_ends_the_session(page, login, controller):
    login(page, "controller")
    page.wait_for_url("**/dashboard/")
    page.click("text=Log out")
    page.wait_for_url("**/login/")
    assert page.goto("/dashboard/").url.endswith("/login/?next=/dashboard/")
