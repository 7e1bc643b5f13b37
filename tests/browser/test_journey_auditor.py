"""The auditor's review in Chromium: ledger filters → an entry with its lineage → the evidence pack (a real zip
download) → the chain verification badge."""

import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
from django.utils import timezone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def reviewed_period(entities):
    """Two received reports (each a few ledger entries sharing a document key) and a recorded verification."""
    from apps.documents.normalize import normalize_canonical
    from apps.documents.services import document_receive
    from apps.ledger.operations import ledger_verify
    from tests.documents.examples import minimal_report

    for report_id in ("R-AUDIT-1", "R-AUDIT-2"):
        canonical = normalize_canonical(minimal_report(id=report_id))
        for _ in range(2):  # the second delivery is a duplicate: one more entry in the same lineage
            document_receive(
                canonical=canonical, connector_slug="hooks", source_system="generic", raw_payload={}, actor="webhook"
            )
    assert ledger_verify(actor="ledger-verifier").ok


def test_auditor_reviews_the_ledger_and_downloads_the_evidence_pack(page, login, screenshot, auditor, reviewed_period):
    login(page, "auditor")
    page.wait_for_url("**/dashboard/")
    page.goto("/ledger/")
    badge = page.get_by_test_id("ledger-verification")
    assert "intact" in badge.inner_text()

    page.fill("#id_source_id", "R-AUDIT-1")
    with page.expect_navigation():
        page.click("form.filters button[type=submit]")
    assert "source_id=R-AUDIT-1" in page.url
    rows = page.locator("table.data tbody tr")
    assert rows.count() >= 2
    assert "R-AUDIT-2" not in page.locator("table.data").inner_text()
    screenshot(page, "journey-auditor-1-filtered")

    with page.expect_navigation():
        rows.first.locator("a").first.click()
    lineage = page.get_by_test_id("ledger-lineage")
    assert lineage.locator("tbody tr").count() >= 2  # received + duplicate of the same document
    assert lineage.locator("tr[aria-current=true]").count() == 1
    screenshot(page, "journey-auditor-2-lineage")

    page.goto("/ledger/")
    with page.expect_navigation():
        page.click("text=Evidence pack…")
    today = timezone.now().date().isoformat()
    page.fill("#id_date_from", today)
    page.fill("#id_date_to", today)
    with page.expect_download() as download_info:
        page.click("button:has-text('Download')")
    download = download_info.value
    assert download.suggested_filename == f"ledger-evidence-{today}-{today}.zip"
    with zipfile.ZipFile(io.BytesIO(Path(download.path()).read_bytes())) as pack:
        names = set(pack.namelist())
        assert {"entries.csv", "verification.json", "MANIFEST.sha256", "README.txt"} <= names
        assert "R-AUDIT-1" in pack.read("entries.csv").decode()
        # `sha256sum -c MANIFEST.sha256`, as the README tells the auditor: every other file listed, each digest
        # matching its content.
        manifest = dict(reversed(line.split("  ", 1)) for line in pack.read("MANIFEST.sha256").decode().splitlines())
        assert set(manifest) == names - {"MANIFEST.sha256"}, manifest
        for name, digest in manifest.items():
            assert hashlib.sha256(pack.read(name)).hexdigest() == digest, f"{name} does not match the manifest"
        assert json.loads(pack.read("verification.json"))["ok"] is True
    screenshot(page, "journey-auditor-3-evidence-pack")

    page.goto("/ledger/")
    assert "intact" in page.get_by_test_id("ledger-verification").inner_text()
    screenshot(page, "journey-auditor-4-verified")
