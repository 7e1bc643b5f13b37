"""The demo: idempotent, and the demo platform's documents resolve with no failure in every entity."""

import io
from pathlib import Path

import pytest

from apps.mappings.demo import seed
from apps.mappings.engine import resolve
from apps.mappings.loader import mapping_context_load
from apps.mappings.models import MappingSet, MappingSetVersion
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
DEMO_CSV = Path(__file__).resolve().parents[2] / "sandbox" / "platforms" / "demo" / "expenses.csv"


@pytest.fixture
def demo_users(entities):
    from apps.access.services import user_ensure

    user_ensure(
        reason="test fixture",
        username="controller",
        password=PASSWORD,
        role="finance_controller",
        entities=entities.values(),
    )
    user_ensure(reason="test fixture", username="admin", password=PASSWORD, superuser=True)


def demo_documents():
    from apps.documents.normalize.tabular import normalize_table, read_csv

    header, rows = read_csv(DEMO_CSV.read_bytes())
    return [table.document for table in normalize_table(header, rows)]


def platform_documents():
    """The Expensify sandbox's generated reports, normalized as the console does when it pulls them."""
    from apps.documents.normalize.expensify import ExpensifyConvention, normalize_expensify
    from sandbox.platforms.expensify import _report
    from sandbox.platforms.seed import POLICIES, generate

    convention = ExpensifyConvention(entity_by_policy={policy: entity for policy, (entity, _) in POLICIES.items()})
    reports = [_report(raw) for raw in generate()]
    return [normalize_expensify(r, convention) for r in reports if r.get("status") != "Processing"]


def test_the_demo_creates_active_sets_once(demo_users):
    out = io.StringIO()
    seed(out)
    assert MappingSet.objects.count() == 18
    assert MappingSetVersion.objects.filter(status="active").count() == 18
    assert set(MappingSetVersion.objects.values_list("approver__username", flat=True)) == {"admin"}
    seed(io.StringIO())
    assert MappingSetVersion.objects.count() == 18
    assert "filled from the sandbox seed" in out.getvalue()


def test_the_demo_csv_documents_resolve_without_failures(demo_users):
    seed(io.StringIO())
    context = mapping_context_load()
    for document in demo_documents():
        result = resolve(document, context)
        assert result.ok, (document.source_id, result.failures)
        assert all(line.product_id and line.analytic_distribution for line in result.lines)


def test_the_expense_platform_sandbox_reports_resolve_without_failures(demo_users):
    seed(io.StringIO())
    context = mapping_context_load()
    documents = platform_documents()
    assert {d.entity for d in documents} == {"US", "FR", "DE"}
    for document in documents:
        result = resolve(document, context)
        assert result.ok, (document.source_id, result.failures)
