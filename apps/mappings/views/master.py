"""The master-data cache: browse it, refresh it now, and the picker the rule editor searches."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.access.decorators import permission_required
from apps.mappings import policies, selectors
from apps.mappings.errors import MappingError
from apps.mappings.forms import MasterFilterForm
from apps.mappings.services import master_data_refresh_request
from apps.mappings.views.common import is_htmx, report


@permission_required(policies.VIEW_MASTER)
def master_data(request):
    entities = selectors.master_entities_for(request.user)
    form = MasterFilterForm(request.GET or None, entities=entities)
    data = form.cleaned_data if form.is_valid() else {}
    entity = data.get("entity") or entities.first()
    records = (
        selectors.master_record_list(
            request.user,
            entity=entity,
            kind=data.get("kind", ""),
            query=data.get("q", ""),
            include_archived=data.get("archived", False),
        )
        if entity
        else []
    )
    context = {
        "form": form,
        "entity": entity,
        "page": Paginator(records, 100).get_page(request.GET.get("page")),
        "runs": selectors.master_refresh_list(request.user, entity=entity)[:10] if entity else [],
        "can_refresh": entity is not None and policies.may_refresh(request.user, entity),
    }
    return render(request, "mappings/masterrecord_list.html", context)


@require_POST
@permission_required(policies.REFRESH)
def master_data_refresh(request):
    entity = selectors.master_entities_for(request.user).filter(pk=request.POST.get("entity") or 0).first()
    if entity is None:
        raise Http404("No entity whose master data you may refresh.")
    try:
        run = master_data_refresh_request(entity=entity, actor=request.user)
    except MappingError as error:
        report(request, error)
    else:
        messages.success(request, f"Refresh of {entity.code} master data {run.get_status_display().lower()}.")
    return redirect(f"{reverse('mappings:master_data')}?entity={entity.pk}")


@permission_required(policies.VIEW_MASTER)
def target_search(request):
    """Picker options (htmx): active cached records of one entity and Odoo model matching `q`."""
    entity_id = request.GET.get("entity") or ""
    # Not a number (a hostile or mistyped query): no entity, so no options — not a 500.
    entity = selectors.master_entities_for(request.user).filter(pk=entity_id).first() if entity_id.isdecimal() else None
    records = (
        selectors.master_record_search(
            request.user,
            entity=entity,
            model=request.GET.get("target_model", ""),
            query=request.GET.get("q", ""),
            limit=50,
        )
        if entity
        else []
    )
    records = _with_selected(entity, request.GET.get("target_model", ""), request.GET.get("target_id", ""), records)
    template = "mappings/_target_options.html" if is_htmx(request) else "mappings/target_search.html"
    return render(request, template, {"records": records, "selected": request.GET.get("target_id", "")})


def _with_selected(entity, model, selected, records) -> list:
    """Keep the rule's current target in the options even when it is not among the first matches."""
    from apps.mappings.engine import MODEL_KINDS
    from apps.mappings.models import MasterRecord

    records = list(records)
    if entity is None or not selected.isdecimal() or any(str(r.odoo_id) == selected for r in records):
        return records
    current = MasterRecord.objects.filter(entity=entity, kind=MODEL_KINDS.get(model, ""), odoo_id=int(selected))
    return list(current[:1]) + records
