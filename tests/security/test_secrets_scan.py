"""After every credential path ran (tests/connectors/test_secrets_never_leak.py's scenario, UI and API), no
secret appears in any page or API answer of the console — every URL of tests/access/url_matrix.py fetched with
GET by every role and the superuser — nor in the ledger table, the DEBUG logs, or forced error pages and the
error report an administrator would be mailed.
"""

import logging

import pytest
from django.urls import reverse
from django.views.debug import ExceptionReporter

from tests.access.url_matrix import URLS
from tests.connectors.conftest import it_other  # noqa: F401  (fixture used by the scenario)
from tests.connectors.test_secrets_never_leak import SECRETS, _text, scenario  # noqa: F401  (scenario: fixture)

pytestmark = pytest.mark.django_db


def assert_no_secret(text: str, where: str) -> None:
    for name, secret in SECRETS.items():
        assert secret not in text, f"the {name} secret leaked into {where}"


@pytest.fixture
def everything_fetched(scenario, client, entities, controller, controller_de, it_admin, auditor, outsider, superuser):  # noqa: F811
    """{(role, url name): body} of a GET of every declared URL, after the scenario, for every user kind."""
    from tests.access.samples import build_samples

    samples = build_samples(entities)
    users = {"anonymous": None, "outsider": outsider, "controller": controller, "controller_de": controller_de,
             "it_admin": it_admin, "auditor": auditor, "superuser": superuser}  # fmt: skip
    bodies = {}
    for role, user in users.items():
        client.logout()
        if user is not None:
            client.force_login(user)
        for name, route in sorted(URLS.items()):
            response = client.get(reverse(name, kwargs=route.kwargs(samples)), route.data(samples))
            assert response.status_code < 500, (role, name, response.status_code)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            bodies[(role, name)] = body.decode("latin-1") + str(response.headers)
    return bodies


def test_no_page_api_answer_or_debug_log_line_of_the_whole_sweep_holds_a_secret(everything_fetched, caplog):
    """One sweep (it takes seconds), two places checked: every answer of every URL, and every log record."""
    assert len(everything_fetched) >= 7 * len(URLS)
    assert any("Hooks UI" in body for body in everything_fetched.values())  # the scenario's connectors are shown
    for (role, name), body in everything_fetched.items():
        assert_no_secret(body, f"GET {name} as {role}")
    records = caplog.get_records("setup")
    assert any("connection test of" in r.getMessage() for r in records)  # DEBUG capture covered the scenario
    text = "\n".join(f"{r.name} {r.getMessage()} {r.args} {r.exc_text or ''}" for r in records)
    assert_no_secret(text, "the logs")


def test_the_ledger_table_holds_no_secret(scenario):  # noqa: F811
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT e.*, p.* FROM ledger_ledgerentry e LEFT JOIN ledger_ledgerpayload p ON p.sequence = e.sequence"
        )
        rows = cursor.fetchall()
    assert len(rows) >= 8
    assert_no_secret("\n".join(" ".join(_text(v) for v in row) for row in rows), "the ledger table")


class _ReportCollector(logging.Handler):
    """What Django's AdminEmailHandler would mail for each request error: the full technical report."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.reports = []

    def emit(self, record):
        request = getattr(record, "request", None)
        if request is not None and record.exc_info:
            self.reports.append(ExceptionReporter(request, *record.exc_info).get_traceback_html())


@pytest.fixture
def error_reports(settings):
    settings.DEBUG = False
    collector = _ReportCollector()
    logger = logging.getLogger("django.request")
    logger.addHandler(collector)
    yield collector.reports
    logger.removeHandler(collector)


def _keyring_down():
    raise RuntimeError("the vault is unreachable")


def test_forced_error_pages_and_error_reports_of_credential_paths_hold_no_secret(
    client, it_admin, hooks, monkeypatch, error_reports
):
    from apps.connectors import vault

    # The real services run and fail inside, at encryption time: every frame of the report is real code.
    monkeypatch.setattr(vault, "keyring", _keyring_down)
    client.force_login(it_admin)
    client.raise_request_exception = False
    secret = SECRETS["ui_rotated"]
    answers = [
        client.post(reverse("connectors:credential_add", kwargs={"slug": hooks[0].slug}),
                    {"kind": "webhook_secret", "secret": secret, "expires_at": "2099-01-01T00:00", "reason": "r"}),
        client.post(reverse("connectors-api:credential-list", kwargs={"slug": hooks[0].slug}),
                    {"kind": "webhook_secret", "secret": secret, "reason": "r"}, content_type="application/json"),
        client.post(reverse("connectors:create"),
                    {"name": "X", "slug": "x-hooks", "kind": "expense_platform", "adapter": "generic_webhook",
                     "rate_limit_per_second": "0", "rotation_grace_hours": "24", "initial_secret": secret,
                     "options": "{}"}),
        client.post(reverse("connectors-api:connector-list"),
                    {"name": "Y", "slug": "y-hooks", "kind": "expense_platform", "adapter": "generic_webhook",
                     "initial_secret": secret}, content_type="application/json"),
    ]  # fmt: skip
    assert [a.status_code for a in answers] == [500, 500, 500, 500]
    for answer in answers:
        assert_no_secret(answer.content.decode(), "a 500 page")
    assert len(error_reports) == 4
    for path, report in zip(("page add", "api add", "page create", "api create"), error_reports, strict=True):
        assert_no_secret(report, f"the error report of {path} mailed to administrators")
    assert "the vault is unreachable" in error_reports[0]  # the reports are real


@pytest.fixture
def hooks(it_admin, entities):
    from tests.connectors.factories import webhook_connector

    connector, active, _ = webhook_connector(owner=it_admin, entities=[entities["FR"]], slug="boom-hooks")
    return connector, active
