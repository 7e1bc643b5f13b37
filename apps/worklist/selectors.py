"""Reads of the worklist, always filtered by what the user may see.

Scope (see roles.py): items of the user's legal entities (`entities.access_entity_data`, global for auditors),
plus — for holders of `worklist.handle_technical_worklistitem` (IT) — the technical categories of every entity.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from apps.access.permissions import ENTITY_SCOPE_PERM, can, entities_for
from apps.entities.models import LegalEntity
from apps.worklist import calendar
from apps.worklist.models import (
    ACTIVE_STATUSES,
    SEVERITY_RANK,
    TECHNICAL_CATEGORIES,
    BulkAction,
    SavedFilter,
    WorklistItem,
    WorklistStatus,
)

VIEW_PERM = "worklist.view_worklistitem"
LISTED_STATUSES = (WorklistStatus.OPEN, WorklistStatus.ASSIGNED)
TECH_PERM = "worklist.handle_technical_worklistitem"
SORTS = {
    "due": ("due_date", "id"),
    "-due": ("-due_date", "-id"),
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
    "amount": ("amount", "id"),
    "-amount": ("-amount", "-id"),
    "attempts": ("-attempts", "id"),
    "severity": ("-severity_rank", "due_date", "id"),
}


@dataclass
class WorklistFilter:
    """Parsed, validated worklist filters (built by forms.WorklistFilterForm or the API)."""

    category: list[str] = field(default_factory=list)
    entity: list[str] = field(default_factory=list)  # entity codes
    flow: str = ""
    status: str = "active"  # active | open | assigned | snoozed | resolved | dismissed | all
    assignee: str = ""  # "" | me | unassigned | username
    age_min: int | None = None  # days since opened
    due: str = ""  # "" | overdue | at_risk | week
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    text: str = ""
    tag: str = ""
    sort: str = "due"


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    entity_ids: tuple[int, ...] = ()
    technical: bool = False


def worklist_scope(user) -> Scope | None:
    """What `user` may see (None: nothing). Computed once per user object and request: the entity ids become a
    literal list in the item queries, which plans far better than guardian's nested sub-select."""
    if not can(user, VIEW_PERM):
        return None
    cached = getattr(user, "_worklist_scope", None)
    if cached is None:
        if user.is_superuser or user.has_perm(ENTITY_SCOPE_PERM):
            cached = Scope(everything=True)
        else:
            ids = tuple(entities_for(user).values_list("pk", flat=True))
            cached = Scope(entity_ids=ids, technical=can(user, TECH_PERM))
        user._worklist_scope = cached
    return cached


def worklist_items_visible(user) -> QuerySet:
    """Every item `user` may see, any status."""
    items = WorklistItem.objects.all()
    scope = worklist_scope(user)
    if scope is None:
        return items.none()
    if scope.everything:
        return items
    allowed = Q(entity_id__in=list(scope.entity_ids))
    if scope.technical:
        allowed |= Q(category__in=sorted(TECHNICAL_CATEGORIES))
    return items.filter(allowed)


def worklist_item_in_scope(user, item: WorklistItem) -> bool:
    return worklist_items_visible(user).filter(pk=item.pk).exists()


def worklist_item_get(*, user, pk: int) -> WorklistItem:
    """One visible item with what its page needs; raises WorklistItem.DoesNotExist when out of scope."""
    return (
        worklist_items_visible(user)
        .select_related("entity", "document", "assignee", "resolved_by", "duplicate_of", "duplicate_of_document")
        .get(pk=pk)
    )


def _status_q(status: str) -> Q:
    """`active` = open or assigned (the partial indexes cover exactly these). Snoozed items come back when the
    wake task (every 10 minutes) returns them to open/assigned."""
    if status == "active":
        return Q(status__in=LISTED_STATUSES)
    if status == "all":
        return Q()
    return Q(status=status)


def worklist_item_list(*, user, filters: WorklistFilter) -> QuerySet:
    """Visible items matching `filters`, sorted (default: fewest days left to close first)."""
    items = worklist_items_visible(user).filter(_status_q(filters.status))
    items = _apply_filters(items, user=user, filters=filters)
    if filters.sort == "severity":
        ranks = [When(severity=name, then=Value(rank)) for name, rank in SEVERITY_RANK.items()]
        items = items.annotate(severity_rank=Case(*ranks, default=Value(0), output_field=IntegerField()))
    return items.select_related("entity", "assignee").order_by(*SORTS.get(filters.sort, SORTS["due"]))


def _apply_filters(items: QuerySet, *, user, filters: WorklistFilter) -> QuerySet:
    today = calendar.today()
    if filters.category:
        items = items.filter(category__in=filters.category)
    if filters.entity:
        items = items.filter(entity__code__in=filters.entity)
    if filters.flow:
        items = items.filter(flow=filters.flow)
    if filters.assignee == "me":
        # A sub-select, not a join: a join on routed_to would repeat an item once per user it was routed to.
        routed = WorklistItem.routed_to.through.objects.filter(user_id=user.pk).values("worklistitem_id")
        items = items.filter(Q(assignee=user) | Q(assignee__isnull=True, pk__in=routed))
    elif filters.assignee == "unassigned":
        items = items.filter(assignee__isnull=True)
    elif filters.assignee:
        items = items.filter(assignee__username=filters.assignee)
    if filters.age_min is not None:
        items = items.filter(created_at__lte=timezone.now() - timedelta(days=filters.age_min))
    if filters.due == "overdue":
        items = items.filter(due_date__lt=today)
    elif filters.due == "at_risk":
        items = items.filter(due_date__gte=today, due_date__lte=today + timedelta(days=calendar.at_risk_days()))
    elif filters.due == "week":
        items = items.filter(due_date__lte=today + timedelta(days=7))
    if filters.amount_min is not None:
        items = items.filter(amount__gte=filters.amount_min)
    if filters.amount_max is not None:
        items = items.filter(amount__lte=filters.amount_max)
    if filters.tag:
        items = items.filter(tags__contains=f",{filters.tag},")
    if filters.text:
        text = filters.text
        items = items.filter(Q(message__icontains=text) | Q(subject_key__icontains=text) | Q(detail__icontains=text))
    return items


@dataclass(frozen=True)
class WorklistCounts:
    total: int
    by_category: list[tuple[str, int]]
    by_entity: list[tuple[str, int]]
    overdue: int


COUNTS_GENERATION = "worklist:counts:generation"


def counts_ttl() -> int:
    return getattr(settings, "WORKLIST_COUNTS_TTL", 30)


def worklist_counts_changed() -> None:
    """Forget cached counts (called on commit of every item change; other processes catch up within the TTL)."""
    try:
        cache.incr(COUNTS_GENERATION)
    except ValueError:
        cache.set(COUNTS_GENERATION, 1, None)


def worklist_counts(*, user) -> WorklistCounts:
    """Active visible items per category and per entity, and how many are overdue.

    One grouped query over every active item in scope — the one read on the page that grows with the
    worklist — so the answer is cached per scope for WORKLIST_COUNTS_TTL seconds (0 disables the cache).
    """
    scope = worklist_scope(user)
    if scope is None:
        return WorklistCounts(0, [], [], 0)
    ttl = counts_ttl()
    if ttl <= 0:
        return _counts(user)
    ident = "all" if scope.everything else f"{','.join(map(str, scope.entity_ids))}|{int(scope.technical)}"
    generation = cache.get_or_set(COUNTS_GENERATION, 1, None)
    key = f"worklist:counts:{generation}:{calendar.today()}:{hashlib.sha256(ident.encode()).hexdigest()[:32]}"
    counts = cache.get(key)
    if counts is None:
        counts = _counts(user)
        cache.set(key, counts, ttl)
    return counts


def _counts(user) -> WorklistCounts:
    active = worklist_items_visible(user).filter(_status_q("active"))
    overdue_q = Q(due_date__lt=calendar.today())
    rows = active.values_list("category", "entity_id").annotate(n=Count("id"), late=Count("id", filter=overdue_q))
    codes = dict(LegalEntity.objects.values_list("pk", "code"))
    by_category: dict[str, int] = {}
    by_entity: dict[str, int] = {}
    overdue = 0
    for category, entity_id, n, late in rows.order_by():
        code = codes.get(entity_id, "—")
        by_category[category] = by_category.get(category, 0) + n
        by_entity[code] = by_entity.get(code, 0) + n
        overdue += late
    return WorklistCounts(
        total=sum(by_category.values()),
        by_category=sorted(by_category.items(), key=lambda kv: -kv[1]),
        by_entity=sorted(by_entity.items()),
        overdue=overdue,
    )


def worklist_item_ids_for(*, user, filters: WorklistFilter, limit: int, ids: list[int] | None = None) -> list[int]:
    """Ids of the active visible items matching `filters` — and among `ids` when given — at most `limit`."""
    filters = WorklistFilter(**{**filters.__dict__, "status": "active", "sort": "due"})
    items = worklist_item_list(user=user, filters=filters)
    if ids is not None:
        items = items.filter(pk__in=ids[:limit])
    return list(items.values_list("id", flat=True)[:limit])


def saved_filter_list(*, user) -> QuerySet:
    return SavedFilter.objects.filter(owner=user) if user.is_authenticated else SavedFilter.objects.none()


def bulk_action_get(*, user, pk: int) -> BulkAction:
    """A bulk action: its author sees it; so do holders of a global view (auditors, superusers)."""
    actions = BulkAction.objects.all()
    if not (user.is_superuser or user.has_perm(ENTITY_SCOPE_PERM)):
        actions = actions.filter(actor=user)
    return actions.get(pk=pk)


def item_days_left(item: WorklistItem, *, on: date | None = None) -> int:
    return calendar.days_left(item.due_date, on=on)


def worklist_posting_dates(document_ids) -> dict[int, date]:
    """{document id: the posting date a controller chose on one of its active items (closed period)}, for the
    documents that have one; the latest choice wins. One query per batch: the pipeline reads it when it posts."""
    rows = (
        WorklistItem.objects.filter(
            document_id__in=list(document_ids), status__in=ACTIVE_STATUSES, corrections__has_key="posting_date"
        )
        .order_by("updated_at", "id")
        .values_list("document_id", "corrections")
    )
    return {doc_id: date.fromisoformat(corrections["posting_date"]) for doc_id, corrections in rows}
