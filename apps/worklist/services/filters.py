"""Saved filters: a user's named worklist queries (personal preferences, not audited business data)."""

from django.db import transaction

from apps.access.permissions import require
from apps.worklist.errors import WorklistError
from apps.worklist.models import SavedFilter

MAX_PER_USER = 50


@transaction.atomic
def saved_filter_save(*, owner, name: str, query: str) -> SavedFilter:
    """Save (or overwrite) the owner's filter called `name`. Needs the worklist view permission."""
    require(owner, "worklist.view_worklistitem")
    name, query = (name or "").strip(), (query or "").strip().lstrip("?")
    if not name or len(name) > 80:
        raise WorklistError("Name the filter (1 to 80 characters).", fields={"name": "Required."})
    if len(query) > 1000:
        raise WorklistError("This filter is too long to save.", fields={"query": "At most 1000 characters."})
    mine = SavedFilter.objects.filter(owner=owner)
    if not mine.filter(name=name).exists() and mine.count() >= MAX_PER_USER:
        raise WorklistError(f"You have {MAX_PER_USER} saved filters; delete one first.")
    saved, _ = SavedFilter.objects.update_or_create(owner=owner, name=name, defaults={"query": query})
    return saved


@transaction.atomic
def saved_filter_delete(*, owner, pk: int) -> None:
    """Delete one of the owner's filters (someone else's is simply not found)."""
    deleted, _ = SavedFilter.objects.filter(owner=owner, pk=pk).delete()
    if not deleted:
        raise WorklistError("That saved filter does not exist.")
