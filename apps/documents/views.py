"""Pages of the documents app (list, detail, file drop) and the public JSON Schema."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from apps.access.decorators import permission_required
from apps.access.permissions import can
from apps.documents.errors import TabularError
from apps.documents.file_import import document_form_import
from apps.documents.forms import DocumentImportForm
from apps.documents.models import DocumentType
from apps.documents.normalize.tabular import PRESETS
from apps.documents.schema import CANONICAL_SCHEMA
from apps.documents.selectors import FILTERS, document_get, document_list
from apps.documents.states import DocumentState


@require_GET
@cache_control(public=True, max_age=3600)
def canonical_document_schema(request):
    """The JSON Schema of the canonical document: public (it documents the webhook format, holds no data)."""
    return JsonResponse(CANONICAL_SCHEMA, content_type="application/schema+json", json_dumps_params={"indent": 1})


@permission_required("documents.view_document")
def document_list_view(request):
    filters = {name: request.GET.get(name, "") for name in (*FILTERS, "q")}
    page = Paginator(document_list(user=request.user, filters=filters), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "documents/document_list.html",
        {
            "page": page,
            "filters": filters,
            "states": DocumentState.choices,
            "types": DocumentType.choices,
            "can_import": can(request.user, "documents.import_document"),
        },
    )


@permission_required("documents.view_document")
def document_detail_view(request, pk: int):
    document = document_get(user=request.user, pk=pk)
    return render(
        request,
        "documents/document_detail.html",
        {
            "document": document,
            "lines": document.lines.all(),
            "canonical": document.canonical_document,
            "revisions": document.next_revisions.all(),
        },
    )


@permission_required("documents.import_document")
def document_import_view(request):
    form = DocumentImportForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            result = document_form_import(form=form, actor=request.user)
        except TabularError as error:
            errors = error.errors
        else:
            messages.success(
                request,
                f"Imported {len(result.created)} document(s), {result.lines} line(s); "
                f"{len(result.duplicates)} already received.",
            )
            return redirect("documents:index")
    return render(
        request,
        "documents/document_import.html",
        {
            "form": form,
            "errors": errors,
            "presets": PRESETS.values(),
        },
        status=400 if errors else 200,
    )
