"""The worklist page: counts, filters, sorted items, saved filters and bulk selection."""

from django.http import QueryDict
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.access.decorators import permission_required
from apps.access.permissions import can
from apps.worklist import calendar, selectors
from apps.worklist.forms import BulkForm, filter_from_query, filter_query_string
from apps.worklist.models import WorklistCategory

PAGE_SIZE = 50


def _page(items, number: str | None):
    """One page of `items` without COUNT(*): fetch one extra row to know whether a next page exists."""
    page = int(number) if (number or "").isdigit() and 0 < int(number) < 10_000 else 1
    rows = list(items[(page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1])
    return rows[:PAGE_SIZE], page, len(rows) > PAGE_SIZE


def _rows(items):
    today = calendar.today()
    return [
        {
            "item": item,
            "days_left": calendar.days_left(item.due_date, on=today),
            "overdue_days": -calendar.days_left(item.due_date, on=today),
            "flag": calendar.ageing_flag(item.due_date, on=today) if item.is_active else "",
        }
        for item in items
    ]


def _paging_query(request, page: int) -> str:
    query = QueryDict(filter_query_string(request.GET), mutable=True)
    query["page"] = str(page)
    return query.urlencode()


@require_GET
@permission_required("worklist.view_worklistitem")
def index(request):
    form, filters = filter_from_query(request.GET)
    items, page, has_next = _page(
        selectors.worklist_item_list(user=request.user, filters=filters), request.GET.get("page")
    )
    counts = selectors.worklist_counts(user=request.user)
    labels = dict(WorklistCategory.choices)
    context = {
        "form": form,
        "rows": _rows(items),
        "page": page,
        "next_query": _paging_query(request, page + 1) if has_next else "",
        "previous_query": _paging_query(request, page - 1) if page > 1 else "",
        "counts": counts,
        "category_counts": [(category, labels.get(category, category), n) for category, n in counts.by_category],
        "saved_filters": selectors.saved_filter_list(user=request.user),
        "query": filter_query_string(request.GET),
        "can_work": can(request.user, "worklist.work_worklistitem"),
        "bulk_form": BulkForm(),
        "selected_categories": set(filters.category),
    }
    return render(request, "worklist/worklistitem_list.html", context)
