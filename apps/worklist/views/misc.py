"""Bulk actions, saved filters, runbooks and the close calendar."""

from django.contrib import messages
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from apps.access.decorators import permission_required
from apps.access.permissions import can, entities_for
from apps.worklist import calendar, runbooks, selectors, services
from apps.worklist.errors import WorklistError
from apps.worklist.forms import BulkForm, ClosePeriodForm, SavedFilterForm, filter_from_query
from apps.worklist.models import BulkAction, ClosePeriod, WorklistCategory
from apps.worklist.views._helpers import error_text, form_errors


def _back_to_list(query: str = ""):
    return redirect(f"{reverse('worklist:index')}?{query}" if query else reverse("worklist:index"))


@require_POST
@permission_required("worklist.add_bulkaction")
def bulk(request):
    form = BulkForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Nothing was queued: {form_errors(form)}")
        return _back_to_list(request.POST.get("query", ""))
    data = form.cleaned_data
    _, filters = filter_from_query(QueryDict(data["query"] or ""))
    params = {"note": data["note"], "assignee": data["assignee"].pk if data["assignee"] else None}
    try:
        action = services.bulk_action_create(
            kind=data["kind"],
            actor=request.user,
            filters=filters,
            params=params,
            query=data["query"],
            item_ids=data["ids"] if data["scope"] == "selected" else None,
        )
    except WorklistError as error:
        messages.error(request, error_text(error))
        return _back_to_list(data["query"])
    return redirect("worklist:bulk-detail", pk=action.pk)


@require_GET
@permission_required("worklist.view_bulkaction")
def bulk_detail(request, pk: int):
    try:
        action = selectors.bulk_action_get(user=request.user, pk=pk)
    except BulkAction.DoesNotExist:
        raise Http404("No such bulk action.") from None
    template = (
        "worklist/bulkaction_progress.html" if request.headers.get("HX-Request") else "worklist/bulkaction_detail.html"
    )
    return render(request, template, {"action": action})


@require_POST
@permission_required("worklist.view_worklistitem")
def filter_save(request):
    form = SavedFilterForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"The filter was not saved: {form_errors(form)}")
        return _back_to_list(request.POST.get("query", ""))
    try:
        services.saved_filter_save(owner=request.user, name=form.cleaned_data["name"], query=form.cleaned_data["query"])
    except WorklistError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, f"Filter “{form.cleaned_data['name']}” saved.")
    return _back_to_list(form.cleaned_data["query"])


@require_POST
@permission_required("worklist.view_worklistitem")
def filter_delete(request, pk: int):
    try:
        services.saved_filter_delete(owner=request.user, pk=pk)
    except WorklistError:
        raise Http404("No such saved filter.") from None
    messages.success(request, "Saved filter deleted.")
    return _back_to_list()


@require_GET
@permission_required("worklist.view_worklistitem")
def runbook(request, category: str):
    text = runbooks.runbook_text(category)
    if text is None:
        raise Http404("No runbook for this category.")
    label = dict(WorklistCategory.choices)[category]
    return render(
        request, "worklist/runbook.html", {"category": category, "label": label, "body": runbooks.render(text)}
    )


@require_GET
@permission_required("worklist.view_closeperiod")
def close_calendar(request):
    entities = entities_for(request.user)
    periods = (
        ClosePeriod.objects.filter(entity__in=entities).select_related("entity").order_by("entity__code", "-period_end")
    )
    context = {
        "periods": periods[:500],
        "entities": entities,
        "form": ClosePeriodForm(),
        "can_change": can(request.user, "worklist.change_closeperiod"),
        "default_due_days": calendar.default_due_days(),
    }
    return render(request, "worklist/closeperiod_list.html", context)


@require_POST
@permission_required("worklist.change_closeperiod")
def close_calendar_save(request):
    form = ClosePeriodForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Nothing was saved: {form_errors(form)}")
        return redirect("worklist:calendar")
    entity = entities_for(request.user).filter(code=form.cleaned_data["entity"].strip().upper()).first()
    if entity is None:
        messages.error(request, "Nothing was saved: you do not work on this entity.")
        return redirect("worklist:calendar")
    try:
        services.close_period_save(
            entity=entity,
            period_end=form.cleaned_data["period_end"],
            close_deadline=form.cleaned_data["close_deadline"],
            actor=request.user,
        )
    except WorklistError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, "Close calendar saved; due dates of open items follow it.")
    return redirect("worklist:calendar")
