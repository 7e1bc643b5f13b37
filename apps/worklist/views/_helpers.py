"""Shared view plumbing: load a visible item or 404, run a service and turn its errors into messages."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect

from apps.worklist import selectors
from apps.worklist.errors import WorklistError
from apps.worklist.models import WorklistItem


def visible_item(request, pk: int) -> WorklistItem:
    try:
        return selectors.worklist_item_get(user=request.user, pk=pk)
    except WorklistItem.DoesNotExist:
        raise Http404("No such item.") from None


def form_errors(form) -> str:
    return "; ".join(
        f"{'' if name == '__all__' else name + ': '}{' '.join(errs)}" for name, errs in form.errors.items()
    )


def error_text(error: WorklistError) -> str:
    details = "; ".join(f"{name}: {text}" for name, text in error.fields.items() if name != "__all__")
    general = error.fields.get("__all__")
    return " ".join(part for part in (error.message, general, details) if part)


def run_action(request, *, item, form, action, success: str, back=None):
    """Validate `form`, call `action(item, cleaned_data)`; flash the outcome and go back to the item page.

    `action` returns an optional message replacing `success`. AccessDenied propagates (→ 403).
    """
    target = back or redirect("worklist:item", pk=item.pk)
    if not form.is_valid():
        messages.error(request, f"Nothing was changed: {form_errors(form)}")
        return target
    try:
        outcome = action(item, form.cleaned_data)
    except WorklistError as error:
        messages.error(request, error_text(error))
        return target
    messages.success(request, outcome or success)
    return target
