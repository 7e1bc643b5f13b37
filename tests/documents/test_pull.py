"""Pull adapters against the platform sandboxes, run as real processes on free loopback ports."""

import json
from decimal import Decimal

import pytest

from apps.documents.normalize.concur import ConcurConvention
from apps.documents.normalize.expensify import ExpensifyConvention
from apps.documents.pull import PullError
from apps.documents.pull.concur import ConcurClient, fetch_token, pull_concur
from apps.documents.pull.expensify import ExpensifyClient, pull_expensify
from sandbox.platforms.expensify import CREDENTIALS, RATE_LIMIT_MESSAGE
from sandbox.platforms.testing import run_platform

EXPENSIFY = ExpensifyConvention(entity_by_policy={"POL-US": "US", "POL-FR": "FR", "POL-DE": "DE"})
CONCUR = ConcurConvention(entity_custom_field="orgUnit1", tax_code_field="custom9")
APPROVED = 10  # 12 seeded reports, one in six still waiting for approval


@pytest.fixture
def expensify(tmp_path):
    with run_platform("expensify", tmp_path / "expensify") as url:
        yield url


@pytest.fixture
def expensify_client(expensify):
    return ExpensifyClient(expensify, CREDENTIALS["partnerUserID"], CREDENTIALS["partnerUserSecret"])


@pytest.fixture
def concur(tmp_path):
    with run_platform("concur", tmp_path / "concur") as url:
        yield url


def concur_client(url: str, **kwargs) -> ConcurClient:
    token = fetch_token(
        url, client_id="sandbox-client", client_secret="sandbox-client-secret", refresh_token="sandbox-refresh"
    )
    return ConcurClient(url, token, **kwargs)


def test_expensify_pull_returns_every_approved_report_with_cent_amounts_converted(expensify_client, tmp_path):
    batch = pull_expensify(expensify_client, cursor=None, convention=EXPENSIFY)
    assert (len(batch.documents), batch.invalid, batch.calls) == (APPROVED, [], 2)
    stored = {r["reportID"]: r for r in json.loads((tmp_path / "expensify" / "reports.json").read_text())}
    for pulled in batch.documents:
        source = stored[pulled.document.source_id]
        assert source["status"] == "Approved"
        for line, transaction in zip(pulled.document.lines, source["transactionList"], strict=True):
            assert line.amount == Decimal(transaction["amount"]) / 100
    assert batch.cursor == "2026-11-04"  # the day before the last approval (approvedAfter excludes that day)


def test_expensify_marked_reports_are_not_exported_again(expensify_client):
    first = pull_expensify(expensify_client, cursor=None, convention=EXPENSIFY)
    expensify_client.mark_exported(first.source_ids[:4])
    second = pull_expensify(expensify_client, cursor=None, convention=EXPENSIFY)
    assert sorted(second.source_ids) == sorted(first.source_ids[4:])


def test_expensify_cursor_skips_reports_approved_on_or_before_it(expensify_client):
    batch = pull_expensify(expensify_client, cursor="2026-11-03", convention=EXPENSIFY, label=None)
    assert batch.documents and all(p.document.approved_at.date().isoformat() > "2026-11-03" for p in batch.documents)


def test_expensify_bad_credentials_are_an_auth_error_without_the_secret(expensify):
    client = ExpensifyClient(expensify, CREDENTIALS["partnerUserID"], "wrong-secret")
    with pytest.raises(PullError) as caught:
        pull_expensify(client, cursor=None, convention=EXPENSIFY)
    assert caught.value.auth and not caught.value.transient and "wrong-secret" not in str(caught.value)
    assert "wrong-secret" not in repr(client)


def test_expensify_rate_limit_is_transient_with_the_platform_wording(tmp_path):
    with run_platform("expensify", tmp_path / "limited", rate_limit=3) as url:
        client = ExpensifyClient(url, CREDENTIALS["partnerUserID"], CREDENTIALS["partnerUserSecret"])
        pull_expensify(client, cursor=None, convention=EXPENSIFY)  # jobs 1 and 2
        client.export()  # job 3
        with pytest.raises(PullError) as caught:
            client.export()
    assert caught.value.transient and caught.value.retry_after == 60.0
    assert RATE_LIMIT_MESSAGE in str(caught.value)


def test_expensify_throttle_is_called_before_every_job(expensify):
    calls = []
    client = ExpensifyClient(
        expensify, CREDENTIALS["partnerUserID"], CREDENTIALS["partnerUserSecret"], throttle=lambda: calls.append(1)
    )
    pull_expensify(client, cursor=None, convention=EXPENSIFY)
    assert len(calls) == 2


def test_expensify_report_that_fails_normalization_is_returned_apart(expensify_client):
    convention = ExpensifyConvention(entity_by_policy={"POL-FR": "FR", "POL-DE": "DE"})  # US not configured
    batch = pull_expensify(expensify_client, cursor=None, convention=convention)
    assert batch.invalid and all(r.source_id.startswith("US") for r in batch.invalid)
    assert batch.invalid[0].error.errors == [
        ("policyID", "no legal entity is configured for Expensify policy 'POL-US'")
    ]
    assert len(batch.documents) + len(batch.invalid) == APPROVED
    assert batch.cursor == "2026-11-01"  # held before the first refused report, so it is exported again once fixed


def test_concur_pull_pages_through_approved_reports_with_expenses_and_allocations(concur):
    client = concur_client(concur)
    batch = pull_concur(client, cursor=None, convention=CONCUR, page_size=3)
    assert (len(batch.documents), batch.invalid) == (APPROVED, [])
    lines = sum(len(p.document.lines) for p in batch.documents)
    assert batch.calls == 4 + APPROVED + lines  # 4 pages, expenses per report, allocations per expense
    assert {p.document.entity for p in batch.documents} == {"US", "FR", "DE"}
    assert batch.cursor == max(p.raw["report"]["approvalDate"] for p in batch.documents)
    split = [line for p in batch.documents for line in p.document.lines if line.allocations]
    assert all(sum(a.percent for a in line.allocations) == 100 for line in split)


def test_concur_cursor_is_inclusive_so_the_next_pull_starts_at_the_last_report(concur):
    client = concur_client(concur)
    first = pull_concur(client, cursor=None, convention=CONCUR)
    again = pull_concur(client, cursor=first.cursor, convention=CONCUR)
    assert [p.document.source_id for p in again.documents] == [first.documents[-1].document.source_id]


def test_concur_amounts_are_exact_decimals(concur):
    batch = pull_concur(concur_client(concur), cursor=None, convention=CONCUR)
    for pulled in batch.documents:
        for line, expense in zip(pulled.document.lines, pulled.raw["expenses"], strict=True):
            assert isinstance(expense["transactionAmount"]["value"], Decimal)
            assert line.amount == expense["transactionAmount"]["value"]


def test_concur_bad_token_is_an_auth_error(concur):
    with pytest.raises(PullError) as caught:
        pull_concur(ConcurClient(concur, "expired-token"), cursor=None, convention=CONCUR)
    assert caught.value.auth and not caught.value.transient
    with pytest.raises(PullError) as caught:
        fetch_token(concur, client_id="sandbox-client", client_secret="nope", refresh_token="sandbox-refresh")
    assert caught.value.auth


def test_concur_429_is_transient_and_honours_retry_after(tmp_path):
    with run_platform("concur", tmp_path / "limited", rate_limit=2) as url:
        client = concur_client(url)
        with pytest.raises(PullError) as caught:
            pull_concur(client, cursor=None, convention=CONCUR)
    assert caught.value.transient and caught.value.retry_after == 1.0


def test_unreachable_platform_is_a_transient_error():
    from sandbox.platforms.testing import free_port

    client = ExpensifyClient(f"http://127.0.0.1:{free_port()}", "id", "secret")
    with pytest.raises(PullError) as caught:
        client.export()
    assert caught.value.transient


def test_pulled_documents_received_twice_are_stored_once(expensify_client, entities):
    from apps.documents.models import Document
    from apps.documents.services import document_receive

    for _ in range(2):
        batch = pull_expensify(expensify_client, cursor=None, convention=EXPENSIFY)
        for pulled in batch.documents:
            document_receive(
                canonical=pulled.document,
                connector_slug="expensify-demo",
                source_system="expensify",
                raw_payload=pulled.raw,
                actor="pull:expensify-demo",
                revision_from_content=True,
            )
    assert Document.objects.count() == APPROVED
    assert set(Document.objects.values_list("source_revision", flat=True)) == {1}
