"""Helpers shared by the action services: permission + scope check with a row lock, and note validation."""

from apps.access.permissions import AccessDenied, require
from apps.worklist import selectors
from apps.worklist.errors import WorklistError
from apps.worklist.models import WorklistItem

WORK_PERM = "worklist.work_worklistitem"
READ_ONLY = "Your role can read the worklist but not change it."
OUT_OF_SCOPE = "This item belongs to an entity you do not work on."
NOTE_MAX = 2000


def lock_for_work(item_or_pk, actor) -> WorklistItem:
    """Check the actor may work on the item, then return it locked for update (fresh from the database).

    Raises AccessDenied (a 403) for read-only roles and for items outside the actor's scope.
    """
    require(actor, WORK_PERM, message=READ_ONLY)
    pk = getattr(item_or_pk, "pk", item_or_pk)
    item = (
        WorklistItem.objects.select_for_update(of=("self",)).select_related("entity", "document").filter(pk=pk).first()
    )
    if item is None or not selectors.worklist_item_in_scope(actor, item):
        raise AccessDenied(OUT_OF_SCOPE)
    return item


def require_active(item: WorklistItem, doing: str) -> None:
    if not item.is_active:
        raise WorklistError(f"Item #{item.pk} is already {item.get_status_display().lower()}; it cannot be {doing}.")


def clean_note(note: str, *, required: bool, what: str = "note") -> str:
    note = (note or "").strip()
    if required and not note:
        raise WorklistError(f"A {what} is required: say why, for the audit trail.", fields={"note": "Required."})
    if len(note) > NOTE_MAX:
        raise WorklistError(f"The {what} is too long.", fields={"note": f"At most {NOTE_MAX} characters."})
    return note
