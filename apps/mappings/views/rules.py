"""Editing a draft's rules: add, edit (htmx loads the editor in place), delete."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apps.access.decorators import permission_required
from apps.mappings import services
from apps.mappings.errors import MappingError
from apps.mappings.forms import RuleForm, apply_errors
from apps.mappings.views.common import READERS, is_htmx, report, rule_or_404, version_or_404
from apps.mappings.views.versions import require_change, version_page


@require_POST
@permission_required(*READERS)
def rule_add(request, pk):
    version = version_or_404(request, pk)
    require_change(request.user, version)
    form = RuleForm(request.POST, dimension=version.mapping_set.dimension)
    try:
        rule = services.mapping_rule_add(version=version, actor=request.user, **form.raw())
    except MappingError as error:
        apply_errors(form, error.fields or {"__all__": error.message})
        return version_page(request, version, rule_form=form, status=400)
    messages.success(request, f"Rule for “{rule.source_value}” added.")
    return redirect("mappings:version_detail", pk=pk)


@permission_required(*READERS)
def rule_edit(request, pk):
    rule = rule_or_404(request, pk)
    version = rule.version
    require_change(request.user, version)
    if request.method == "POST":
        form = RuleForm(request.POST, dimension=version.mapping_set.dimension)
        try:
            services.mapping_rule_update(rule=rule, actor=request.user, **form.raw())
        except MappingError as error:
            apply_errors(form, error.fields or {"__all__": error.message})
            return version_page(request, version, rule_form=form, editing=rule, status=400)
        messages.success(request, f"Rule for “{form.raw()['source_value']}” saved.")
        return redirect("mappings:version_detail", pk=version.pk)
    initial = {**rule.as_dict(), "conditions": _conditions(rule)}
    form = RuleForm(initial=initial, dimension=version.mapping_set.dimension)
    if is_htmx(request):
        context = {"rule_form": form, "editing": rule, "version": version, "mapping_set": version.mapping_set}
        return render(request, "mappings/_rule_editor.html", context)
    return version_page(request, version, rule_form=form, editing=rule)


def _conditions(rule) -> str:
    from apps.mappings.rule_input import conditions_text

    return conditions_text(rule.conditions)


@require_POST
@permission_required(*READERS)
def rule_delete(request, pk):
    rule = rule_or_404(request, pk)
    version_pk = rule.version_id
    try:
        services.mapping_rule_delete(rule=rule, actor=request.user)
    except MappingError as error:
        report(request, error)
    else:
        messages.success(request, f"Rule for “{rule.source_value}” removed.")
    return redirect("mappings:version_detail", pk=version_pk)
