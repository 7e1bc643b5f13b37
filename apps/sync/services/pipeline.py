"""Validate → map → policy checks: `received` to `mapped`, or held / rejected — for a batch of documents.

    documents_prepare(document_ids=[…], flow=…, context=…) -> {id: new state}
    document_prepare(document_id=…, flow=…, context=…) -> new state            # the same, for one document

Each stage moves the whole batch with one compare-and-set (`document_claim_many` for received → validated,
`documents_transition_many` for validated → mapped): two deliveries of the same work, or two workers on
overlapping batches — one moves a document, the other sees a state it does not start from and leaves it.
A document that fails a stage is held or rejected on its own (worklist item + ledger entry with its state
change). Each stage commits in one transaction: every state change with its ledger entry. The mapping
context is built once per batch by the caller.
"""

import contextlib

from django.db import transaction

from apps.documents.errors import StaleDocument
from apps.documents.models import Document
from apps.documents.services import document_claim_many, documents_transition_many
from apps.documents.states import DocumentState as S
from apps.ledger.services import ledger_lock
from apps.mappings.engine import resolve
from apps.sync.services import holds, policies

FAILURE_CATEGORY = {"mapping_missing": "mapping_missing", "master_data_missing": "master_data_missing",
                    "invalid_tax": "invalid_tax"}  # fmt: skip


def _validate(document: Document, flow) -> list[str]:
    problems = []
    if not (document.canonical or {}).get("lines"):  # the stored canonical JSON; no need to decode it here
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


def mapping_problems(document: Document, context, doc=None) -> list[dict]:
    """Worklist items for what the engine could not resolve (subject = the mapping problem, shared by docs)."""
    return _failure_items(resolve(doc or document.canonical_document, context))


def _failure_items(resolution) -> list[dict]:
    return [{"category": FAILURE_CATEGORY.get(f.category, "mapping_missing"), "message": f.message,
             "subject_key": f.subject_key, "context": {"dimension": f.dimension, "source_value": f.source_value,
                                                       "line_id": f.line_id, "mapping_set_id": f.mapping_set_id}}
            for f in resolution.failures]  # fmt: skip


def _map_problems(documents: list[Document], flow, context) -> list[tuple[list[dict], object, object]]:
    """(worklist items, decoded document, resolution) per document: what does not map, and what the policies
    object to (one look-up of suspected duplicates for the whole batch)."""
    docs = [document.canonical_document for document in documents]  # decoded once for the engine and policies
    thresholds = [policies.receipt_threshold(document.entity, flow) for document in documents]
    found = policies.check_many(list(zip(documents, docs, strict=True)), thresholds=thresholds)
    out = []
    for doc, problems in zip(docs, found, strict=True):
        resolution = resolve(doc, context)
        items = _failure_items(resolution)
        items += [{"category": p.category, "message": p.message, "context": {"line_id": p.line_id}} for p in problems]
        out.append((items, doc, resolution))
    return out


def documents_prepare(*, document_ids: list[int], flow, context, resolved: dict | None = None) -> dict[int, str]:
    """Run the stages the documents have not passed yet, up to `mapped`. Idempotent.

    `resolved`: filled with {id: (decoded document, resolution)} of the documents this call mapped, for a
    posting of the same task to use (posting.documents_post `prepared`) instead of decoding and resolving again.

    Each stage is one short transaction (its compare-and-set, the ledger entries, the holds); the mapping and
    policy work in between runs outside any transaction, so the ledger — which every writer, intake included,
    waits for — is held only while writing. A crash between the stages leaves documents `validated`, which the
    next call (a run, a retry sweep) picks up. Returns {id: state after this call} for the given ids (a document
    another worker moved meanwhile is reported in the state it is in now)."""
    ids = sorted(set(document_ids))
    # received → validated: claimed by compare-and-set; what fails validation is rejected with the reasons.
    validated, claimed = [], set()
    with transaction.atomic():
        for document in document_claim_many(ids, S.RECEIVED, S.VALIDATED, flow=flow.slug):
            claimed.add(document.pk)
            problems = _validate(document, flow)
            if problems:
                _park(holds.reject, document, stage="validate", reason=" ".join(problems), flow=flow.slug)
            else:
                validated.append(document)  # loaded by the claim (entity, previous revision): not read again
    # validated (now, or by an earlier attempt whose worker died between the stages) → mapped when every value
    # maps and no policy objects; else held at `map`. The checks read; the writes follow in one transaction,
    # each a compare-and-set on `validated` (another worker's move in between wins).
    earlier = [pk for pk in ids if pk not in claimed]
    if earlier:
        validated += Document.objects.filter(pk__in=earlier, state=S.VALIDATED).select_related(
            "entity", "previous_revision"
        )
        validated.sort(key=lambda d: d.pk)
    problems = _map_problems(validated, flow, context)
    with transaction.atomic():
        ledger_lock()  # the ledger before any row (holds lock theirs one by one), as every batch writer
        ready = []
        for document, (items, _, _) in zip(validated, problems, strict=True):
            if items:
                _park(holds.hold, document, stage="map", items=items, flow=flow.slug)
            else:
                ready.append(document)
        moved, _ = documents_transition_many(ready, S.MAPPED, actor=holds.ACTOR, flow=flow.slug)
    if resolved is not None:
        found = {d.pk: (doc, resolution) for d, (_, doc, resolution) in zip(validated, problems, strict=True)}
        resolved.update((document.pk, found[document.pk]) for document in moved)
    return dict(Document.objects.filter(pk__in=ids).order_by().values_list("pk", "state"))


def _park(action, document, **kwargs) -> None:
    """Hold or reject one document of the batch; one another worker moved meanwhile is left to it."""
    with contextlib.suppress(StaleDocument):  # the savepoint inside `action` undid its partial writes
        action(document, **kwargs)


def document_prepare(*, document_id: int, flow, context) -> str:
    """`documents_prepare` for one document; returns its state."""
    return documents_prepare(document_ids=[document_id], flow=flow, context=context)[document_id]
