"""The API pull credential paths leave no secret behind: an Expensify pull (partner secret in the job request), an
Expensify pull with a refused secret (auth failure: connector paused, worklist item), and a SAP Concur pull (OAuth
client secret and refresh token exchanged for an access token) — each against its platform sandbox as a real
process. Afterwards no log record (DEBUG, the HTTP client's included), ledger row, table row or page of the flows,
runs, connectors and worklist holds any of those secrets, nor the access tokens Concur issued.
"""

import json
import logging

import pytest
from django.urls import reverse

from apps.connectors.services.connectors import connector_create
from sandbox.platforms.concur import CLIENT
from sandbox.platforms.expensify import CREDENTIALS
from sandbox.platforms.testing import run_platform
from tests.connectors.test_secrets_never_leak import _all_rows_text
from tests.sync import helpers

pytestmark = pytest.mark.django_db
REFUSED_SECRET = "Refused-Partner-Secret-8e2b7c41"
POLICIES = {"POL-US": "US", "POL-FR": "FR", "POL-DE": "DE"}


def _expensify(it_admin, entities, url: str, slug: str, secret: str):
    source = connector_create(actor=it_admin, data={"slug": slug, "name": slug, "adapter": "expensify",
                                                    "kind": "expense_platform",
                                                    "base_url": url + "/Integration-Server/ExpensifyIntegrations",
                                                    "options": {"partner_user_id": CREDENTIALS["partnerUserID"],
                                                                "entity_by_policy": POLICIES}},
                              entities=list(entities.values()), reason="test", initial_secret=secret,
                              initial_secret_kind="api_key")  # fmt: skip
    return source


@pytest.fixture
def pulled(tmp_path, entities, it_admin, caplog, django_capture_on_commit_callbacks):
    """Three pulls through `flow_pull`, as a run does; returns {name: secret} including Concur's access tokens."""
    from apps.sync.services.pulls import flow_pull

    caplog.set_level(logging.DEBUG)
    target = helpers.odoo_connector(
        it_admin, url="http://127.0.0.1:9", database="none", login="admin", password="admin"
    )  # fmt: skip  (pulls never call the target)
    everyone = list(entities.values())
    outcomes = {}
    with run_platform("expensify", tmp_path / "expensify") as url:
        good = _expensify(it_admin, entities, url, "expensify", CREDENTIALS["partnerUserSecret"])
        refused = _expensify(it_admin, entities, url, "expensify-old", REFUSED_SECRET)
        for name, source in (("expensify", good), ("refused", refused)):
            flow = helpers.flow(source, target, everyone, slug=f"{source.slug}-pull", trigger="manual")
            with django_capture_on_commit_callbacks(execute=True):
                outcomes[name] = flow_pull(flow=flow)
    with run_platform("concur", tmp_path / "concur") as url:
        source = helpers.concur_connector(it_admin, url=url, entities=everyone)
        flow = helpers.flow(source, target, everyone, slug="concur-pull", trigger="manual")
        with django_capture_on_commit_callbacks(execute=True):
            outcomes["concur"] = flow_pull(flow=flow)
    assert outcomes["expensify"].received > 0 and outcomes["concur"].received > 0, outcomes
    assert "credentials" in outcomes["refused"].error, outcomes["refused"]
    issued = json.loads((tmp_path / "concur" / "client.json").read_text())["tokens"][1:]  # [0]: the static demo
    assert issued, "Concur issued no access token: the OAuth path did not run"
    secrets = {
        "Expensify partner secret": CREDENTIALS["partnerUserSecret"],
        "refused Expensify secret": REFUSED_SECRET,
        "Concur client secret": CLIENT["client_secret"],
        "Concur refresh token": CLIENT["refresh_token"],
        **{f"Concur access token {n}": token for n, token in enumerate(issued)},
    }
    return secrets


def _assert_absent(text: str, secrets: dict, where: str) -> None:
    for name, secret in secrets.items():
        assert secret not in text, f"the {name} leaked into {where}"


def test_no_log_record_of_the_pulls_holds_a_secret(pulled, caplog):
    records = caplog.get_records("setup")
    assert any(r.name.startswith(("httpx", "httpcore")) for r in records), (
        "the HTTP client's DEBUG records were not captured"
    )
    text = "\n".join(f"{r.name} {r.getMessage()} {r.args} {r.exc_text or ''}" for r in records)
    _assert_absent(text, pulled, "the logs")


def test_no_table_row_including_the_ledger_holds_a_pull_secret(pulled):
    from apps.ledger.models import LedgerEntry

    assert LedgerEntry.objects.filter(kind__startswith="pull.").exists()
    _assert_absent(_all_rows_text(), pulled, "a table row")


def test_no_page_or_api_answer_about_the_pulls_holds_a_secret(pulled, client_for, it_admin, auditor):
    from apps.sync.models import SyncRun
    from apps.worklist.models import WorklistItem

    urls = [reverse("connectors:index"), reverse("sync:index"), reverse("worklist:index"), reverse("ledger:index"),
            reverse("connectors-api:connector-list"), reverse("ledger-api:entry-list"),
            reverse("worklist-api:item-list")]  # fmt: skip
    for slug in ("expensify", "expensify-old", "concur"):
        urls += [reverse("connectors:detail", kwargs={"slug": slug}),
                 reverse("connectors-api:connector-detail", kwargs={"slug": slug})]  # fmt: skip
    for slug in ("expensify-pull", "expensify-old-pull", "concur-pull"):
        urls.append(reverse("sync:flow_detail", kwargs={"slug": slug}))
    urls += [reverse("sync:run_detail", kwargs={"pk": run.pk}) for run in SyncRun.objects.all()]
    items = WorklistItem.objects.filter(category="auth_failure")
    assert items.exists()
    urls += [reverse("worklist:item", kwargs={"pk": item.pk}) for item in items]
    for user in (it_admin, auditor):
        web = client_for(user)
        for url in urls:
            response = web.get(url)
            assert response.status_code < 500, (url, response.status_code)
            _assert_absent(response.content.decode("utf-8", "replace"), pulled, f"GET {url} as {user.username}")
