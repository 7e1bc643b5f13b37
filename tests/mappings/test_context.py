"""The engine context loaded from the database: approved versions by activation, effective dating."""

from datetime import date
from decimal import Decimal

import pytest

from apps.mappings.engine import resolve
from apps.mappings.loader import mapping_context_load
from apps.mappings.services import mapping_draft_open, mapping_rule_add, mapping_version_submit
from tests.mappings.builders import document, line
from tests.mappings.conftest import approved, tax_rule

pytestmark = pytest.mark.django_db


def tax_of(day, context):
    return resolve(document(line(tax_code="FR-20", day=day)), context).lines[0].tax_ids


def test_a_document_dated_x_uses_the_version_effective_at_x(tax_set, controller, approver):
    approved(tax_set, controller, approver, tax_rule("FR-20", 41))
    draft = mapping_draft_open(mapping_set=tax_set, actor=controller)
    from apps.mappings.services import mapping_draft_configure, mapping_rule_update

    mapping_rule_update(rule=draft.rules.get(), actor=controller, target_id=42)
    mapping_draft_configure(version=draft, actor=controller, effective_from=date(2026, 3, 1))
    mapping_version_submit(version=draft, actor=controller, reason="new rate from March")
    from apps.mappings.services import mapping_version_approve

    mapping_version_approve(version=draft, actor=approver)
    context = mapping_context_load(["FR"])
    assert tax_of(date(2026, 2, 28), context) == (41,)
    assert tax_of(date(2026, 3, 1), context) == (42,)


def test_a_version_without_start_date_applies_to_documents_of_any_date(tax_set, controller, approver):
    approved(tax_set, controller, approver, tax_rule("FR-20", 41))
    assert tax_of(date(2019, 1, 1), mapping_context_load(["FR"])) == (41,)


def test_a_context_built_before_an_approval_keeps_mapping_as_before(tax_set, controller, approver):
    approved(tax_set, controller, approver, tax_rule("FR-20", 41))
    batch_context = mapping_context_load(["FR"])
    draft = mapping_draft_open(mapping_set=tax_set, actor=controller)
    from apps.mappings.services import mapping_rule_update, mapping_version_approve

    mapping_rule_update(rule=draft.rules.get(), actor=controller, target_id=42)
    mapping_version_submit(version=draft, actor=controller, reason="switch")
    mapping_version_approve(version=draft, actor=approver)
    assert tax_of(date(2026, 3, 1), batch_context) == (41,)
    assert tax_of(date(2026, 3, 1), mapping_context_load(["FR"])) == (42,)


def test_drafts_and_pending_versions_never_map_anything(tax_set, controller):
    draft = mapping_draft_open(mapping_set=tax_set, actor=controller)
    mapping_rule_add(version=draft, actor=controller, **tax_rule("FR-20", 41))
    mapping_version_submit(version=draft, actor=controller, reason="pending")
    result = resolve(document(line(tax_code="FR-20")), mapping_context_load(["FR"]))
    assert ("mapping_missing", "tax_code") in {(f.category, f.dimension) for f in result.failures}


def test_the_context_takes_a_handful_of_queries_whatever_the_rule_count(
    tax_set, controller, approver, django_assert_max_num_queries
):
    approved(tax_set, controller, approver, tax_rule("FR-20", 41), tax_rule("FR-10", 42))
    with django_assert_max_num_queries(5):
        context = mapping_context_load(["FR"])
    assert resolve(document(line(tax_code="fr-10", amount="11.00", tax_amount=Decimal("1.00"))), context)


def test_a_second_batch_reuses_the_indexes_of_unchanged_versions(tax_set, controller, approver):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    approved(tax_set, controller, approver, tax_rule("FR-20", 41))
    mapping_context_load(["FR"])
    with CaptureQueriesContext(connection) as queries:
        context = mapping_context_load(["FR"])
    assert not [q for q in queries.captured_queries if "mappings_mappingrule" in q["sql"]]
    assert tax_of(date(2026, 3, 1), context) == (41,)
    draft = mapping_draft_open(mapping_set=tax_set, actor=controller)
    from apps.mappings.services import mapping_rule_update, mapping_version_approve

    mapping_rule_update(rule=draft.rules.get(), actor=controller, target_id=42)
    mapping_version_submit(version=draft, actor=controller, reason="switch")
    mapping_version_approve(version=draft, actor=approver)
    assert tax_of(date(2026, 3, 1), mapping_context_load(["FR"])) == (42,)


def test_an_archived_target_is_seen_by_the_next_batch(tax_set, controller, approver):
    from apps.mappings.models import MasterRecord

    approved(tax_set, controller, approver, tax_rule("FR-20", 41))
    assert tax_of(date(2026, 3, 1), mapping_context_load(["FR"])) == (41,)
    MasterRecord.objects.filter(kind="taxes", odoo_id=41).update(active=False)
    result = resolve(document(line(tax_code="FR-20")), mapping_context_load(["FR"]))
    assert ("master_data_missing", "tax_code") in {(f.category, f.dimension) for f in result.failures}
