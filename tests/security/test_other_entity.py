"""The URL × role matrix for a user scoped to another entity: the DE controller holds the same role as the FR
controller of tests/access/url_matrix.py, so every URL answers them as it answers the FR controller — except
the URLs of the FR samples (tests/access/samples.py), which must be refused (403/404), and no page or API answer
may show them any FR sample.

Every URL of the matrix is classified here too: a new URL fails `test_every_url_is_classified` until someone
says whether it points at entity-scoped data.
"""

import pytest
from django.urls import reverse

from tests.access.url_matrix import CONTROLLER, URLS

pytestmark = pytest.mark.django_db

# URLs whose sample object (or POSTed entity) belongs to FR, or to the FR controller personally.
FR_ONLY = frozenset({
    "access:token_revoke", "access-api:token-detail", "access-api:token-revoke",
    "reporting:reconciliation_create", "reporting:reconciliation_detail", "reporting:reconciliation_export",
    "reporting-api:reconciliation-detail", "reporting-api:reconciliation-list",
    "reporting-api:reconciliation-differences", "reporting-api:reconciliation-export",
    "worklist:item", "worklist:assign", "worklist:claim", "worklist:comment", "worklist:tag", "worklist:retry",
    "worklist:correct", "worklist:duplicate", "worklist:dismiss", "worklist:snooze", "worklist:resolve",
    "worklist:replay", "worklist:bulk-detail", "worklist:filter-delete", "worklist:calendar-save",
    "worklist-api:item-detail", "worklist-api:item-assign", "worklist-api:item-claim", "worklist-api:item-comment",
    "worklist-api:item-tag", "worklist-api:item-retry", "worklist-api:item-correct", "worklist-api:item-duplicate",
    "worklist-api:item-dismiss", "worklist-api:item-resolve", "worklist-api:item-snooze", "worklist-api:item-replay",
    "worklist-api:bulk-detail", "worklist-api:filter-detail", "worklist-api:close-calendar",
    "ledger:entry_detail", "ledger-api:entry-detail",
    "mappings:master_data_refresh", "mappings:set_detail", "mappings:set_draft_open", "mappings:version_detail",
    "mappings:version_diff", "mappings:version_preview", "mappings:version_export", "mappings:rule_add",
    "mappings:version_configure", "mappings:version_import", "mappings:version_submit", "mappings:version_discard",
    "mappings:version_restore", "mappings:version_approve", "mappings:version_reject", "mappings:version_withdraw",
    "mappings:rule_edit", "mappings:rule_delete",
    "mappings-api:set-detail", "mappings-api:set-draft", "mappings-api:version-detail", "mappings-api:version-diff",
    "mappings-api:version-preview", "mappings-api:version-export", "mappings-api:version-rules",
    "mappings-api:version-configure", "mappings-api:version-import", "mappings-api:version-submit",
    "mappings-api:version-discard", "mappings-api:version-restore", "mappings-api:version-approve",
    "mappings-api:version-reject", "mappings-api:version-withdraw", "mappings-api:rule-detail",
    "mappings-api:master-data", "mappings-api:master-data-refresh", "mappings:rule-new",
    "documents:detail", "documents-api:document-detail",
})  # fmt: skip
# URLs the FR controller may use whose sample serves every entity, or that list what the user may see.
SHARED = frozenset(name for name, route in URLS.items() if CONTROLLER in route.allowed) - FR_ONLY
# Text of the FR samples that no answer to the DE controller may contain.
FR_MARKERS = ("R-SAMPLE", "Employee has no Odoo mapping.", "FR taxes", "FR categories", "demo:expense_report:R-1")
# Forms naming entity FR: they answer the DE controller with the form's error (a redirect back to the page that
# shows it), and store nothing.
REFUSED_BY_THE_FORM = {
    "reporting:reconciliation_create": ("reporting", "ReconciliationRun"),
    "reporting-api:reconciliation-list": ("reporting", "ReconciliationRun"),
    "worklist:calendar-save": ("worklist", "ClosePeriod"),
}


def test_every_url_is_classified():
    controller_urls = {name for name, route in URLS.items() if CONTROLLER in route.allowed}
    stray = sorted(FR_ONLY - controller_urls)
    assert not stray, f"FR_ONLY lists URLs the FR controller may not use (or that are gone): {stray}"
    assert controller_urls == FR_ONLY | SHARED


@pytest.fixture
def samples(entities, controller):
    from tests.access.samples import build_samples

    return build_samples(entities)


def _counts() -> dict:
    """Rows of the ledger (every change writes an entry) and of what the forms of REFUSED_BY_THE_FORM create."""
    from django.apps import apps

    from apps.ledger.models import LedgerEntry

    counts = {f"{a}.{m}": apps.get_model(a, m).objects.count() for a, m in REFUSED_BY_THE_FORM.values()}
    return {**counts, "ledger": LedgerEntry.objects.count()}


def denied(response) -> bool:
    return response.status_code in (401, 403, 404)


def body(response) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode("utf-8", "replace")


@pytest.mark.parametrize("name", sorted(FR_ONLY))
def test_the_de_controller_is_refused_fr_objects(name, client_for, controller_de, samples):
    route = URLS[name]
    url = reverse(name, kwargs=route.kwargs(samples))
    stored = _counts()
    response = getattr(client_for(controller_de), route.method.lower())(url, data=route.data(samples))
    if name in REFUSED_BY_THE_FORM:
        assert response.status_code in (302, 400) or denied(response), response.status_code
    else:
        assert denied(response), f"DE controller: {route.method} {url} answered {response.status_code}"
    assert _counts() == stored, f"{name}: the DE controller's request changed something"
    leaked = [m for m in FR_MARKERS if m in body(response)]
    assert not leaked, f"{name}: the refusal shows FR data {leaked}"


@pytest.mark.parametrize("name", sorted(n for n in SHARED if URLS[n].method == "GET"))
def test_the_de_controller_reaches_shared_urls_and_sees_no_fr_data(name, client_for, controller_de, samples):
    route = URLS[name]
    url = reverse(name, kwargs=route.kwargs(samples))
    response = client_for(controller_de).get(url, data=route.data(samples))
    assert response.status_code < 500 and not denied(response), f"{url} answered {response.status_code}"
    leaked = [m for m in FR_MARKERS if m in body(response)]
    assert not leaked, f"{name} shows the DE controller FR data: {leaked}"


def test_the_fr_markers_are_visible_to_the_fr_controller_so_their_absence_means_something(
    client_for, controller, samples
):
    web = client_for(controller)
    seen = set()
    for name in ("documents:index", "worklist:index", "mappings:index", "reporting:reconciliation_list"):
        text = body(web.get(reverse(name)))
        seen |= {m for m in FR_MARKERS if m in text}
    text = body(
        web.get(reverse("reporting:reconciliation_detail", kwargs={"pk": samples["reporting"]["reconciliation"].pk}))
    )
    seen |= {m for m in FR_MARKERS if m in text}
    assert seen == set(FR_MARKERS), sorted(set(FR_MARKERS) - seen)
