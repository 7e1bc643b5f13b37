"""Rules are checked against the master-data cache: missing, archived, other company, malformed."""

import pytest

from apps.mappings.errors import MappingError
from apps.mappings.models import MasterRecord
from apps.mappings.services import mapping_draft_open, mapping_rule_add, mapping_version_submit
from apps.mappings.validation import rules_validate, version_problems
from tests.mappings.conftest import add_rules, tax_rule

pytestmark = pytest.mark.django_db


def problems(entity, *rules, dimension="tax_code"):
    from apps.mappings.rule_input import parse_rule

    return rules_validate(entity, dimension, [parse_rule(r)[0] for r in rules])


def test_a_sound_rule_has_no_problem(fr_cache):
    assert problems(fr_cache, tax_rule("FR-20", 41)) == {}


def test_a_target_missing_from_the_cache_is_flagged(fr_cache):
    found = problems(fr_cache, tax_rule("FR-20", 999))
    assert "does not exist in FR's Odoo master data" in found[0]["target_id"]


def test_an_archived_target_is_flagged(fr_cache):
    assert "archived" in problems(fr_cache, tax_rule("FR-5.5", 44))[0]["target_id"]


def test_a_target_of_another_company_is_flagged(fr_cache):
    assert "another company (DE)" in problems(fr_cache, tax_rule("DE-19", 61))[0]["target_id"]


def test_a_target_model_that_does_not_fit_the_dimension_is_flagged(fr_cache):
    found = problems(fr_cache, {"source_value": "FR-20", "target_model": "product.product", "target_id": 31})
    assert found[0] == {"target_model": "A tax_code rule targets account.tax."}


def test_two_rules_for_the_same_value_and_conditions_are_flagged(fr_cache):
    found = problems(fr_cache, tax_rule("FR-20", 41), tax_rule(" fr-20", 42))
    assert list(found) == [1] and "rule #1" in found[1]["source_value"]


def test_the_same_value_under_different_conditions_is_fine(fr_cache):
    card = tax_rule("FR-20", 42, conditions={"document_type": "card_transaction"})
    assert problems(fr_cache, tax_rule("FR-20", 41), card) == {}


def test_unknown_condition_keys_are_flagged(fr_cache):
    found = problems(fr_cache, tax_rule("FR-20", 41, conditions={"colour": "red"}))
    assert "Unknown condition colour" in found[0]["conditions"]


def test_vendor_targets_are_not_cached_and_not_flagged(fr_cache):
    rule = {"source_value": "Uber*", "match": "pattern", "target_model": "res.partner", "target_id": 5}
    assert problems(fr_cache, rule, dimension="vendor") == {}


def test_adding_an_invalid_rule_is_refused_with_the_field(tax_set, controller):
    draft = mapping_draft_open(mapping_set=tax_set, actor=controller)
    with pytest.raises(MappingError) as error:
        mapping_rule_add(version=draft, actor=controller, **tax_rule("FR-5.5", 44))
    assert "archived" in error.value.fields["target_id"]
    assert draft.rules.count() == 0


def test_submit_is_refused_when_a_target_was_archived_since_it_was_added(tax_set, controller):
    draft = mapping_draft_open(mapping_set=tax_set, actor=controller)
    (rule,) = add_rules(draft, controller, tax_rule("FR-20", 41))
    MasterRecord.objects.filter(kind="taxes", odoo_id=41).update(active=False)
    with pytest.raises(MappingError) as error:
        mapping_version_submit(version=draft, actor=controller, reason="new")
    assert "archived" in error.value.rule_errors[rule.pk]["target_id"]
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert version_problems(draft) == error.value.rule_errors
