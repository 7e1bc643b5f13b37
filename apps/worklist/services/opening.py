"""Opening, re-failing and auto-resolving items: called by the pipeline (connectors, mappings, flows).

These are internal services: the caller is the flow engine acting for a run, so they check no permission.
They never raise because an item already exists — re-failing is the normal case.
"""

from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.worklist import calendar, routing
from apps.worklist.errors import WorklistError
from apps.worklist.models import (
    ACTIVE_STATUSES,
    WorklistCategory,
    WorklistItem,
    WorklistResolution,
    WorklistSeverity,
    WorklistStatus,
)
from apps.worklist.services._audit import audit


def worklist_item_open(
    *,
    category: str,
    subject_key: str,
    message: str,
    detail: str = "",
    entity=None,
    document=None,
    connector: str = "",
    flow: str = "",
    stage: str = "",
    severity: str = "medium",
    assignee=None,
    context: dict | None = None,
    actor=None,
) -> WorklistItem:
    """Open the item for (subject_key, category), or update the active one if the subject failed again.

    A re-failure replaces message, detail, stage and context, increments `attempts` and keeps the assignee,
    tags, corrections and snooze. A new item gets its due date from the entity's close calendar and is routed
    (see apps.worklist.routing) unless `assignee` is given. Idempotent per failure; safe under concurrency
    (the database allows one active item per subject and cause). Raises WorklistError on bad arguments.
    """
    _validate_open(category=category, subject_key=subject_key, message=message, severity=severity)
    if entity is None and document is not None:
        entity = getattr(document, "entity", None)
    fields = {
        "message": message[:500],
        "detail": detail,
        "stage": stage,
        "severity": severity,
        "context": context or {},
        **_amount_of(context or {}, document),
    }
    for name, value in (("connector", connector), ("flow", flow)):
        if value:
            fields[name] = value
    for _attempt in range(3):
        try:
            with transaction.atomic():
                existing = _active_item(subject_key, category)
                if existing is not None:
                    return _refail(existing, fields=fields, actor=actor)
                return _create(
                    category=category,
                    subject_key=subject_key,
                    entity=entity,
                    document=document,
                    assignee=assignee,
                    fields=fields,
                    actor=actor,
                )
        except IntegrityError:
            continue  # another worker opened the same item between our lookup and insert: update that one
    raise WorklistError(f"Could not open the {category} item for {subject_key}: it keeps changing; try again.")


def _validate_open(*, category: str, subject_key: str, message: str, severity: str) -> None:
    errors = {}
    if category not in WorklistCategory.values:
        errors["category"] = f"Unknown category {category!r}."
    if severity not in WorklistSeverity.values:
        errors["severity"] = f"Unknown severity {severity!r}."
    if not subject_key or len(subject_key) > 400:
        errors["subject_key"] = "A subject key of 1 to 400 characters is required."
    if not message.strip():
        errors["message"] = "A message is required."
    if errors:
        raise WorklistError("The worklist item could not be opened.", fields=errors)


def _amount_of(context: dict, document) -> dict:
    raw = context.get("amount", getattr(document, "total", None))
    currency = context.get("currency") or getattr(document, "currency", "") or ""
    try:
        amount = Decimal(str(raw)).quantize(Decimal("0.01")) if raw not in (None, "") else None
    except (InvalidOperation, ValueError):
        amount = None
    return {"amount": amount, "currency": str(currency)[:3]}


def _active_item(subject_key: str, category: str) -> WorklistItem | None:
    return (
        WorklistItem.objects.select_for_update()
        .filter(subject_key=subject_key, category=category, status__in=ACTIVE_STATUSES)
        .first()
    )


def _refail(item: WorklistItem, *, fields: dict, actor) -> WorklistItem:
    for name, value in fields.items():
        setattr(item, name, value)
    item.attempts += 1
    item.last_failed_at = timezone.now()
    item.save()
    audit(actor=actor, action="refail", item=item, changes={"attempts": item.attempts, "stage": item.stage})
    return item


def _create(*, category, subject_key, entity, document, assignee, fields, actor) -> WorklistItem:
    item = WorklistItem(
        category=category,
        subject_key=subject_key,
        entity=entity,
        document=document,
        due_date=calendar.due_date_for(entity),
        last_failed_at=timezone.now(),
        **fields,
    )
    candidates, via = ([assignee], "given by the pipeline") if assignee is not None else _routed(item)
    if len(candidates) == 1:
        item.assignee, item.status = candidates[0], WorklistStatus.ASSIGNED
    item.routed_via = via
    item.save()  # a concurrent insert of the same item fails here; the caller retries the lookup
    if len(candidates) > 1:
        item.routed_to.set(candidates)
    audit(
        actor=actor,
        action="open",
        item=item,
        changes={"category": category, "subject_key": subject_key, "assignee": item.assignee_id, "routed_via": via},
    )
    return item


def _routed(item: WorklistItem) -> tuple[list, str]:
    route = routing.route(item)
    return route.users, route.via


@transaction.atomic
def worklist_items_resolve_for(*, subject_key: str, actor, note: str, categories=None) -> int:
    """Resolve every active item of `subject_key` (optionally only these categories) because a later run
    succeeded. Returns how many were resolved; 0 when none was open (idempotent)."""
    items = WorklistItem.objects.select_for_update().filter(subject_key=subject_key, status__in=ACTIVE_STATUSES)
    if categories:
        items = items.filter(category__in=list(categories))
    count = 0
    for item in items:
        _close(item, actor=actor, resolution=WorklistResolution.AUTO_RESOLVED, note=note)
        count += 1
    return count


@transaction.atomic
def worklist_items_resolve_for_document(*, document, actor, note: str) -> int:
    """The document posted (the pipeline calls this in the same transaction): every active item naming it is
    resolved — whatever its cause, nothing about it blocks any more. An item a mapping approval fixed keeps
    its link (`resolved_by_approval`) and says so in its note. Returns how many were resolved."""
    items = WorklistItem.objects.select_for_update(of=("self",)).filter(document=document, status__in=ACTIVE_STATUSES)
    count = 0
    for item in items.select_related("entity", "document"):
        text = f"{note} Fixed by approval {item.resolved_by_approval}." if item.resolved_by_approval else note
        _close(item, actor=actor, resolution=WorklistResolution.AUTO_RESOLVED, note=text.strip())
        count += 1
    return count


@transaction.atomic
def worklist_items_supersede(*, document, keep: list[int], actor, stage: str) -> int:
    """The pipeline held `document` again with the items `keep` (opened or refreshed just now): its other active
    pipeline items (subject `document:<key>…`) describe problems the re-drive got past — a mapping approved
    since, a transport failure before Odoo refused the content — and are resolved. Returns how many."""
    items = (
        WorklistItem.objects.select_for_update(of=("self",))
        .filter(
            document=document,
            status__in=ACTIVE_STATUSES,
            subject_key__startswith=f"document:{document.idempotency_key}",
        )
        .exclude(pk__in=list(keep))
    )
    count = 0
    for item in items.select_related("entity", "document"):
        note = f"No longer a problem: the document got past it (now held at the {stage} stage for another reason)."
        if item.resolved_by_approval:
            note += f" Fixed by approval {item.resolved_by_approval}."
        _close(item, actor=actor, resolution=WorklistResolution.AUTO_RESOLVED, note=note)
        count += 1
    return count


def _close(item: WorklistItem, *, actor, resolution: str, note: str, action: str = "resolve", **extra) -> None:
    """Shared by every path that ends an item: status, resolution, who and when, and the audit entry."""
    item.status = WorklistStatus.DISMISSED if resolution in ("dismissed", "duplicate") else WorklistStatus.RESOLVED
    item.resolution, item.resolution_note = resolution, note
    item.resolved_by = actor if getattr(actor, "pk", None) else None
    item.resolved_at = timezone.now()
    item.snoozed_until = None
    for name, value in extra.items():
        setattr(item, name, value)
    item.save()
    changes = {"status": item.status, "resolution": resolution, **{k: str(v) for k, v in extra.items()}}
    audit(actor=actor, action=action, item=item, changes=changes, reason=note)
