"""Validate → map → policy checks, per document: `received` to `mapped`, or held / rejected.

    document_prepare(document_id=…, flow=…, context=…) -> new state

Claims each stage by compare-and-set (two deliveries of the same task: one does the work, the other sees a
state it does not start from and returns). The mapping context is built once per batch by the caller.
"""

import contextlib

from django.db import transaction

from apps.documents.errors import StaleDocument
from apps.documents.models import Document
from apps.documents.services import document_claim, document_transition
from apps.documents.states import DocumentState as S
from apps.mappings.engine import resolve
from apps.sync.services import holds, policies

FAILURE_CATEGORY = {"mapping_missing": "mapping_missing", "master_data_missing": "master_data_missing",
                    "invalid_tax": "invalid_tax"}  # fmt: skip


def _validate(document: Document, flow) -> list[str]:
    problems = []
    doc = document.canonical_document
    if not doc.lines:
        problems.append("The document has no lines.")
    scope = _scope(flow)
    if scope and document.entity.code not in scope:
        problems.append(f"Flow {flow.name} does not post for entity {document.entity.code}.")
    if document.object_type != flow.object_type:
        problems.append(f"Flow {flow.name} posts {flow.get_object_type_display()}s, not {document.object_type}.")
    return problems


def _scope(flow) -> set[str]:
    """The flow's entity codes, read once per flow instance (a run validates many documents)."""
    if not hasattr(flow, "_entity_codes"):
        flow._entity_codes = {e.code for e in flow.entities.all()}
    return flow._entity_codes


def stage_validate(document: Document, flow) -> bool:
    """received → validated (claimed), or rejected with the reasons. True when it moved on."""
    if not document_claim(document.pk, S.RECEIVED, S.VALIDATED, flow=flow.slug):
        return False
    document.refresh_from_db()
    problems = _validate(document, flow)
    if problems:
        holds.reject(document, stage="validate", reason=" ".join(problems), flow=flow.slug)
        return False
    return True


def mapping_problems(document: Document, context) -> list[dict]:
    """Worklist items for what the engine could not resolve (subject = the mapping problem, shared by docs)."""
    resolution = resolve(document.canonical_document, context)
    return [{"category": FAILURE_CATEGORY.get(f.category, "mapping_missing"), "message": f.message,
             "subject_key": f.subject_key, "context": {"dimension": f.dimension, "source_value": f.source_value,
                                                       "line_id": f.line_id, "mapping_set_id": f.mapping_set_id}}
            for f in resolution.failures]  # fmt: skip


def stage_map(document: Document, flow, context) -> bool:
    """validated → mapped when every value maps and no policy objects; else held at `map`."""
    items = mapping_problems(document, context)
    items += [{"category": p.category, "message": p.message, "context": {"line_id": p.line_id}}
              for p in policies.check(document, document.canonical_document,
                                      receipt_threshold=policies.receipt_threshold(document.entity, flow))]  # fmt: skip
    with transaction.atomic():
        if items:
            holds.hold(document, stage="map", items=items, flow=flow.slug)
            return False
        document_transition(document, S.MAPPED, actor=holds.ACTOR, flow=flow.slug)
    return True


def document_prepare(*, document_id: int, flow, context) -> str:
    """Run the stages a document has not passed yet, up to `mapped`. Idempotent; returns the state."""
    document = Document.objects.select_related("entity").get(pk=document_id)
    if document.state == S.RECEIVED and not stage_validate(document, flow):
        return Document.objects.values_list("state", flat=True).get(pk=document_id)
    document.refresh_from_db()
    if document.state == S.VALIDATED:
        with contextlib.suppress(StaleDocument):  # another worker mapped it at the same moment
            stage_map(document, flow, context)
    return Document.objects.values_list("state", flat=True).get(pk=document_id)
