"""Fix and retry: the missing rule of a worklist item, pre-filled, saved into the set's draft with a reason.

    /mappings/rules/new/?entity=FR&dimension=employee&source_value=jane@example.com&worklist_item=12

The worklist builds the link from the item (apps/worklist/views/item.py); this page only reads the query, so
mappings never depends on the worklist. Once another approver approves the version, the approval's follow-up
(apps.mappings.services.followup) re-drives every held item it fixes.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse

from apps.access.decorators import permission_required
from apps.access.permissions import AccessDenied, entities_for
from apps.mappings import policies, selectors
from apps.mappings.engine import DIMENSION_TARGETS
from apps.mappings.errors import MappingError
from apps.mappings.forms import ProposedRuleForm, apply_errors
from apps.mappings.models import OPEN_STATUSES, MappingDimension, MappingSetVersionStatus
from apps.mappings.services.drafts import mapping_rule_propose
from apps.mappings.views.common import READERS


def _target(request):
    """(entity, dimension, mapping set or None) named by the query; 404 for an entity or dimension not visible."""
    code = (request.GET.get("entity") or "").strip().upper()
    dimension = (request.GET.get("dimension") or "").strip()
    if dimension not in MappingDimension.values:
        raise Http404("Name the dimension of the missing rule (employee, category, tax_code…).")
    mapping_set = selectors.mapping_set_list(request.user, dimension=dimension).filter(entity__code=code).first()
    if mapping_set is not None:
        return mapping_set.entity, dimension, mapping_set
    entity = entities_for(request.user).filter(code=code).first()
    if entity is None:
        raise Http404("No such entity in your scope.")
    return entity, dimension, None


def _item_link(pk) -> str:
    try:
        return reverse("worklist:item", kwargs={"pk": int(pk)}) if str(pk or "").isdecimal() else ""
    except NoReverseMatch:
        return ""


@permission_required(*READERS)
def rule_new(request):
    entity, dimension, mapping_set = _target(request)
    item_pk = request.POST.get("worklist_item") or request.GET.get("worklist_item")
    context = {
        "entity": entity,
        "dimension": dimension,
        "dimension_label": MappingDimension(dimension).label,
        "mapping_set": mapping_set,
        "item_link": _item_link(item_pk),
        "item_pk": item_pk if _item_link(item_pk) else "",
        "can_create_set": request.user.has_perm(policies.ADD),
    }
    if mapping_set is None:  # nothing to add the rule to yet: say so and offer the set
        return render(request, "mappings/rule_new.html", context)
    if not policies.may(request.user, policies.CHANGE, mapping_set):
        raise AccessDenied(f"You may not edit {mapping_set}.")
    open_version = mapping_set.versions.filter(status__in=OPEN_STATUSES).first()
    context.update(open_version=open_version, default_model=DIMENSION_TARGETS[dimension][0])
    if open_version is not None and open_version.status == MappingSetVersionStatus.PENDING_APPROVAL:
        status = 400 if request.method == "POST" else 200  # blocked until decided: the page says so
        return render(request, "mappings/rule_new.html", context, status=status)
    if request.method == "POST":
        form = ProposedRuleForm(request.POST, dimension=dimension)
        data = form.data
        try:
            draft, rule = mapping_rule_propose(
                mapping_set=mapping_set,
                actor=request.user,
                reason=data.get("reason", ""),
                submit=data.get("submit") in ("on", "true", "1"),
                **form.raw(),
            )
        except MappingError as error:
            apply_errors(form, error.fields or {"__all__": error.message})
            return render(request, "mappings/rule_new.html", {**context, "form": form}, status=400)
        done = "submitted for approval" if draft.status == MappingSetVersionStatus.PENDING_APPROVAL else "saved"
        messages.success(
            request,
            f"Rule for “{rule.source_value}” {done} in {mapping_set} version {draft.number}. Once another approver "
            "approves it, every held document it fixes is retried automatically.",
        )
        return redirect("mappings:version_detail", pk=draft.pk)
    initial = {
        "source_value": request.GET.get("source_value", "")[:255],
        "match": "exact",
        "target_model": DIMENSION_TARGETS[dimension][0],
        "submit": True,
        "worklist_item": context["item_pk"] or None,
    }
    return render(
        request, "mappings/rule_new.html", {**context, "form": ProposedRuleForm(initial=initial, dimension=dimension)}
    )
