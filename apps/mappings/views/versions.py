"""A version's page (rules, flags, decisions), its diff, impact preview, export and import."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apps.access.decorators import permission_required
from apps.access.permissions import AccessDenied
from apps.mappings import policies, selectors, services
from apps.mappings.diff import rules_diff
from apps.mappings.engine import DIMENSION_TARGETS
from apps.mappings.errors import ImportRejected, MappingError
from apps.mappings.forms import ConfigureForm, ImportForm, ReasonForm, RuleForm
from apps.mappings.loader import mapping_context_load
from apps.mappings.preview import display_names, mapping_version_preview
from apps.mappings.services._common import rules_of
from apps.mappings.transfer import MAX_BYTES, export_csv, export_filename, export_xlsx, mapping_rules_import
from apps.mappings.validation import version_problems
from apps.mappings.views.common import READERS, report, version_or_404

RULES_PER_PAGE = 200


def require_change(user, version) -> None:
    """Permission before input: someone who may not edit learns nothing about their input's validity."""
    if not policies.may(user, policies.CHANGE, version.mapping_set):
        raise AccessDenied(f"You may not edit {version.mapping_set}.")


def abilities(user, version) -> dict:
    mapping_set = version.mapping_set
    may_change = policies.may(user, policies.CHANGE, mapping_set)
    is_maker = user.pk in policies.makers(version)
    return {
        "edit": may_change and version.status == "draft",
        "withdraw": may_change and version.status == "pending_approval",
        "decide": version.status == "pending_approval"
        and policies.may(user, policies.APPROVE, mapping_set)
        and not is_maker,
        "is_maker": is_maker,
        "restore": may_change and version.status not in ("draft", "pending_approval"),
    }


def version_page(request, version, *, rule_form=None, editing=None, status=200):
    """The version page; `rule_form` carries a refused rule's input and errors back to the user."""
    query = request.GET.get("q", "").replace("\x00", "").strip()  # PostgreSQL refuses NUL in a compared text
    rules = version.rules.order_by("position", "id")
    if query:
        rules = rules.filter(Q(source_value__icontains=query) | Q(target_name__icontains=query))
    page = Paginator(rules, RULES_PER_PAGE).get_page(request.GET.get("page"))
    dimension = version.mapping_set.dimension
    problems = version_problems(version) if version.status != "rejected" else {}
    context = {
        "version": version,
        "mapping_set": version.mapping_set,
        "page": page,
        "query": query,
        "problems": problems,
        "rows": [(rule, problems.get(rule.pk, {})) for rule in page.object_list],
        "can": abilities(request.user, version),
        "rule_form": rule_form or RuleForm(dimension=dimension),
        "editing": editing,
        "default_model": DIMENSION_TARGETS[dimension][0],
        "configure_form": ConfigureForm(
            initial={"auto_match": version.auto_match, "effective_from": version.effective_from}
        ),
        "reason_form": ReasonForm(),
        "import_form": ImportForm(),
    }
    return render(request, "mappings/mappingsetversion_detail.html", context, status=status)


@permission_required(*READERS)
def version_detail(request, pk):
    return version_page(request, version_or_404(request, pk))


ACTIONS = {
    "submit": lambda v, u, text: services.mapping_version_submit(version=v, actor=u, reason=text),
    "withdraw": lambda v, u, text: services.mapping_version_withdraw(version=v, actor=u, reason=text),
    "approve": lambda v, u, text: services.mapping_version_approve(version=v, actor=u, note=text),
    "reject": lambda v, u, text: services.mapping_version_reject(version=v, actor=u, reason=text),
    "restore": lambda v, u, text: services.mapping_version_restore(version=v, actor=u),
    "discard": lambda v, u, text: services.mapping_draft_discard(version=v, actor=u, reason=text),
}
DONE = {
    "submit": "Submitted for approval.",
    "withdraw": "Withdrawn: the version is a draft again.",
    "approve": "Approved: the version is active for documents processed from now on.",
    "reject": "Rejected: the author can restore it into a new draft to rework it.",
    "restore": "Restored into a new draft.",
    "discard": "Draft discarded.",
}


@require_POST
@permission_required(*READERS)
def version_action(request, pk, action):
    version = version_or_404(request, pk)
    form = ReasonForm(request.POST)
    text = form.data.get("reason", "")
    try:
        result = ACTIONS[action](version, request.user, text)
    except MappingError as error:
        report(request, error)
        if error.rule_errors:
            messages.error(request, "The flagged rules are marked in the table below.")
        return redirect("mappings:version_detail", pk=pk)
    messages.success(request, DONE[action])
    if action == "discard":
        return redirect("mappings:set_detail", pk=version.mapping_set_id)
    return redirect("mappings:version_detail", pk=result.pk if action == "restore" else pk)


@require_POST
@permission_required(*READERS)
def version_configure(request, pk):
    version = version_or_404(request, pk)
    require_change(request.user, version)
    form = ConfigureForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Enter a valid date (YYYY-MM-DD).")
        return redirect("mappings:version_detail", pk=pk)
    try:
        services.mapping_draft_configure(version=version, actor=request.user, **form.cleaned_data)
    except MappingError as error:
        report(request, error)
    else:
        messages.success(request, "Draft settings saved.")
    return redirect("mappings:version_detail", pk=pk)


@permission_required(*READERS)
def version_diff(request, pk):
    version = version_or_404(request, pk)
    others = selectors.mapping_version_list(version.mapping_set).exclude(pk=version.pk)
    against_id = request.GET.get("against", "")
    against = others.filter(pk=against_id).first() if against_id.isdecimal() else None  # else: the default
    against = against or version.based_on or others.filter(status="active").first()
    diff = rules_diff(rules_of(against) if against else [], rules_of(version))
    context = {
        "version": version,
        "mapping_set": version.mapping_set,
        "against": against,
        "others": others,
        "diff": diff,
    }
    return render(request, "mappings/mappingsetversion_diff.html", context)


@permission_required(*READERS)
def version_preview(request, pk):
    version = version_or_404(request, pk)
    days = request.GET.get("days", "30")
    preview = mapping_version_preview(version=version, actor=request.user, days=int(days) if days.isdecimal() else 30)
    names = mapping_context_load([version.mapping_set.entity.code], candidate=version)
    documents = [(d, display_names(names, version.mapping_set.entity.code, d.changes)) for d in preview.documents]
    context = {"version": version, "mapping_set": version.mapping_set, "preview": preview, "documents": documents}
    return render(request, "mappings/mappingsetversion_preview.html", context)


@permission_required(*READERS)
def version_export(request, pk):
    version = version_or_404(request, pk)
    if request.GET.get("format") == "xlsx":
        body, extension = export_xlsx(version), "xlsx"
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body, extension, content_type = export_csv(version), "csv", "text/csv; charset=utf-8"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{export_filename(version, extension)}"'
    return response


@require_POST
@permission_required(*READERS)
def version_import(request, pk):
    version = version_or_404(request, pk)
    require_change(request.user, version)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choose a CSV or XLSX file and a mode.")
        return redirect("mappings:version_detail", pk=pk)
    upload = form.cleaned_data["file"]
    try:
        count = mapping_rules_import(
            version=version,
            actor=request.user,
            filename=upload.name,
            content=upload.read(MAX_BYTES + 1),  # never more than the limit in memory
            mode=form.cleaned_data["mode"],
        )
    except ImportRejected as error:
        context = {"version": version, "mapping_set": version.mapping_set, "errors": error.errors}
        return render(request, "mappings/import_errors.html", context, status=400)
    except MappingError as error:
        report(request, error)
        return redirect("mappings:version_detail", pk=pk)
    messages.success(request, f"Imported: the draft now holds {count} rules.")
    return redirect("mappings:version_detail", pk=pk)
