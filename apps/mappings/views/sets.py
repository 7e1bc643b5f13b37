"""Mapping sets: the list (filters), creation, the set page with its versions."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apps.access.decorators import permission_required
from apps.mappings import policies, selectors
from apps.mappings.errors import MappingError
from apps.mappings.forms import MappingSetForm, SetFilterForm, apply_errors
from apps.mappings.services import mapping_draft_open, mapping_set_create
from apps.mappings.views.common import READERS, report, set_or_404


@permission_required(*READERS)
def index(request):
    filters = SetFilterForm(request.GET or None, user=request.user)
    criteria = filters.cleaned_data if filters.is_valid() else {}
    sets = selectors.mapping_set_list(request.user, **{k: v for k, v in criteria.items() if v})
    page = Paginator(sets, 50).get_page(request.GET.get("page"))
    statuses = selectors.version_status_map(page.object_list)
    rows = [(s, statuses.get(s.pk, {})) for s in page.object_list]
    context = {"filters": filters, "page": page, "rows": rows, "can_add": request.user.has_perm(policies.ADD)}
    return render(request, "mappings/mappingset_list.html", context)


@permission_required(policies.ADD)
def set_create(request):
    form = MappingSetForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            mapping_set = mapping_set_create(actor=request.user, **form.cleaned_data)
        except MappingError as error:
            apply_errors(form, error.fields or {"__all__": error.message})
        else:
            messages.success(request, f"Mapping set “{mapping_set}” created. Open a draft to add its rules.")
            return redirect("mappings:set_detail", pk=mapping_set.pk)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "mappings/mappingset_form.html", {"form": form}, status=status)


@permission_required(*READERS)
def set_detail(request, pk):
    mapping_set = set_or_404(request, pk)
    versions = selectors.mapping_version_list(mapping_set)
    context = {
        "mapping_set": mapping_set,
        "versions": versions,
        "active": next((v for v in versions if v.status == "active"), None),
        "open_version": next((v for v in versions if v.status in ("draft", "pending_approval")), None),
        "can_edit": policies.may(request.user, policies.CHANGE, mapping_set),
    }
    return render(request, "mappings/mappingset_detail.html", context)


@require_POST
@permission_required(*READERS)
def set_draft_open(request, pk):
    mapping_set = set_or_404(request, pk)
    try:
        draft = mapping_draft_open(mapping_set=mapping_set, actor=request.user)
    except MappingError as error:
        report(request, error)
        return redirect("mappings:set_detail", pk=pk)
    return redirect("mappings:version_detail", pk=draft.pk)
