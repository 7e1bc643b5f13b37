"""Shared lookups of the mapping pages: objects outside the user's view are a 404 (never revealed)."""

from django.contrib import messages
from django.http import Http404

from apps.mappings import selectors
from apps.mappings.models import MappingRule, MappingSet, MappingSetVersion

READERS = ("mappings.view_mappingset", "mappings.view_masterrecord")


def set_or_404(request, pk) -> MappingSet:
    try:
        return selectors.mapping_set_get(request.user, pk)
    except MappingSet.DoesNotExist:
        raise Http404 from None


def version_or_404(request, pk) -> MappingSetVersion:
    try:
        return selectors.mapping_version_get(request.user, pk)
    except MappingSetVersion.DoesNotExist:
        raise Http404 from None


def rule_or_404(request, pk) -> MappingRule:
    try:
        return selectors.mapping_rule_get(request.user, pk)
    except MappingRule.DoesNotExist:
        raise Http404 from None


def report(request, error) -> None:
    """A refused operation as a message the user can act on (field problems listed)."""
    details = "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in getattr(error, "fields", {}).items())
    messages.error(request, f"{error.message} {details}".strip())


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"
