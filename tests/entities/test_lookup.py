"""Active entities by code, cached per process: no query while fresh, changes seen at once here and within the
TTL elsewhere, unknown codes never cached."""

import pytest

from apps.entities import lookup
from apps.entities.models import LegalEntity

pytestmark = pytest.mark.django_db


def test_a_fresh_entry_answers_without_a_query(entities, django_assert_num_queries):
    with django_assert_num_queries(1):
        first = lookup.active_entity("FR")
    with django_assert_num_queries(0):
        again = lookup.active_entity("FR")
    assert first.pk == again.pk == entities["FR"].pk and again.code == "FR"


def test_deactivating_here_is_seen_at_once(entities):
    assert lookup.active_entity("DE") is not None
    entities["DE"].active = False
    entities["DE"].save()
    assert lookup.active_entity("DE") is None


def test_a_change_made_by_another_process_is_seen_after_the_ttl(entities, monkeypatch):
    assert lookup.active_entity("US") is not None
    LegalEntity.objects.filter(code="US").update(active=False)  # no signal here: as if another process did it
    assert lookup.active_entity("US") is not None  # still fresh
    monkeypatch.setattr(lookup._ActiveEntities, "TTL", 0.0)
    assert lookup.active_entity("US") is None


def test_unknown_codes_are_not_cached(entities, django_assert_num_queries):
    with django_assert_num_queries(2):
        assert lookup.active_entity("XX") is None
        assert lookup.active_entity("XX") is None
    LegalEntity.objects.create(code="XX", name="New entity", currency="EUR", country="FR")
    assert lookup.active_entity("XX") is not None
