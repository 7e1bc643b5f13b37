"""Auditor pages: the ledger browser, an entry with its lineage, CSV export, evidence pack. Read-only, thin."""

from __future__ import annotations

import json
import tempfile

from django.http import FileResponse, Http404, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from apps.access.decorators import permission_required
from apps.ledger import selectors
from apps.ledger.anchoring import AnchorFileError, anchor_export_status, anchors_path, load_anchors
from apps.ledger.export import csv_lines, entry_payload_text, write_evidence_pack
from apps.ledger.forms import LedgerFilterForm
from apps.ledger.models import LedgerEntry
from apps.ledger.retention import archived_payload
from apps.ledger.verification import verify_chain

PAGE_SIZE = 50


def _cursor(request, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdecimal() else None  # isdigit() accepts "²", which int() refuses


def _verification(request) -> dict:
    status = selectors.ledger_verification_status()
    details = json.loads(entry_payload_text(status) or "{}") if status else {}
    return {"verification": status, "verification_details": details, "anchor_export": anchor_export_status()}


@require_safe
@permission_required("ledger.view_ledgerentry")
def index(request):
    form = LedgerFilterForm(request.GET)
    page = None
    if form.is_valid():
        page = selectors.ledger_entry_list(
            user=request.user,
            filters=form.filters(),
            before=_cursor(request, "before"),
            after=_cursor(request, "after"),
            limit=PAGE_SIZE,
        )
    context = {
        "form": form,
        "page": page,
        "can_export": request.user.has_perm("ledger.export_entries"),
        **_verification(request),
    }
    return render(request, "ledger/ledgerentry_list.html", context)


def _pretty_payload(entry: LedgerEntry) -> tuple[str, str]:
    """(indented JSON, where it came from) — escaped by the template, never marked safe."""
    text, source = entry_payload_text(entry), "ledger"
    if text == "[archived]":
        text, archive_file = archived_payload(entry.sequence)
        source = f"archive file {archive_file}" if text is not None else f"archived to {archive_file} (unavailable)"
    if not text:
        return "", source
    return json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False), source


@require_safe
@permission_required("ledger.view_ledgerentry")
def entry_detail(request, sequence: int):
    try:
        entry = selectors.ledger_entry_get(user=request.user, sequence=sequence)
    except LedgerEntry.DoesNotExist:
        raise Http404("No such ledger entry") from None
    payload, payload_source = _pretty_payload(entry)
    context = {
        "entry": entry,
        "payload": payload,
        "payload_source": payload_source,
        "lineage": selectors.ledger_lineage(user=request.user, entry=entry),
    }
    return render(request, "ledger/ledgerentry_detail.html", context)


@require_safe
@permission_required("ledger.export_entries")
def export_csv(request):
    form = LedgerFilterForm(request.GET)
    if not form.is_valid():
        return HttpResponseBadRequest("Invalid filters: " + "; ".join(e for errs in form.errors.values() for e in errs))
    entries = selectors.ledger_entry_export(user=request.user, filters=form.filters())
    response = StreamingHttpResponse(csv_lines(entries), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="ledger-{timezone.now():%Y%m%d-%H%M%S}.csv"'
    return response


def _exported_anchors() -> list[dict] | None:
    try:
        return load_anchors(anchors_path()) if anchors_path().exists() else None
    except AnchorFileError:
        return None  # the pack still carries the file itself, so the auditor sees what is wrong with it


@require_safe
@permission_required("ledger.download_evidence_pack")
def evidence_pack(request):
    form = LedgerFilterForm(request.GET or None)
    wanted = form.is_bound and form.is_valid() and form.cleaned_data["date_from"] and form.cleaned_data["date_to"]
    if not wanted:
        if form.is_bound and form.is_valid():
            form.add_error(None, "Choose the first and last day of the period.")
        return render(request, "ledger/evidencepack_form.html", {"form": form})
    period = (form.cleaned_data["date_from"], form.cleaned_data["date_to"])
    anchors = _exported_anchors()
    pack = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 (FileResponse closes it)
    write_evidence_pack(
        pack,
        entries=selectors.ledger_entry_export(user=request.user, filters=form.filters()),
        period=period,
        verification=verify_chain(anchors=anchors),
        generated_by=request.user.get_username(),
    )
    pack.seek(0)
    name = f"ledger-evidence-{period[0]}-{period[1]}.zip"
    return FileResponse(pack, as_attachment=True, filename=name, content_type="application/zip")
